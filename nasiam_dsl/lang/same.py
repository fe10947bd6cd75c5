"""Whether two genotypes build the same heads: `architecture_text`.

Two searches that agree, or a found genotype and a member written by hand, spell the same
heads differently: another name, meta block, comments and probabilities; a closed choice
(`act{relu @0.9}`, `norm{bn}`, `width{512}`, `choose(identity(h1))`) where the other writes
the plain stage, number or pipeline, and `norm{none}` where the other writes no stage; a
`let` width where the other writes its value.
`architecture_text` takes all of that out. Equal texts mean the same architecture; unequal
texts may still build the same network (other node names, say), so whoever dedupes by it
stays on the safe side and only ever trains a repeat twice.
"""

from __future__ import annotations

import hashlib
from typing import Any

from nasiam_dsl import registry
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.printer import print_document
from nasiam_dsl.lang.rewrite import rebuild

__all__ = ["architecture_hash", "architecture_text"]


def architecture_text(doc: ast.Document) -> str:
    """The canonical text of what `doc` builds (see module docs)."""
    widths = {let.name: let.value for let in doc.lets if isinstance(let.value, ast.IntLit)}

    def plain(node: Any) -> Any:
        update: dict[str, Any] = {}
        if getattr(node, "prob", None) is not None:
            update["prob"] = None
        if "comments" in type(node).model_fields and node.comments != ast.Comments():
            update["comments"] = ast.Comments()
        node = node.model_copy(update=update) if update else node
        return _closed(node, widths)

    bare = rebuild(doc, plain).model_copy(update={"comments": ast.Comments()})
    update = {"name": "_", "meta": None, "lets": (), "written": None, "blocks": ()}
    return print_document(bare.model_copy(update=update))


def architecture_hash(doc: ast.Document) -> str:
    """A short hash of `architecture_text(doc)`."""
    return hashlib.sha256(architecture_text(doc).encode()).hexdigest()[:16]


def _closed(node: Any, widths: dict[str, ast.IntLit]) -> Any:
    """A closed choice as the plain value it keeps; a `let` width as its number."""
    if isinstance(node, ast.WidthName) and node.name in widths:
        return ast.IntLit(value=widths[node.name].value)
    if isinstance(node, ast.WidthChoice) and _single(node.options):
        return node.options.items[0]
    if isinstance(node, ast.ActChoice | ast.NormChoice) and _single(node.options):
        term = node.options.items[0]
        if isinstance(term, ast.Term):
            return ast.Call(name=term.name, args=term.kwargs)
    if isinstance(node, ast.Pipeline):
        if isinstance(node.source, ast.Choose):
            (only, *rest) = node.source.candidates
            if not rest and node.copies == only.copies == 1:
                node = ast.Pipeline(source=only.source, stages=only.stages + node.stages)
        kept = tuple(s for s in node.stages if not _no_norm(s))
        if kept != node.stages:
            node = node.model_copy(update={"stages": kept})
    return node


def _no_norm(stage: Any) -> bool:
    return isinstance(stage, ast.Call) and stage.name == registry.NO_NORM and not stage.args


def _single(options: ast.SetLiteral | ast.SetRef) -> bool:
    return isinstance(options, ast.SetLiteral) and len(options.items) == 1
