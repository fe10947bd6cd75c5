"""Blocks, `repeat`, `each` and `* N` read into plain nodes by the rules of docs/language.md.

Written apart from `lang/expand.py` on purpose (see the package docs): the names and the
copies are the documented ones, so where the two disagree one of them is wrong.

- `h = b(x, ...)`: a block of one pipeline gives node `h`; a block of several nodes gives
  `h_NODE` for its inner nodes and `h` for its last;
- `h = repeat N b(x, ...)`: layers `h1` .. `hN` (`h_1` .. after a name ending in a digit), each
  reading the one before, inner nodes `h1_NODE`; a later node reading `h` reads the last
  layer;
- `h = repeat {d1, d2} b(x, ...)`: the layers of the largest depth and a node
  `h = depth(pick 1 of {h<d1>, h<d2>})`;
- a parameter is replaced by its argument wherever the block names it; `each{a, b}` in a
  candidate of `choose` makes one candidate per item, `CANDIDATE * N` N copies of it.

Valid spaces only: a space `nasiam check` refuses may expand to anything here.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Any

from nasiam_dsl.lang import ast

__all__ = ["plain_heads"]


def plain_heads(doc: ast.Document) -> list[tuple[ast.Head, list[ast.NodeDef]]]:
    """Each head as written, with the plain nodes it stands for."""
    written = doc.written if doc.written is not None else doc.heads
    expansion = _Expansion(doc)
    return [(head, expansion.sequence(head.nodes)[0]) for head in written]


def _numbered(name: str, i: int) -> str:
    return f"{name}_{i}" if name[-1:].isdigit() else f"{name}{i}"


@dataclass(frozen=True)
class _Use:
    block: ast.BlockDef
    input: str
    args: tuple[ast.Argument, ...]


class _Expansion:
    def __init__(self, doc: ast.Document) -> None:
        self.blocks = {b.name: b for b in doc.blocks}
        self.lets = {let.name: let for let in doc.lets}

    def sequence(self, nodes: tuple[ast.NodeDef, ...] | list[ast.NodeDef]) -> tuple[list, dict]:
        """Plain nodes of a sequence of written nodes, and the names later readers use."""
        out: list[ast.NodeDef] = []
        reads: dict[str, str] = {}
        for node in nodes:
            node = node.model_copy(update={"expr": _substitute(node.expr, reads, {})})
            made, output = self.node(node)
            out += made
            if output != node.name:
                reads[node.name] = output
        return out, reads

    def node(self, node: ast.NodeDef) -> tuple[list[ast.NodeDef], str]:
        """The plain nodes of one written node, and the name of its output among them."""
        use = self.use(node.expr)
        if node.repeat is not None:
            assert use is not None, "repeat applies to a block"
            if isinstance(node.repeat, ast.IntLit):
                depths = [node.repeat.value]
            else:
                depths = [i.value for i in node.repeat.items]  # type: ignore[union-attr]
            made: list[ast.NodeDef] = []
            outputs: list[str] = []
            source = use.input
            for i in range(1, max(depths) + 1):
                layer, output = self.instantiate(
                    _Use(use.block, source, use.args), _numbered(node.name, i)
                )
                made += layer
                outputs.append(output)
                source = output
            if isinstance(node.repeat, ast.IntLit):
                return made, outputs[-1]
            refs = tuple(ast.Ref(name=outputs[d - 1]) for d in depths)
            depth = ast.Combine(mode="depth", inputs=refs, pick=1)
            made.append(ast.NodeDef(name=node.name, expr=ast.Pipeline(source=depth)))
            return made, node.name
        if use is not None:
            made, output = self.instantiate(use, node.name)
            rest = node.expr.stages[1:]
            if rest:
                last = made[-1]
                expr = last.expr.model_copy(update={"stages": last.expr.stages + rest})
                made[-1] = last.model_copy(update={"expr": expr})
            return made, output
        return [node.model_copy(update={"expr": self.pipeline(node.expr)})], node.name

    def use(self, p: ast.Pipeline) -> _Use | None:
        """`b(x, args)` at the start of a pipeline, when `b` is a block."""
        if isinstance(p.source, ast.Ref) and p.stages and isinstance(p.stages[0], ast.Call):
            call = p.stages[0]
            if call.name in self.blocks:
                args = tuple(a for a in call.args if not isinstance(a, ast.KwArg))
                return _Use(self.blocks[call.name], p.source.name, args)
        return None

    def instantiate(self, use: _Use, out: str) -> tuple[list[ast.NodeDef], str]:
        """One use of a block: its output named `out`, its inner nodes `out_NODE`."""
        block = use.block
        params = dict(zip(block.params[1:], use.args, strict=True))
        if block.expr is not None:
            body = [
                ast.NodeDef(
                    name=out, expr=_substitute(block.expr, {block.params[0]: use.input}, params)
                )
            ]
        else:
            last = len(block.nodes) - 1
            names = {
                n.name: out if i == last else f"{out}_{n.name}" for i, n in enumerate(block.nodes)
            }
            refs = {**names, block.params[0]: use.input}
            body = [
                n.model_copy(
                    update={"name": names[n.name], "expr": _substitute(n.expr, refs, params)}
                )
                for n in block.nodes
            ]
        made, reads = self.sequence(body)
        return made, reads.get(out, out)

    def pipeline(self, p: ast.Pipeline) -> ast.Pipeline:
        """A pipeline with its pipeline-block uses inlined and its candidates expanded."""
        use = self.use(p)
        if use is not None:
            (inlined,), _ = self.instantiate(use, "_")
            return ast.Pipeline(
                source=inlined.expr.source, stages=inlined.expr.stages + p.stages[1:]
            )
        src = p.source
        if isinstance(src, ast.Choose):
            candidates: list[ast.Pipeline] = []
            for c in src.candidates:
                candidates += self.candidates(self.pipeline(c), c.copies)
            src = ast.Choose(candidates=tuple(candidates), label=src.label)
        return ast.Pipeline(source=src, stages=p.stages)

    def candidates(self, c: ast.Pipeline, copies: int) -> list[ast.Pipeline]:
        """One candidate per combination of its `each` items, each `copies` times."""
        slots = [self.each(s) if isinstance(s, ast.Each) else (s,) for s in c.stages]
        return [
            ast.Pipeline(source=c.source, stages=tuple(stages))
            for stages in product(*slots)
            for _ in range(copies)
        ]

    def each(self, stage: ast.Each) -> tuple[ast.Call, ...]:
        options = stage.options
        if isinstance(options, ast.SetRef):
            options = self.lets[options.name].value  # type: ignore[assignment]
        return tuple(
            ast.Call(name=item.name, args=item.kwargs)
            for item in options.items  # type: ignore[union-attr]
            if isinstance(item, ast.Term)
        )


def _substitute(node: Any, refs: dict[str, str], params: dict[str, ast.Argument]) -> Any:
    """`node` with node names in `refs` renamed and block parameters replaced."""
    if isinstance(node, tuple):
        return tuple(_substitute(n, refs, params) for n in node)
    if not isinstance(node, ast.Node):
        return node
    if isinstance(node, ast.Ref) and node.name in refs:
        return node.model_copy(update={"name": refs[node.name]})
    if isinstance(node, ast.WidthName) and node.name in params:
        return params[node.name]
    if isinstance(node, ast.SetRef) and node.name in params:
        arg = params[node.name]
        return node.model_copy(update={"name": arg.name})  # type: ignore[union-attr]
    update = {
        name: _substitute(getattr(node, name), refs, params)
        for name in type(node).model_fields
        if name not in ("pos", "comments")
    }
    return node.model_copy(update=update)
