"""A space and its decisions written as a genotype document: the one way to write a member.

One walk serves both forms. `PlainWriter` writes a member as users write it (the form of
`spaces/standard/*.nas`): a `choose` becomes the kept candidate's pipeline, a set choice its
item (`act{identity}` and `norm{none}` leave no stage), a width choice its width, a pick of
inputs `sum(pick 1 of {h1})`. `AnnotatedWriter` writes what derivation writes: each decided
choice stays a choice with its one kept candidate annotated with its probability (4
decimals), `act{gelu @0.7132}`, `choose(identity(h1) @0.61)`, `width{512 @0.8}`. In both, the
layers past a chosen depth are left out, blocks are written out as plain nodes and comments
dropped. Torch-free: probabilities are anything indexable by candidate (a tensor row, a list).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, Protocol

from nasiam_dsl.lang import ast
from nasiam_dsl.lang.reach import hidden_ast_nodes
from nasiam_dsl.lang.walk import ChoiceNode, is_open, keyed, resolve_set
from nasiam_dsl.membership.forms import Scope, SetForms

__all__ = [
    "AnnotatedWriter",
    "Chosen",
    "PlainWriter",
    "written_genotype",
]

Chosen = Mapping[str, tuple[int, ...]]
Decided = tuple[str, tuple[int, ...]]  # an open choice's key and its decided indices
SetChoice = ast.ActChoice | ast.NormChoice
Source = ast.Ref | ast.Combine | ast.Choose


class CandidateProbabilities(Protocol):
    """One choice's probabilities, indexed by candidate."""

    def __getitem__(self, index: int) -> Any: ...


def written_genotype(
    space: ast.Document,
    heads: tuple[ast.Head, ...],
    *,
    name: str,
    entries: Mapping[str, ast.Scalar],
    lets: tuple[ast.LetDef, ...],
) -> ast.Document:
    """`space` turned into the genotype document `name` with `heads`, `lets` and a meta block."""
    block = ast.Meta(entries=tuple(ast.MetaEntry(key=k, value=v) for k, v in entries.items()))
    genotype = space.model_copy(
        update={
            "kind": "genotype",
            "name": name,
            "meta": block,
            "lets": lets,
            "heads": heads,
            "blocks": (),
            "written": None,
            "comments": ast.Comments(),
            "closing": (),
        }
    )
    return keyed(genotype)  # its own keys, as if read back from its text


class _Writer(ABC):
    """The walk: each node's choices keyed once, each open choice's decision looked up; the
    subclasses say how a decided choice is written."""

    def __init__(self, space: ast.Document, decisions: Chosen) -> None:
        self.space = keyed(space)
        self.lets = {let.name: let for let in space.lets}
        self.decisions = decisions

    def heads(self) -> tuple[ast.Head, ...]:
        """Every head with its nodes rewritten, the layers past a chosen depth left out."""
        heads = []
        for head in self.space.heads:
            hidden = hidden_ast_nodes(head, self.decisions)
            nodes = tuple(self.node(n) for n in head.nodes if n.name not in hidden)
            heads.append(head.model_copy(update={"nodes": nodes}))
        return tuple(heads)

    def node(self, node: ast.NodeDef) -> ast.NodeDef:
        return node.model_copy(update={"expr": self.pipeline(node.expr)})

    def decided(self, choice: ChoiceNode) -> Decided | None:
        """The key and indices of an open choice (`KeyError` if absent); None if closed."""
        if not is_open(choice, self.lets):
            return None
        assert choice.key is not None, "choices of a keyed document carry their key"
        return choice.key, tuple(self.decisions[choice.key])

    def pipeline(self, p: ast.Pipeline) -> ast.Pipeline:
        src = p.source
        if isinstance(src, ast.Choose):
            return self.choose(p, src, self.decided(src))
        if isinstance(src, ast.Combine) and src.pick is not None:
            src = self.pick(src, self.decided(src))
        return self.rebuilt(p, src, self.stages(p.stages))

    def stages(self, stages: tuple[ast.Stage, ...]) -> tuple[ast.Stage, ...]:
        written: list[ast.Stage] = []
        for s in stages:
            if isinstance(s, (ast.ActChoice, ast.NormChoice)):
                written += self.set_choice(s, self.decided(s))
                continue
            args = tuple(
                self.width(a, self.decided(a)) if isinstance(a, ast.WidthChoice) else a
                for a in s.args
            )
            written.append(s.model_copy(update={"args": args}))
        return tuple(written)

    @abstractmethod
    def choose(self, p: ast.Pipeline, src: ast.Choose, decided: Decided | None) -> ast.Pipeline:
        """The pipeline that a `choose` at its head becomes."""

    @abstractmethod
    def pick(self, src: ast.Combine, decided: Decided | None) -> ast.Combine:
        """The pick of inputs as written."""

    @abstractmethod
    def rebuilt(self, p: ast.Pipeline, src: Source, stages: tuple[ast.Stage, ...]) -> ast.Pipeline:
        """`p` again with its source and stages rewritten."""

    @abstractmethod
    def set_choice(self, s: SetChoice, decided: Decided | None) -> tuple[ast.Stage, ...]:
        """The stages an act or norm set becomes (none, one call, or the set)."""

    @abstractmethod
    def width(self, a: ast.WidthChoice, decided: Decided | None) -> ast.Argument:
        """The argument a width choice becomes."""


