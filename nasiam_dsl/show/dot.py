"""A genotype's (or a space's) heads as Graphviz DOT text, and rendering it with `dot`.

Graph nodes are the head input and the DSL nodes; edges are reads (dashed when the read
is one candidate of an open choice, labelled with the probability a genotype kept);
a node's label is its name, its output width when known, and its pipeline text with the
probabilities. The head's output node has a double border. The text is plain data, so it
is tested without Graphviz; `render_dot` needs the `dot` program.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.printer import format_pipeline, format_scalar
from nasiam_dsl.lang.walk import node_choices, resolve_set
from nasiam_dsl.membership.chosen import candidate_names
from nasiam_dsl.usage import UsageProblem

__all__ = [
    "FORMATS",
    "Box",
    "Edge",
    "HeadGraph",
    "document_dot",
    "head_dot",
    "head_graphs",
    "render_dot",
]

FORMATS = ("png", "svg", "pdf")
Probabilities = Mapping[str, Sequence[float]]
LABEL_WIDTH = 56  # pipeline text is wrapped (one `choose` candidate a line) past this


def quote(text: str) -> str:
    """A DOT double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _label(lines: list[str]) -> str:
    """A left-justified multi-line DOT label."""
    body = "".join(line.replace("\\", "\\\\").replace('"', '\\"') + "\\l" for line in lines)
    return f'"{body}"'


class _Widths:
    """Output widths of nodes, as text: `2048`, `{256|512}`, `backbone`; None if unknown."""

    def __init__(self, doc: ast.Document, backbone_dim: int | None) -> None:
        self.doc = doc
        self.lets = {let.name: let for let in doc.lets}
        self.backbone = str(backbone_dim) if backbone_dim is not None else "backbone"
        self.heads: dict[str, str | None] = {}
        self.known: dict[str, str | None] = {}

    def source(self, head: ast.Head) -> str | None:
        if isinstance(head.source, int):
            return str(head.source)
        if head.source == "backbone":
            return self.backbone
        return self.heads.get(head.source)

    def head(self, head: ast.Head) -> dict[str, str | None]:
        self.known = {head.input: self.source(head)}
        for node in head.nodes:
            self.known[node.name] = self.pipeline(node.expr)
        self.heads[head.name] = self.known[head.nodes[-1].name] if head.nodes else None
        return self.known

    def arg(self, arg: ast.Argument) -> str | None:
        if isinstance(arg, ast.IntLit):
            return str(arg.value)
        if isinstance(arg, ast.WidthName):
            if arg.name == "backbone":
                return self.backbone
            let = self.lets.get(arg.name)
            return str(let.value.value) if let and isinstance(let.value, ast.IntLit) else arg.name
        if isinstance(arg, ast.WidthChoice):
            items = resolve_set(arg.options, self.lets)
            values = [str(i.value) for i in items if isinstance(i, ast.IntLit)]
            return values[0] if len(values) == 1 else "{" + "|".join(values) + "}"
        return None

    def pipeline(self, p: ast.Pipeline) -> str | None:
        src = p.source
        width: str | None
        if isinstance(src, ast.Choose):
            options = {self.pipeline(c) for c in src.candidates}
            width = options.pop() if len(options) == 1 else None
        elif isinstance(src, ast.Combine):
            widths = [self.known.get(r.name) for r in src.inputs]
            if src.mode != "concat" or len(widths) == 1:
                width = widths[0] if len(set(widths)) == 1 else None
            elif src.pick is None and all(w is not None and w.isdigit() for w in widths):
                width = str(sum(int(w) for w in widths if w is not None))
            else:
                width = None
        else:
            width = self.known.get(src.name)
        for stage in p.stages:
            if isinstance(stage, ast.Call) and stage.name == "linear":
                sizes = [a for a in stage.args if not isinstance(a, ast.KwArg)]
                if sizes:
                    width = self.arg(sizes[0])
        return width


def _reads(p: ast.Pipeline, optional: bool = False) -> Iterator[tuple[ast.Ref, bool]]:
    """(ref, optional) for every input a pipeline reads; optional = one open candidate."""
    src = p.source
    if isinstance(src, ast.Choose):
        for cand in src.candidates:
            yield from _reads(cand, optional or len(src.candidates) > 1)
    elif isinstance(src, ast.Combine):
        choice = src.pick is not None and src.pick < len(src.inputs)
        for ref in src.inputs:
            yield ref, optional or choice
    else:
        yield src, optional


