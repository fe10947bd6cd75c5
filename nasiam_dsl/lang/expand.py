"""Blocks, repetition and candidate shorthands, by expansion into plain nodes.

`expand_heads(doc)` is a pure function of the written document: every block use becomes the
block's nodes, every `repeat` its layers, every `each`/`* N` its candidates, so checking,
compiling, counting, derivation and genotypes read plain nodes only. Names of the expansion:

- `h = b(x, ...)`: a block of one pipeline gives node `h`; a block of several nodes gives
  `h_NODE` for its inner nodes and `h` for its last (its output);
- `h = repeat N b(x, ...)`: layers `h1`..`hN` (`h_1`.. when `h` ends in a digit), each fed by
  the one before, their inner nodes `h1_NODE`; later nodes that read `h` read `hN`;
- `h = repeat {1, 2, 3} b(x, ...)`: the layers of the largest depth, and node
  `h = depth(pick 1 of {h1, h2, h3})`, the depth decision (key `HEAD.h.depth`).

A block sees its parameters, its own nodes, the `let`s and `backbone`, nothing else; it
cannot use itself, directly or through other blocks. Positions inside an expanded block keep
the definition's line and column and name the use site (`Pos.via`), so a diagnostic shows
both.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import product
from typing import Any

from nasiam_dsl import registry
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.errors import DSLError, did_you_mean
from nasiam_dsl.lang.rewrite import (
    Stop,
    Substitution,
    fail,
    relocated,
    renamed,
)
from nasiam_dsl.lang.tree import descendants
from nasiam_dsl.lang.walk import keyed, keyed_heads

__all__ = ["MAX_EXPANDED_NODES", "MAX_REPEAT", "expand_heads", "numbered", "with_expansion"]

MAX_REPEAT = 64  # layers one `repeat` makes, and items of a depth set
MAX_EXPANDED_NODES = 20_000  # nested repetition multiplies; past this the file is refused


def numbered(name: str, i: int) -> str:
    """The name of layer `i` of `name = repeat ...`: `h3`, or `b2_3` after a digit."""
    return f"{name}_{i}" if name[-1:].isdigit() else f"{name}{i}"


# ---- the expander ---------------------------------------------------------------------------


class _Use:
    """One use of a block: `b(x, args...)` as the first stage of a pipeline."""

    def __init__(self, block: ast.BlockDef, call: ast.Call, input_name: str) -> None:
        self.block = block
        self.call = call
        self.input = input_name
        self.args = tuple(a for a in call.args if not isinstance(a, ast.KwArg))


class _Expander:
    def __init__(self, doc: ast.Document) -> None:
        self.lets = {let.name: let for let in doc.lets}
        self.blocks: dict[str, ast.BlockDef] = {}
        self.made = 0
        for block in doc.blocks:
            self.define(block)

    def define(self, block: ast.BlockDef) -> None:
        if block.name in self.blocks:
            first = self.blocks[block.name].pos
            where = f"first defined on line {first.line}" if first else None
            raise fail(f"duplicate block '{block.name}'", block.pos, where)
        if registry.get_op(block.name) is not None:
            raise fail(
                f"block '{block.name}' has the name of an op",
                block.pos,
                "give the block a name of its own",
            )
        if len(set(block.params)) != len(block.params):
            raise fail(f"block '{block.name}' names a parameter twice", block.pos)
        if block.expr is None and not block.nodes:
            raise fail(f"block '{block.name}' has no node", block.pos)
        self.blocks[block.name] = block

    # ---- sequences of nodes (a head's, a block's) ---------------------------------------
    def nodes(self, nodes: Sequence[ast.NodeDef], stack: tuple[str, ...]) -> list[ast.NodeDef]:
        return self.sequence(nodes, stack)[0]

    def sequence(
        self, nodes: Sequence[ast.NodeDef], stack: tuple[str, ...]
    ) -> tuple[list[ast.NodeDef], dict[str, str]]:
        """The plain nodes of a sequence, and the names later readers use instead of a
        written node's (a fixed repetition's last layer)."""
        out: list[ast.NodeDef] = []
        alias: dict[str, str] = {}
        for node in nodes:
            if alias:
                node = renamed(node, alias)
            made, last = self.node(node, stack)
            out += made
            if last is not None:
                alias[node.name] = last
            self.made += len(made)
            if self.made > MAX_EXPANDED_NODES:
                raise fail(
                    f"the blocks expand to more than {MAX_EXPANDED_NODES:,} nodes",
                    node.pos,
                    "repeat fewer layers",
                )
        return out, alias

    def node(
        self, node: ast.NodeDef, stack: tuple[str, ...]
    ) -> tuple[list[ast.NodeDef], str | None]:
        """The plain nodes of one written node, and the name that later nodes read for it
        when that is not its own (a fixed repetition's last layer)."""
        use = self.use(node.expr)
        if node.repeat is None:
            if use is None or use.block.expr is not None:
                return [node.model_copy(update={"expr": self.pipeline(node.expr, stack)})], None
            made, output = self.instantiate(use, node.name, f"{node.name}_", stack)
            rest = node.expr.stages[1:]
            if rest:
                last = made[-1]
                expr = last.expr.model_copy(
                    update={"stages": last.expr.stages + tuple(self.stages(rest, stack, node))}
                )
                made[-1] = last.model_copy(update={"expr": expr})
            return made, (output if output != node.name else None)
        return self.repeat(node, use, stack)

    def repeat(
        self, node: ast.NodeDef, use: _Use | None, stack: tuple[str, ...]
    ) -> tuple[list[ast.NodeDef], str | None]:
        first = node.expr.stages[0] if node.expr.stages else None
        if use is None and isinstance(first, ast.Call):
            raise fail(
                f"unknown block '{first.name}'",
                first.pos,
                did_you_mean(first.name, self.blocks)
                or "define it with `block NAME(x, ...) { ... }`",
            )
        if use is None:
            raise fail(
                "`repeat` applies to a block",
                node.expr.pos or node.pos,
                "write `NAME = repeat 3 BLOCK(input, ...)` with a block defined by `block`",
            )
        if len(node.expr.stages) > 1:
            raise fail(
                "a repeated block takes no stages after it",
                node.expr.stages[1].pos,
                "put the stages in the block, or in a node of their own",
            )
        depths = self.depths(node)
        names = [numbered(node.name, i) for i in range(1, max(depths) + 1)]
        made: list[ast.NodeDef] = []
        outputs: list[str] = []  # each layer's output: its name, or its block's last layer
        source = use.input
        for name in names:
            layer = _Use(use.block, use.call, source)
            nodes, source = self.instantiate(layer, name, f"{name}_", stack)
            made += nodes
            outputs.append(source)
        if isinstance(node.repeat, ast.IntLit):
            return made, outputs[-1]
        refs = tuple(
            ast.Ref(name=outputs[d - 1], prob=item.prob, pos=item.pos)
            for d, item in zip(depths, node.repeat.items, strict=True)
        )
        depth = ast.Combine(
            mode="depth", inputs=refs, pick=1, pos=node.repeat.pos, depths=tuple(depths)
        )
        expr = ast.Pipeline(source=depth, pos=node.expr.pos)
        return [*made, ast.NodeDef(name=node.name, expr=expr, pos=node.pos)], None

    def depths(self, node: ast.NodeDef) -> list[int]:
        count = node.repeat
        hint = f"a block repeats 1 to {MAX_REPEAT} times"
        if isinstance(count, ast.IntLit):
            if not 1 <= count.value <= MAX_REPEAT:
                raise fail(f"cannot repeat a block {count.value} times", count.pos, hint)
            return [count.value]
        assert isinstance(count, ast.SetLiteral)
        if not count.items:
            raise fail("a depth set needs at least one depth", count.pos, hint)
        values: list[int] = []
        for item in count.items:
            if not isinstance(item, ast.IntLit):
                raise fail("a depth is an integer", item.pos, hint)
            if not 1 <= item.value <= MAX_REPEAT:
                raise fail(f"cannot repeat a block {item.value} times", item.pos, hint)
            if item.value in values:
                raise fail(f"depth {item.value} is listed twice", item.pos)
            if values and item.value < values[-1]:
                raise fail("depths are listed in increasing order", item.pos)
            values.append(item.value)
        return values

    # ---- one use of a block ---------------------------------------------------------------
    def use(self, p: ast.Pipeline) -> _Use | None:
        """The block this pipeline starts with (`b(x, ...)` or `x | b(...)`), if any."""
        if not p.stages or not isinstance(p.stages[0], ast.Call):
            return None
        call = p.stages[0]
        block = self.blocks.get(call.name)
        if block is None or isinstance(p.source, ast.Choose):
            return None
        if not isinstance(p.source, ast.Ref):
            raise fail(
                f"block '{block.name}' reads one node",
                p.source.pos or call.pos,
                f"name the combination in a node of its own, then `{block.name}(that, ...)`",
            )
        kwargs = [a for a in call.args if isinstance(a, ast.KwArg)]
        if kwargs:
            raise fail(
                f"block '{block.name}' takes no options",
                kwargs[0].pos,
                f"its parameters are ({', '.join(block.params)})",
            )
        use = _Use(block, call, p.source.name)
        if len(use.args) + 1 != len(block.params):
            raise fail(
                f"block '{block.name}' takes {len(block.params)} argument"
                f"{'s' if len(block.params) != 1 else ''} ({', '.join(block.params)}), "
                f"given {len(use.args) + 1}",
                call.pos,
                "the first is the input, the others widths or sets, in order",
            )
        return use

    def instantiate(
        self, use: _Use, out: str, prefix: str, stack: tuple[str, ...]
    ) -> tuple[list[ast.NodeDef], str]:
        """The plain nodes of `use`, its output named `out` (or, for a block ending in a fixed
        `repeat`, `out`'s last layer: the name returned), its inner nodes `prefix+NAME`."""
        block = use.block
        if block.name in stack:
            chain = " -> ".join([*stack[stack.index(block.name) :], block.name])
            raise fail(
                f"block '{block.name}' uses itself ({chain})",
                use.call.pos,
                "a block cannot use itself, directly or through other blocks",
            )
        via = use.call.pos
        if block.expr is not None:
            body = [ast.NodeDef(name=out, expr=block.expr, pos=block.expr.pos)]
        else:
            body = list(block.nodes)
        local = {
            n.name: (out if i == len(body) - 1 else prefix + n.name) for i, n in enumerate(body)
        }
        params = dict(zip(block.params[1:], use.args, strict=True))
        subst = Substitution(block, use.input, params, local, via)
        renamed = [subst.node(relocated(n, via, block.name)) for n in body]
        made, alias = self.sequence(renamed, (*stack, block.name))
        return made, alias.get(out, out)

    # ---- pipelines: blocks of one pipeline inline, candidates expand ----------------------
    def pipeline(
        self, p: ast.Pipeline, stack: tuple[str, ...], *, candidate: bool = False
    ) -> ast.Pipeline:
        use = self.use(p)
        if use is not None:
            if use.block.expr is None:
                raise fail(
                    f"block '{use.block.name}' has several nodes: use it as a node of its own",
                    use.call.pos,
                    f"write `NAME = {use.block.name}(...)` on a line of its own",
                )
            (inlined,), _ = self.instantiate(use, "_", "_", stack)
            body = inlined.expr
            rest = tuple(self.stages(p.stages[1:], stack, p, candidate=candidate))
            return p.model_copy(update={"source": body.source, "stages": body.stages + rest})
        src = p.source
        if isinstance(src, ast.Choose):
            cands: list[ast.Pipeline] = []
            for c in src.candidates:
                cands += self.candidates(self.pipeline(c, stack, candidate=True), c)
            src = src.model_copy(update={"candidates": tuple(cands)})
        stages = tuple(self.stages(p.stages, stack, p, candidate=candidate))
        return p.model_copy(update={"source": src, "stages": stages})

    def stages(
        self,
        stages: Sequence[ast.Stage],
        stack: tuple[str, ...],
        at: Any,
        *,
        candidate: bool = True,
    ) -> Iterator[ast.Stage]:
        for stage in stages:
            if isinstance(stage, ast.Call) and stage.name in self.blocks:
                raise fail(
                    f"block '{stage.name}' starts a pipeline",
                    stage.pos,
                    f"name what it reads in a node, then `{stage.name}(that, ...)`",
                )
            if isinstance(stage, ast.Each) and not candidate:
                raise fail(
                    "`each` makes one candidate per item: it goes in a candidate of choose(...)",
                    stage.pos,
                    "for a choice of activation, write `act{...}`",
                )
            yield stage

    def candidates(self, c: ast.Pipeline, written: ast.Pipeline) -> list[ast.Pipeline]:
        """A candidate's `each` stages and `* N`, as the candidates they stand for."""
        if not 1 <= c.copies <= MAX_REPEAT:
            raise fail(
                f"cannot copy a candidate {c.copies} times",
                written.pos,
                f"write `* N` with N from 1 to {MAX_REPEAT}",
            )
        slots = [self.each_items(s) if isinstance(s, ast.Each) else (s,) for s in c.stages]
        out = []
        for stages in product(*slots):  # each copy a node of its own: its own decisions
            out += [
                c.model_copy(update={"stages": tuple(stages), "copies": 1}, deep=True)
                for _ in range(c.copies)
            ]
        return out

    def each_items(self, each: ast.Each) -> tuple[ast.Call, ...]:
        options = each.options
        if isinstance(options, ast.SetRef):
            let = self.lets.get(options.name)
            if let is None or not isinstance(let.value, ast.SetLiteral):
                raise fail(
                    f"undefined set '{options.name}'",
                    options.pos or each.pos,
                    did_you_mean(options.name, self.lets) or "define it with `let NAME = {...}`",
                )
            items = let.value.items
        else:
            items = options.items
        if not items:
            raise fail("`each` needs at least one op", each.pos)
        calls = []
        for item in items:
            if not isinstance(item, ast.Term):
                raise fail("`each` lists ops, not widths", item.pos or each.pos)
            calls.append(ast.Call(name=item.name, args=item.kwargs, pos=item.pos or each.pos))
        return tuple(calls)


# ---- the public functions -------------------------------------------------------------------


def _needs_expansion(doc: ast.Document) -> bool:
    if doc.blocks:
        return True
    for node in descendants(doc.heads):
        if isinstance(node, ast.NodeDef) and node.repeat is not None:
            return True
        if isinstance(node, ast.Each) or (isinstance(node, ast.Pipeline) and node.copies != 1):
            return True
    return False


def expand_heads(doc: ast.Document) -> tuple[ast.Head, ...]:
    """The plain heads of a document's written heads (see module docs); `DSLError` on a
    misused block, with the block's definition and its use site."""
    written = doc.written if doc.written is not None else doc.heads
    try:
        expander = _Expander(doc)
        return tuple(
            head.model_copy(update={"nodes": tuple(expander.nodes(head.nodes, ()))})
            for head in written
        )
    except Stop as stop:
        raise DSLError([stop.diagnostic]) from None


def with_expansion(doc: ast.Document) -> ast.Document:
    """`doc` with its heads expanded and the written ones kept for printing, every choice of
    the plain heads carrying its decision key (`walk.keyed`).

    A document that cannot be expanded keeps its written heads in both places; `check`
    reports why.
    """
    if not _needs_expansion(doc):
        return keyed(doc)
    written = doc.written if doc.written is not None else doc.heads
    try:
        heads = expand_heads(doc)
    except DSLError:
        heads = written
    return doc.model_copy(update={"heads": keyed_heads(heads), "written": written})
