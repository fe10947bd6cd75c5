"""Candidates and chosen candidates of a document's choices, by choice key.

One naming for every view: a candidate is named by its canonical text without
probabilities (`gelu`, `512`, `h1`, `linear(h1, 64) | bn | act(acts)`), so a heatmap
row, a seeds table column and a diff line all say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.printer import format_input, format_pipeline, format_set_item
from nasiam_dsl.lang.walk import ChoiceNode, is_open, iter_choices, keyed_node, resolve_set

N = TypeVar("N", bound=ast.Node)

__all__ = [
    "Chosen",
    "align_genotype",
    "candidate_names",
    "choice_heads",
    "chosen_candidates",
    "strip_probs",
]


@dataclass(frozen=True)
class Chosen:
    """What a genotype kept at one choice: candidate names, their probabilities and,
    when aligned with the space, their indices among the space's candidates."""

    key: str
    kind: str
    names: tuple[str, ...]
    probs: tuple[float | None, ...]
    indices: tuple[int, ...] | None = None

    @property
    def prob(self) -> float | None:
        """The probability of the (first) kept candidate."""
        return self.probs[0] if self.probs else None

    def text(self) -> str:
        """`gelu @0.71`, or `h1 @0.6, x @0.55` for a pick."""
        return ", ".join(
            n + ("" if p is None else f" @{p:g}")
            for n, p in zip(self.names, self.probs, strict=True)
        )


def strip_probs(node: N) -> N:
    """A copy of `node` with every `@prob` annotation removed (recursively)."""
    update: dict[str, Any] = {}
    for name in type(node).model_fields:
        value = getattr(node, name)
        if name == "prob" and value is not None:
            update[name] = None
        elif isinstance(value, ast.Node):
            update[name] = strip_probs(value)
        elif isinstance(value, tuple) and any(isinstance(v, ast.Node) for v in value):
            update[name] = tuple(strip_probs(v) if isinstance(v, ast.Node) else v for v in value)
    return node.model_copy(update=update) if update else node


def _lets(doc: ast.Document) -> dict[str, ast.LetDef]:
    return {let.name: let for let in doc.lets}


def _names_and_probs(
    choice: ChoiceNode, lets: dict[str, ast.LetDef]
) -> tuple[list[str], list[float | None]]:
    if isinstance(choice, ast.Choose):
        return (
            [format_pipeline(strip_probs(c), width=10**9) for c in choice.candidates],
            [c.prob for c in choice.candidates],
        )
    if isinstance(choice, ast.Combine):
        return [format_input(r) for r in choice.inputs], [r.prob for r in choice.inputs]
    items = resolve_set(choice.options, lets)
    return [format_set_item(strip_probs(i)) for i in items], [i.prob for i in items]


def candidate_names(doc: ast.Document, *, open_only: bool = False) -> dict[str, list[str]]:
    """Key -> candidate names, in the walk's order (the first site of a shared key wins).

    For a space these are the names the architecture probabilities index.
    """
    lets = _lets(doc)
    out: dict[str, list[str]] = {}
    for site in iter_choices(doc):
        if open_only and not is_open(site.choice, lets):
            continue
        out.setdefault(site.key, _names_and_probs(site.choice, lets)[0])
    return out


def choice_heads(doc: ast.Document) -> dict[str, list[str]]:
    """Key -> the heads it occurs in (a shared key may occur in several)."""
    out: dict[str, list[str]] = {}
    for site in iter_choices(doc):
        heads = out.setdefault(site.key, [])
        if site.head.name not in heads:
            heads.append(site.head.name)
    return out


def chosen_candidates(doc: ast.Document) -> dict[str, Chosen]:
    """Key -> what the document keeps at that choice: for a genotype the chosen
    candidate(s) and probabilities, for a space every candidate (probabilities None)."""
    lets = _lets(doc)
    out: dict[str, Chosen] = {}
    for site in iter_choices(doc):
        if site.key not in out:
            names, probs = _names_and_probs(site.choice, lets)
            out[site.key] = Chosen(site.key, site.kind, tuple(names), tuple(probs))
    return out


# ---- aligning a genotype with its space --------------------------------------------------