def _wrap(line: str, sep: str = " | ") -> list[str]:
    """A long line broken at `sep` (before a pipeline's ` | ` stages, after list commas)."""
    if len(line) <= LABEL_WIDTH or sep not in line:
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    first, *rest = line.split(sep)
    lines = [first]
    lead = sep.strip() if sep.startswith(" ") else ""
    for piece in rest:
        if len(lines[-1]) + len(sep) + len(piece) <= LABEL_WIDTH:
            lines[-1] += sep + piece
        elif lead:
            lines.append(f"{indent}  {lead} {piece}")
        else:
            lines[-1] += sep.rstrip()
            lines.append(f"{indent}  {piece}")
    return lines


def _node_id(head: str, name: str) -> str:
    return quote(f"{head}/{name}")


def _prob_lines(
    head: ast.Head, node: ast.NodeDef, doc: ast.Document, probabilities: Probabilities | None
) -> list[str]:
    """`key: name p, name p` for a node's choices, most probable first (at most 3)."""
    if not probabilities:
        return []
    names = candidate_names(doc)
    lines = []
    for site in node_choices(head, node):
        probs = probabilities.get(site.key)
        if probs is None:
            continue
        cands = names.get(site.key) or []
        ranked = sorted(range(len(probs)), key=lambda i: -probs[i])[:3]
        shown = ", ".join(
            f"{cands[i] if i < len(cands) else '#' + str(i)} {probs[i]:.2f}" for i in ranked
        )
        suffix = site.key[len(head.name) + len(node.name) + 2 :]
        lines.append(f"{suffix if site.key.startswith(head.name + '.') else site.key}: {shown}")
    return [w for line in lines for w in _wrap(line, ", ")]


@dataclass(frozen=True)
class Box:
    """One graph node: a head's input or a DSL node, as lines of text (the first its title)."""

    name: str
    lines: tuple[str, ...]
    kind: str  # "input", "node" or "output" (the head's last node)


@dataclass(frozen=True)
class Edge:
    """A read: `tail` feeds `target`; optional when it is one candidate of an open choice."""

    tail: str
    target: str
    optional: bool
    prob: float | None


@dataclass(frozen=True)
class HeadGraph:
    """One head as boxes and edges, and the head whose output its input reads (if any)."""

    name: str
    boxes: tuple[Box, ...]
    edges: tuple[Edge, ...]
    reads_head: str | None


def head_graph(
    doc: ast.Document, head: ast.Head, widths: _Widths, probabilities: Probabilities | None
) -> HeadGraph:
    """The graph of one head: what the DOT text and the drawn figure both show."""
    known = widths.head(head)
    source = format_scalar(head.source) if isinstance(head.source, int) else head.source
    width = known.get(head.input)
    shown = [f"width {width}"] if width not in (None, source) else []
    boxes = [Box(head.input, (f"{head.input}: {source}", *shown), "input")]
    last = head.nodes[-1].name if head.nodes else None
    for node in head.nodes:
        text = [
            w
            for line in format_pipeline(node.expr, "", LABEL_WIDTH).split("\n")
            for w in _wrap(line)
        ]
        text += _prob_lines(head, node, doc, probabilities)
        width = known.get(node.name)
        title = node.name + (f"  [{width}]" if width else "")
        boxes.append(Box(node.name, (title, *text), "output" if node.name == last else "node"))
    edges: list[Edge] = []
    for node in head.nodes:
        for ref, optional in _reads(node.expr):
            edge = Edge(ref.name, node.name, optional, ref.prob)
            if edge not in edges:
                edges.append(edge)
    heads = {h.name for h in doc.heads}
    reads = head.source if isinstance(head.source, str) and head.source in heads else None
    return HeadGraph(head.name, tuple(boxes), tuple(edges), reads)


def head_graphs(
    doc: ast.Document,
    *,
    backbone_dim: int | None = None,
    probabilities: Probabilities | None = None,
) -> list[HeadGraph]:
    """Every head's graph, in order (earlier heads give the widths of later heads' inputs)."""
    widths = _Widths(doc, backbone_dim)
    return [head_graph(doc, head, widths, probabilities) for head in doc.heads]