def _first(decided: Decided | None) -> int:
    """The one index decided, or 0 for a closed choice (its only candidate)."""
    return decided[1][0] if decided is not None else 0


class PlainWriter(_Writer):
    """A member as users write it: no choices left, no probabilities."""

    def choose(self, p: ast.Pipeline, src: ast.Choose, decided: Decided | None) -> ast.Pipeline:
        stages = self.stages(p.stages)
        kept = self.pipeline(src.candidates[_first(decided)])
        return ast.Pipeline(source=kept.source, stages=kept.stages + stages)

    def pick(self, src: ast.Combine, decided: Decided | None) -> ast.Combine:
        picked = decided[1] if decided is not None else range(src.pick or 0)
        inputs = tuple(src.inputs[i].model_copy(update={"prob": None}) for i in picked)
        return ast.Combine(mode=src.mode, inputs=inputs, pick=len(inputs))

    def rebuilt(self, p: ast.Pipeline, src: Source, stages: tuple[ast.Stage, ...]) -> ast.Pipeline:
        return ast.Pipeline(source=src, stages=stages)

    def set_choice(self, s: SetChoice, decided: Decided | None) -> tuple[ast.Stage, ...]:
        written, i = SetForms.of(s, Scope(self.lets)), _first(decided)
        item = written.items[i]
        if not isinstance(item, ast.Term) or written.leaves_no_stage(i):
            return ()
        return (ast.Call(name=item.name, args=item.kwargs),)

    def width(self, a: ast.WidthChoice, decided: Decided | None) -> ast.Argument:
        item = resolve_set(a.options, self.lets)[_first(decided)]
        if isinstance(item, ast.IntLit):
            return ast.IntLit(value=item.value)
        return ast.WidthName(name=item.name)


class AnnotatedWriter(_Writer):
    """A derived genotype: each decided choice keeps its one candidate and its probability."""

    def __init__(
        self,
        space: ast.Document,
        decisions: Chosen,
        probs: Mapping[str, CandidateProbabilities],
    ) -> None:
        super().__init__(space, decisions)
        self.probs = probs

    def prob(self, key: str, index: int) -> float:
        return round(float(self.probs[key][index]), 4)

    def choose(self, p: ast.Pipeline, src: ast.Choose, decided: Decided | None) -> ast.Pipeline:
        if decided is None:
            cands = tuple(self.pipeline(c) for c in src.candidates)
        else:
            key, (i,) = decided
            kept = self.pipeline(src.candidates[i])
            cands = (kept.model_copy(update={"prob": self.prob(key, i)}),)
        return self.rebuilt(p, src.model_copy(update={"candidates": cands}), self.stages(p.stages))

    def pick(self, src: ast.Combine, decided: Decided | None) -> ast.Combine:
        if decided is None:
            return src
        key, picked = decided
        refs = tuple(src.inputs[i].model_copy(update={"prob": self.prob(key, i)}) for i in picked)
        return src.model_copy(update={"inputs": refs})

    def rebuilt(self, p: ast.Pipeline, src: Source, stages: tuple[ast.Stage, ...]) -> ast.Pipeline:
        return p.model_copy(update={"source": src, "stages": stages})

    def set_choice(self, s: SetChoice, decided: Decided | None) -> tuple[ast.Stage, ...]:
        if decided is None:
            return (s,)
        key, (i,) = decided
        item = resolve_set(s.options, self.lets)[i]
        item = item.model_copy(update={"prob": self.prob(key, i)})
        return (s.model_copy(update={"options": ast.SetLiteral(items=(item,))}),)

    def width(self, a: ast.WidthChoice, decided: Decided | None) -> ast.Argument:
        if decided is None:
            return a
        key, (i,) = decided
        item = resolve_set(a.options, self.lets)[i]
        assert isinstance(item, ast.IntLit)
        lit = ast.IntLit(value=item.value, prob=self.prob(key, i))
        return a.model_copy(update={"options": ast.SetLiteral(items=(lit,))})