def _skeleton(p: ast.Pipeline) -> ast.Pipeline:
    """A pipeline with every choice's candidates erased: what closing choices keeps."""
    src = p.source
    if isinstance(src, ast.Choose):
        src = src.model_copy(update={"candidates": ()})
    elif isinstance(src, ast.Combine) and src.pick is not None:
        src = src.model_copy(update={"inputs": ()})
    stages = []
    for s in p.stages:
        if isinstance(s, (ast.ActChoice, ast.NormChoice)):
            s = s.model_copy(update={"options": ast.SetLiteral(items=())})
        elif isinstance(s, ast.Call):
            args = tuple(
                a.model_copy(update={"options": ast.SetLiteral(items=())})
                if isinstance(a, ast.WidthChoice)
                else a
                for a in s.args
            )
            s = s.model_copy(update={"args": args})
        stages.append(s)
    return strip_probs(p.model_copy(update={"source": src, "stages": tuple(stages)}))


class _Aligner:
    def __init__(self, space: ast.Document) -> None:
        self.lets = _lets(space)
        self.out: dict[str, Chosen] = {}

    def record(self, space_choice: ChoiceNode, geno_choice: ChoiceNode, kind: str) -> None:
        """A set or input choice: the kept candidates are found by name."""
        key = space_choice.key
        if key is None or key in self.out or not is_open(space_choice, self.lets):
            return
        space_names = _names_and_probs(space_choice, self.lets)[0]
        names, probs = _names_and_probs(geno_choice, self.lets)
        indices = tuple(space_names.index(n) if n in space_names else -1 for n in names)
        if -1 in indices:
            return
        self.out[key] = Chosen(key, kind, tuple(names), tuple(probs), indices)

    def pipeline(self, sp: ast.Pipeline, gp: ast.Pipeline) -> None:
        s_src, g_src = sp.source, gp.source
        if isinstance(s_src, ast.Choose) and isinstance(g_src, ast.Choose):
            if len(g_src.candidates) == len(s_src.candidates) and not is_open(s_src, self.lets):
                for sc, gc in zip(s_src.candidates, g_src.candidates, strict=True):
                    self.pipeline(sc, gc)
            elif len(g_src.candidates) == 1:
                kept = g_src.candidates[0]
                shape = _skeleton(kept)
                match = [i for i, c in enumerate(s_src.candidates) if _skeleton(c) == shape]
                if match:
                    i = match[0]
                    key = s_src.key
                    if key is not None and key not in self.out:
                        name = format_pipeline(s_src.candidates[i], width=10**9)
                        self.out[key] = Chosen(key, "op", (name,), (kept.prob,), (i,))
                    self.pipeline(s_src.candidates[i], kept)
        elif (
            isinstance(s_src, ast.Combine)
            and isinstance(g_src, ast.Combine)
            and s_src.pick is not None
            and g_src.pick is not None
        ):
            self.record(s_src, g_src, "inputs")
        if len(sp.stages) != len(gp.stages):
            return
        for ss, gs in zip(sp.stages, gp.stages, strict=True):
            if isinstance(ss, ast.ActChoice) and isinstance(gs, ast.ActChoice):
                self.record(ss, gs, "act")
            elif isinstance(ss, ast.NormChoice) and isinstance(gs, ast.NormChoice):
                self.record(ss, gs, "norm")
            elif isinstance(ss, ast.Call) and isinstance(gs, ast.Call):
                for sa, ga in zip(ss.args, gs.args, strict=False):
                    if isinstance(sa, ast.WidthChoice) and isinstance(ga, ast.WidthChoice):
                        self.record(sa, ga, "width")


def align_genotype(space: ast.Document, genotype: ast.Document) -> dict[str, Chosen]:
    """Key (the space's) -> the candidate(s) the genotype chose, with their indices among
    the space's candidates. Only open choices of the space that the genotype still has
    (not those inside unchosen candidates) appear."""
    aligner = _Aligner(space)
    space_heads = {h.name: h for h in space.heads}
    for g_head in genotype.heads:
        s_head = space_heads.get(g_head.name)
        if s_head is None:
            continue
        s_nodes = {n.name: n for n in s_head.nodes}
        for g_node in g_head.nodes:
            s_node = s_nodes.get(g_node.name)
            if s_node is None:
                continue
            aligner.pipeline(keyed_node(s_head.name, s_node).expr, g_node.expr)
    order = list(candidate_names(space))
    return {k: aligner.out[k] for k in order if k in aligner.out}