def _head_lines(graph: HeadGraph, indent: str) -> list[str]:
    lines = []
    for box in graph.boxes:
        node_id = _node_id(graph.name, box.name)
        if box.kind == "input":
            lines.append(
                f"{indent}{node_id} [label={_label(list(box.lines))}, "
                'shape=ellipse, style=filled, fillcolor="#eeeeee"];'
            )
        else:
            extra = ", peripheries=2" if box.kind == "output" else ""
            lines.append(f"{indent}{node_id} [label={_label(list(box.lines))}{extra}];")
    for edge in graph.edges:
        attrs = []
        if edge.optional:
            attrs.append("style=dashed")
        if edge.prob is not None:
            attrs.append(f"label={quote('@' + format_scalar(edge.prob))}")
        tail = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(
            f"{indent}{_node_id(graph.name, edge.tail)} -> {_node_id(graph.name, edge.target)}"
            f"{tail};"
        )
    return lines


def _header(doc: ast.Document) -> list[str]:
    title = f"{doc.kind} {doc.name}" + (f" for {doc.framework}" if doc.framework else "")
    return [
        f"digraph {quote(doc.name)} {{",
        f"  label={quote(title)};",
        "  labelloc=t;",
        "  rankdir=TB;",
        '  node [shape=box, fontname="monospace", fontsize=10];',
        '  edge [fontname="monospace", fontsize=9];',
    ]


def head_dot(
    doc: ast.Document,
    head: str,
    *,
    backbone_dim: int | None = None,
    probabilities: Probabilities | None = None,
) -> str:
    """One head of a genotype or space as a DOT digraph.

    `probabilities` (key -> candidate probabilities, e.g. a run's last `alphas.jsonl`
    line) adds each node's most probable candidates to its label: useful for a space.
    """
    names = [h.name for h in doc.heads]
    if head not in names:
        raise UsageProblem(
            f"{doc.kind} '{doc.name}' has no head '{head}' (heads: {', '.join(names) or 'none'})"
        )
    graphs = head_graphs(doc, backbone_dim=backbone_dim, probabilities=probabilities)
    graph = next(g for g in graphs if g.name == head)
    return "\n".join([*_header(doc), *_head_lines(graph, "  "), "}"]) + "\n"


def document_dot(
    doc: ast.Document,
    *,
    backbone_dim: int | None = None,
    probabilities: Probabilities | None = None,
) -> str:
    """Every head of a genotype or space as one DOT digraph: a cluster per head, and an
    edge from a head's output to the input of each head that reads it (`probabilities`:
    as for `head_dot`)."""
    lines = _header(doc)
    graphs = head_graphs(doc, backbone_dim=backbone_dim, probabilities=probabilities)
    outputs = {g.name: g.boxes[-1].name for g in graphs if len(g.boxes) > 1}
    for graph in graphs:
        lines.append(f"  subgraph {quote('cluster_' + graph.name)} {{")
        lines.append(f"    label={quote('head ' + graph.name)};")
        lines.append('    style=rounded; color="#888888";')
        lines += _head_lines(graph, "    ")
        lines.append("  }")
    for graph in graphs:
        if graph.reads_head in outputs:
            tail = _node_id(graph.reads_head, outputs[graph.reads_head])  # type: ignore[arg-type]
            head_input = graph.boxes[0].name
            lines.append(f"  {tail} -> {_node_id(graph.name, head_input)} [style=bold];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_dot(dot_text: str, out_path: str | Path, fmt: str | None = None) -> Path | None:
    """Render DOT text with Graphviz's `dot` into `out_path` (format: `fmt`, else the
    file's suffix). Returns the path, or None when `dot` is not installed."""
    out_path = Path(out_path)
    fmt = (fmt or out_path.suffix.lstrip(".") or "png").lower()
    if fmt not in FORMATS:
        raise UsageProblem(f"cannot render a graph as '{fmt}' (formats: {', '.join(FORMATS)})")
    exe = shutil.which("dot")
    if exe is None:
        return None
    out_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            [exe, f"-T{fmt}", "-o", str(out_path)],
            input=dot_text.encode("utf-8"),
            capture_output=True,
            timeout=120,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise UsageProblem("Graphviz `dot` took over 120 s; gave up") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise UsageProblem(f"Graphviz `dot` failed: {message}")
    return out_path
