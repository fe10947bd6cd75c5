"""Random small spaces that use the whole language together, as text.

Blocks (pipeline and sub-graph blocks, blocks calling blocks, a block ending in a fixed
`repeat`, a width parameter used twice), `repeat N`, depth choices (also inside a repeated
block), `each`, `CANDIDATE * N`, nested `choose`, act/norm/width choices, picks of inputs,
labels shared across repetitions and heads, a second head reading the first, and
`count`/`params`/`flops` constraints (whole, per head, in a head, with a head target).

Widths are tracked so that most spaces check: every node is `W` wide or "free" (a width
choice decides it); sums, picks and skips read only `W`-wide nodes, and a free node is read
only by a `linear`. A space is kept small enough for the reference to enumerate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hypothesis import strategies as st

W = 8  # every fixed width, and the backbone's
BACKBONE_DIM = W

ACTS = [
    "relu",
    "gelu",
    "act{relu, gelu}",
    "act{relu, identity}",
    "act(acts)",
    "act{relu, gelu} as la",
]
NORMS = ["bn", "norm{bn, none}", "norm{bn, layernorm}", "norm(norms)"]
WIDTH_ARGS = [str(W), str(W), "width{4, 8}", "width{4, 8} as lw"]

# Blocks: (definition, keeps the width (output W whenever `w` is W and the input is W),
# needs its input W wide, starts with a linear (reads any width)).
BLOCKS = {
    "lin": ("block lin(x, w) {{ linear(x, w) | {act} }}", True, False, True),
    "mlp": ("block mlp(x, w) {{ linear(x, w) | {act} | linear(w) }}", True, False, True),
    "skip": (
        "block skip(x, w) {{ choose(linear(x, w) | each{{relu, gelu}}, identity(x)) }}",
        True,
        True,
        False,
    ),
    "res": (
        "block res(x, w) {{\n    a = linear(x, w) | {act}\n    out = sum(x, a)\n  }}",
        True,
        True,
        False,
    ),
    "pools": (
        "block pools(x, w) {{ choose(linear(x, w) * 2, x | each{{maxpool, avgpool}} | {norm}) }}",
        True,
        True,
        False,
    ),
    "outer": ("block outer(x, w) {{ lin(x, w) | {norm} }}", True, False, True),
    "tower": ("block tower(x, w) {{ t = repeat 2 lin(x, w) }}", True, False, True),
    "deep": ("block deep(x, w) {{ t = repeat {{1, 2}} lin(x, w) }}", True, False, True),
    "setp": ("block setp(x, w, a) {{ linear(x, w) | act(a) }}", True, False, True),
}
NEEDS = {"outer": "lin", "tower": "lin", "deep": "lin"}


@dataclass
class Head:
    name: str
    input: str
    source: str
    lines: list[str] = field(default_factory=list)
    fixed: list[str] = field(default_factory=list)  # W-wide names
    free: list[str] = field(default_factory=list)  # names a width choice decides


@dataclass
class Space:
    text: str
    heads: list[str]


@st.composite
def spaces(draw: st.DrawFn) -> Space:
    """One space (see module docs)."""
    used_blocks = set(draw(st.lists(st.sampled_from(sorted(BLOCKS)), max_size=3, unique=True)))
    for name in list(used_blocks):
        if name in NEEDS:
            used_blocks.add(NEEDS[name])
    heads = [Head("p", "x", "backbone", fixed=["x"])]
    if draw(st.booleans()):
        heads.append(Head("q", "z", "p"))
    for head in heads:
        if head.source != "backbone":
            previous = heads[0]
            if previous.lines and previous.lines[-1].split(" = ")[0].strip() in previous.fixed:
                head.fixed.append(head.input)
            else:
                head.free.append(head.input)
        for i in range(draw(st.integers(1, 3 if len(heads) == 2 else 4))):
            _node(draw, head, f"n{i}", sorted(used_blocks))
    blocks = []
    for name in sorted(used_blocks, key=lambda n: (n in NEEDS, n)):
        template = BLOCKS[name][0]
        blocks.append(
            "  "
            + template.format(act=draw(st.sampled_from(ACTS)), norm=draw(st.sampled_from(NORMS)))
        )
    constraints = [
        f"  constraint {draw(_constraint(heads))}" for _ in range(draw(st.integers(0, 2)))
    ]
    body = ["  let acts = {relu, gelu, tanh}", "  let norms = {bn, none}", *blocks]
    for head in heads:
        body.append(f"  head {head.name}({head.input}: {head.source}) {{")
        body += [f"    {line}" for line in head.lines]
        body.append("  }")
    body += constraints
    text = "space gen {\n" + "\n".join(body) + "\n}\n"
    return Space(text, [h.name for h in heads])


def _node(draw: st.DrawFn, head: Head, name: str, blocks: list[str]) -> None:
    """Append one node to `head`, tracking its width."""
    fixed, every = head.fixed, head.fixed + head.free
    blocks = [b for b in blocks if fixed or not BLOCKS[b][2]]  # some need a W-wide input
    forms = ["linear", "choose"]
    if len(fixed) >= 2:
        forms += ["sum", "pick"]
    if blocks:
        forms += ["block", "block", "repeat"]
    form = draw(st.sampled_from(forms))
    if form == "linear":
        width = draw(st.sampled_from(WIDTH_ARGS))
        extra = draw(
            st.sampled_from(
                [
                    "",
                    f" | {draw(st.sampled_from(ACTS))}",
                    f" | {draw(st.sampled_from(NORMS))} | {draw(st.sampled_from(ACTS))}",
                ]
            )
        )
        head.lines.append(f"{name} = linear({draw(st.sampled_from(every))}, {width}){extra}")
        (head.fixed if width == str(W) else head.free).append(name)
    elif form == "choose":
        head.lines.append(f"{name} = {draw(_choose(every, fixed))}")
        head.free.append(name)  # a candidate's width choice may decide it
    elif form == "sum":
        inputs = draw(st.lists(st.sampled_from(fixed), min_size=2, max_size=3, unique=True))
        mode = draw(st.sampled_from(["sum", "mean"]))
        head.lines.append(f"{name} = {mode}({', '.join(inputs)})")
        head.fixed.append(name)
    elif form == "pick":
        inputs = draw(st.lists(st.sampled_from(fixed), min_size=2, max_size=3, unique=True))
        k = draw(st.integers(1, len(inputs) - 1))
        mode = draw(st.sampled_from(["sum", "mean", "concat"]))
        label = draw(st.sampled_from(["", ""]))
        head.lines.append(f"{name} = {mode}(pick {k} of {{{', '.join(inputs)}}}){label}")
        (head.fixed if mode != "concat" or k == 1 else head.free).append(name)
    else:
        block = draw(st.sampled_from(blocks))
        _, keeps, needs_w, starts_linear = BLOCKS[block]
        sources = fixed if needs_w else every
        fixed_width = needs_w or block == "deep"  # the outputs of all depths have one width
        width = str(W) if fixed_width else draw(st.sampled_from(WIDTH_ARGS))
        args = f"{draw(st.sampled_from(sources))}, {width}"
        if block == "setp":
            args += ", acts"
        if form == "repeat" and (starts_linear or width == str(W)):
            if width == str(W) and draw(st.booleans()):
                count = draw(st.sampled_from(["{1, 2}", "{1, 3}", "{2, 3}"]))
            else:
                count = draw(st.sampled_from(["1", "2", "3"]))
            if not starts_linear and width != str(W):
                count = "1"
            head.lines.append(f"{name} = repeat {count} {block}({args})")
        else:
            head.lines.append(f"{name} = {block}({args})")
        (head.fixed if width == str(W) and keeps else head.free).append(name)


@st.composite
def _choose(draw: st.DrawFn, every: list[str], fixed: list[str]) -> str:
    """An op choice of two or three candidates, some copied, some expanded by `each`."""
    cands = []
    for _ in range(draw(st.integers(2, 3))):
        kind = draw(
            st.sampled_from(
                ["linear", "each", "skip", "pool", "nested"] if fixed else ["linear", "each"]
            )
        )
        if kind == "linear":
            width = draw(st.sampled_from(WIDTH_ARGS))
            cand = (
                f"linear({draw(st.sampled_from(every))}, {width}) | {draw(st.sampled_from(ACTS))}"
            )
        elif kind == "each":
            width = draw(st.sampled_from(WIDTH_ARGS))
            items = draw(st.sampled_from(["each{relu, gelu}", "each(acts)", "each{bn, layernorm}"]))
            cand = f"linear({draw(st.sampled_from(every))}, {width}) | {items}"
        elif kind == "skip":
            cand = f"identity({draw(st.sampled_from(fixed))})"
        elif kind == "pool":
            cand = f"{draw(st.sampled_from(fixed))} | maxpool | {draw(st.sampled_from(NORMS))}"
        else:
            a, b = draw(st.sampled_from(every)), draw(st.sampled_from(fixed))
            inner = f"choose(linear({a}, {W}), identity({b}))"
            cand = f"{inner} | {draw(st.sampled_from(ACTS))}"
        copies = draw(st.sampled_from(["", "", " * 2"]))
        cands.append(cand + copies)
    label = draw(st.sampled_from(["", "", ""]))
    return f"choose({', '.join(cands)}){label}"


@st.composite
def _constraint(draw: st.DrawFn, heads: list[Head]) -> str:
    metric = draw(st.sampled_from(["count", "count", "params", "flops"]))
    cmp = draw(st.sampled_from(["<=", ">=", "<", ">", "=="]))
    names = [h.name for h in heads]
    if metric == "count":
        ops = draw(
            st.lists(
                st.sampled_from(["linear", "identity", "relu", "gelu", "bn", "maxpool"]),
                min_size=1,
                max_size=2,
                unique=True,
            )
        )
        scope = draw(st.sampled_from(["", " per head", *(f" in {n}" for n in names)]))
        return f"count({', '.join(ops)}) {cmp} {draw(st.integers(0, 4))}{scope}"
    target = draw(st.sampled_from(["", *(f"({n})" for n in names)]))
    bound = draw(st.sampled_from([100, 150, 200, 300, 400, 600, 1000]))
    return f"{metric}{target} {cmp} {bound}"
