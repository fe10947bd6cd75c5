"""Whether two genotypes build the same heads: `architecture_text`.

Two searches that agree, or a found genotype and a member written by hand, spell the same
heads differently: another name, meta block, comments, constraints and probabilities; a
closed choice (`act{relu @0.9}`, `norm{bn}`, `width{512}`, `choose(identity(h1))`,
`sum(pick 1 of {h1}) as skip`) where the other writes the plain stage, number, pipeline or
input; `act{identity}` and `norm{none}` where the other writes no stage; a pick of every
input where the other writes the combination (`sum(pick 2 of {a, b})` is `sum(a, b)`); a
`let` width where the other writes its value; an option at its default (`bn(affine=true)` is
`bn`). `architecture_text` takes all of that out: it is the one definition of "the same
architecture" (docs/language.md, "What a space means"). Equal texts mean the same
architecture; unequal texts may still build the same network (other node names, say), so
whoever dedupes by it stays on the safe side and only ever trains a repeat twice.
"""

from __future__ import annotations

import hashlib
from typing import Any

from nasiam_dsl import registry
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.printer import print_document
from nasiam_dsl.lang.tree import rebuild
from nasiam_dsl.lang.walk import kind_of

__all__ = ["architecture_hash", "architecture_text"]


def architecture_text(doc: ast.Document) -> str:
    """The canonical text of what `doc` builds (see module docs)."""
    widths = {let.name: let.value for let in doc.lets if isinstance(let.value, ast.IntLit)}

    def plain(node: Any) -> Any:
        update: dict[str, Any] = {}
        if isinstance(node, _ANNOTATED) and node.prob is not None:
            update["prob"] = None
        if isinstance(node, _COMMENTED) and (node.comments.leading or node.comments.trailing):
            update["comments"] = ast.Comments()
        node = node.model_copy(update=update) if update else node
        return _closed(node, widths)

    bare = doc.model_copy(
        update={
            "name": "_",
            "meta": None,
            "lets": (),
            "written": None,
            "blocks": (),
            "constraints": (),
            "kind": "genotype",
            "comments": ast.Comments(),
            "closing": (),
            "heads": rebuild(doc.heads, plain),
        }
    )
    return print_document(bare)


def architecture_hash(doc: ast.Document) -> str:
    """A short hash of `architecture_text(doc)`."""
    return hashlib.sha256(architecture_text(doc).encode()).hexdigest()[:16]


def _closed(node: Any, widths: dict[str, ast.IntLit]) -> Any:
    """A closed choice as the plain value it keeps; a `let` width as its number; options
    at their defaults left out."""
    if isinstance(node, ast.WidthName) and node.name in widths:
        return ast.IntLit(value=widths[node.name].value)
    if isinstance(node, ast.WidthChoice) and _single(node.options):
        return node.options.items[0]
    if isinstance(node, ast.ActChoice | ast.NormChoice) and _single(node.options):
        term = node.options.items[0]
        if isinstance(term, ast.Term):
            kind = kind_of(node)
            if registry.EMPTY_CANDIDATE[kind] == term.name:
                return _EMPTY
            return _plain_options(ast.Call(name=term.name, args=term.kwargs))
    if isinstance(node, ast.Call):
        return _plain_options(node)
    if isinstance(node, ast.Combine):
        if node.pick is not None and node.pick == len(node.inputs) and node.mode != DEPTH:
            node = node.model_copy(update={"pick": None})
        if node.label is not None:
            node = node.model_copy(update={"label": None})
    if isinstance(node, ast.Pipeline):
        if isinstance(node.source, ast.Choose):
            (only, *rest) = node.source.candidates
            if not rest and node.copies == only.copies == 1:
                node = ast.Pipeline(source=only.source, stages=only.stages + node.stages)
        kept = tuple(s for s in node.stages if s != _EMPTY and not _no_norm(s))
        if kept != node.stages:
            node = node.model_copy(update={"stages": kept})
    return node


DEPTH = "depth"
_ANNOTATED = (ast.IntLit, ast.Term, ast.Ref, ast.Pipeline)  # what carries `@p`
_COMMENTED = (ast.NodeDef, ast.Head)
_EMPTY = ast.Call(name="")  # where a closed `act{identity}` or `norm{none}` stood: no stage


def _no_norm(stage: Any) -> bool:
    return isinstance(stage, ast.Call) and stage.name == registry.NO_NORM and not stage.args


def _plain_options(call: ast.Call) -> ast.Call:
    """`call` without the options its op has by default, the others sorted by name."""
    spec = registry.get_op(call.name)
    if spec is None:
        return call
    kept = []
    for arg in call.args:
        if isinstance(arg, ast.KwArg) and arg.name in spec.options:
            default = spec.options[arg.name].default
            if arg.value == default and isinstance(arg.value, bool) == isinstance(default, bool):
                continue
        kept.append(arg)
    widths = [a for a in kept if not isinstance(a, ast.KwArg)]
    options = sorted((a for a in kept if isinstance(a, ast.KwArg)), key=lambda a: a.name)
    args = (*widths, *options)
    return call if args == call.args else call.model_copy(update={"args": args})


def _single(options: ast.SetLiteral | ast.SetRef) -> bool:
    return isinstance(options, ast.SetLiteral) and len(options.items) == 1
