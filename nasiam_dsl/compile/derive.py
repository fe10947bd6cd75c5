"""Derivation: from a searched supernet to genotype documents in the same language.

`derive` takes the most probable candidate of every decision (the `k` most probable for
`pick k of n`), using the sampler's deterministic `probabilities`, and writes a `genotype`
whose closed choices keep that one candidate annotated with its probability (4 decimals):
`act{gelu @0.7132}`, `choose(identity(h1) @0.61)`, `width{512 @0.8}`,
`sum(pick 2 of {h1 @0.6, x @0.55})`. Labels, lets and constraints are kept.

Constraints are respected. When the argmax violates one, a greedy repair changes one
decision at a time, always the change that loses the least log-probability per unit of
violation removed, until every constraint holds (`count` violations count ops; `params` and
`flops` ones are relative to the bound). Greedy, so not always the most probable feasible
architecture. `top_k` ranks distinct architectures by joint probability (the product over
the decisions that shape the architecture; for `pick`, the product of the picked candidates)
with Murty's k-best partitioning, solving each part with the same repair.
"""

from __future__ import annotations

import hashlib
import heapq
import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch

import nasiam_dsl
from nasiam_dsl.compile.build import Supernet
from nasiam_dsl.compile.count import Tally, genotype_tallies
from nasiam_dsl.compile.plan import Choose, Inputs, Linear, Pipeline, Plan, SetChoice
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.printer import print_document
from nasiam_dsl.lang.walk import is_open, node_choices, resolve_set

Decisions = dict[str, tuple[int, ...]]

__all__ = [
    "Ranked",
    "derive",
    "derive_decisions",
    "genotype_document",
    "space_hash",
    "top_k",
]

MAX_PICK_OPTIONS = 256


@dataclass(frozen=True)
class Ranked:
    """One derived architecture: its genotype, decisions and joint probability."""

    genotype: ast.Document
    decisions: Decisions
    probability: float


def space_hash(doc: ast.Document) -> str:
    """A short content hash of a document's canonical text (comments excluded)."""
    bare = doc.model_copy(update={"comments": ast.Comments()})
    return hashlib.sha256(print_document(bare).encode()).hexdigest()[:16]


# ---- decisions ------------------------------------------------------------------------------


class _Problem:
    """Decisions of a space, their options ranked by probability, and its constraints."""

    def __init__(self, supernet: Supernet, doc: ast.Document) -> None:
        self.plan: Plan = supernet.plan
        self.doc = doc
        self.probs = supernet.arch.probabilities()
        self.keys = list(self.plan.choices)
        self.options: dict[str, list[tuple[float, tuple[int, ...]]]] = {}
        for key in self.keys:
            logp = torch.log(self.probs[key].double().clamp_min(1e-30)).tolist()
            pick = self.plan.choices[key].pick
            n = len(logp)
            if pick == 1:
                opts = [(logp[i], (i,)) for i in range(n)]
            else:
                pool = sorted(range(n), key=lambda i: -logp[i])[:12]
                combos = itertools.combinations(sorted(pool), pick)
                opts = [(sum(logp[i] for i in c), c) for c in combos]
            opts.sort(key=lambda o: -o[0])
            self.options[key] = opts[:MAX_PICK_OPTIONS] if pick > 1 else opts

    def logp(self, key: str, chosen: tuple[int, ...]) -> float:
        return sum(math.log(max(float(self.probs[key][i]), 1e-30)) for i in chosen)

    def argmax(self) -> Decisions:
        return {key: self.options[key][0][1] for key in self.keys}

    # ---- constraints ----------------------------------------------------------------------
    def violation(self, decisions: Decisions) -> float:
        if not self.doc.constraints:
            return 0.0
        tallies = genotype_tallies(self.plan, decisions)
        heads = {h: sum(nodes.values(), Tally()) for h, nodes in tallies.items()}
        total = 0.0
        for c in self.doc.constraints:
            if c.scope == "per_head":
                groups = [[h] for h in heads]
            elif c.scope is not None:
                groups = [[c.scope]]
            elif c.target is not None:
                groups = [[c.target]]
            else:
                groups = [list(heads)]
            for names in groups:
                if c.metric == "count":
                    value = sum(heads[h].ops[op] for h in names for op in c.ops)
                    scale = 1.0
                else:
                    value = sum(getattr(heads[h], c.metric) for h in names)
                    scale = max(float(c.bound), 1.0)
                if not _holds(value, c.cmp, c.bound):
                    total += abs(value - c.bound) / scale + 1.0
        return total

    def feasible(self, decisions: Decisions) -> bool:
        return self.violation(decisions) == 0.0

    def repair(
        self, decisions: Decisions, allowed: Mapping[str, list[tuple[int, ...]]] | None = None
    ) -> Decisions:
        """Greedy: the move with the least log-probability lost per violation removed."""
        current = dict(decisions)
        bad = self.violation(current)
        for _ in range(10_000):
            if bad == 0.0:
                return current
            best: tuple[float, str, tuple[int, ...], float] | None = None
            for key in self.keys:
                now = self.logp(key, current[key])
                for logp, option in self.options[key]:
                    if option == current[key] or (allowed and option not in allowed[key]):
                        continue
                    trial = {**current, key: option}
                    after = self.violation(trial)
                    if after >= bad:
                        continue
                    score = (now - logp) / (bad - after)
                    if best is None or score < best[0]:
                        best = (score, key, option, after)
            if best is None:
                break
            _, key, option, bad = best
            current[key] = option
        raise ValueError(
            "no architecture satisfying the constraints was found (greedy repair); "
            "check the constraints against the space"
        )

    def solve(self, allowed: Mapping[str, list[tuple[int, ...]]]) -> Decisions | None:
        """The best allowed option of every decision, repaired; None when none is feasible."""
        start = {key: allowed[key][0] for key in self.keys}
        try:
            return self.repair(start, allowed)
        except ValueError:
            return None

    def visible(self, decisions: Decisions) -> list[str]:
        """The decisions that shape the architecture (not those inside unchosen candidates)."""
        seen: list[str] = []

        def add(key: str | None) -> None:
            if key is not None and key not in seen:
                seen.append(key)

        def walk(p: Pipeline) -> None:
            src = p.source
            if isinstance(src, Choose):
                if src.key is None:
                    walk(src.candidates[0])
                else:
                    add(src.key)
                    walk(src.candidates[decisions[src.key][0]])
            elif isinstance(src, Inputs):
                add(src.key)
            for stage in p.stages:
                if isinstance(stage, (Linear, SetChoice)):
                    add(stage.key)

        for head in self.plan.heads:
            for node in head.nodes:
                walk(node.pipeline)
        return seen

    def joint(self, decisions: Decisions) -> float:
        return math.exp(sum(self.logp(k, decisions[k]) for k in self.visible(decisions)))


def _holds(value: float, cmp: str, bound: float) -> bool:
    return {
        "<=": value <= bound,
        "<": value < bound,
        ">=": value >= bound,
        ">": value > bound,
        "==": value == bound,
    }[cmp]


def derive_decisions(supernet: Supernet, doc: ast.Document | None = None) -> Decisions:
    """Key -> chosen candidate indices: the argmax, repaired to satisfy the constraints."""
    problem = _Problem(supernet, doc or supernet.doc)
    return problem.repair(problem.argmax())


# ---- documents ----------------------------------------------------------------------------


def derive(
    supernet: Supernet,
    doc: ast.Document | None = None,
    *,
    meta: Mapping[str, Any] | None = None,
    name: str | None = None,
) -> ast.Document:
    """The genotype of the most probable (constraint-respecting) architecture.

    `doc` is the space the supernet was compiled from (default: `supernet.doc`); `meta`
    (framework, dataset, seed, epochs, ...) goes into the genotype's meta block beside the
    source space's name and hash and the nasiam version.
    """
    doc = doc or supernet.doc
    decisions = derive_decisions(supernet, doc)
    return genotype_document(doc, decisions, supernet.arch.probabilities(), meta=meta, name=name)


def top_k(
    supernet: Supernet,
    doc: ast.Document | None = None,
    k: int = 5,
    *,
    meta: Mapping[str, Any] | None = None,
    max_solves: int = 10_000,
) -> list[Ranked]:
    """The `k` most probable distinct feasible architectures, best first.

    Murty's k-best partitioning over the visible decisions, each subspace solved by argmax
    plus the greedy repair: exact without constraints, greedy-approximate with them.
    """
    doc = doc or supernet.doc
    problem = _Problem(supernet, doc)
    full = {key: [o for _, o in problem.options[key]] for key in problem.keys}
    first = problem.solve(full)
    heap: list[tuple[float, int, Decisions, dict]] = []
    if first is not None:
        heap.append((-problem.joint(first), 0, first, full))
    found: dict[tuple, Decisions] = {}
    pushed = 1
    while heap and len(found) < k and pushed < max_solves:
        _, _, decisions, allowed = heapq.heappop(heap)
        visible = problem.visible(decisions)
        found.setdefault(tuple((key, decisions[key]) for key in visible), decisions)
        fixed = dict(allowed)
        for key in visible:  # Murty: partition the rest of this subspace
            rest = [o for o in fixed[key] if o != decisions[key]]
            if rest:
                sub = {**fixed, key: rest}
                solved = problem.solve(sub)
                if solved is not None:
                    heapq.heappush(heap, (-problem.joint(solved), pushed, solved, sub))
                pushed += 1
            fixed[key] = [decisions[key]]
    ranked = [(problem.joint(d), d) for d in found.values()]
    ranked.sort(key=lambda pd: -pd[0])
    probs = supernet.arch.probabilities()
    return [
        Ranked(
            genotype_document(doc, d, probs, meta=meta, name=_ranked_name(doc, i)),
            d,
            p,
        )
        for i, (p, d) in enumerate(ranked)
    ]


def _ranked_name(doc: ast.Document, i: int) -> str:
    return f"{doc.name}_derived" if i == 0 else f"{doc.name}_top{i + 1}"


def genotype_document(
    doc: ast.Document,
    decisions: Mapping[str, tuple[int, ...]],
    probs: Mapping[str, torch.Tensor],
    *,
    meta: Mapping[str, Any] | None = None,
    name: str | None = None,
) -> ast.Document:
    """Rewrite a space into the genotype that `decisions` select (see module docs)."""
    rewriter = _Rewriter(doc, decisions, probs)
    heads = tuple(
        head.model_copy(update={"nodes": tuple(rewriter.node(head, node) for node in head.nodes)})
        for head in doc.heads
    )
    entries: dict[str, ast.Scalar] = {
        "source_space": doc.name,
        "space_hash": space_hash(doc),
        "version": nasiam_dsl.__version__,
    }
    if doc.framework:
        entries["framework"] = doc.framework
    for key, value in (meta or {}).items():
        entries[key] = value if isinstance(value, (bool, int, float, str)) else str(value)
    block = ast.Meta(entries=tuple(ast.MetaEntry(key=k, value=v) for k, v in entries.items()))
    return doc.model_copy(
        update={
            "kind": "genotype",
            "name": name or f"{doc.name}_derived",
            "meta": block,
            "heads": heads,
            "comments": ast.Comments(),
            "closing": (),
        }
    )


def _round(p: torch.Tensor | float) -> float:
    return round(float(p), 4)


class _Rewriter:
    def __init__(
        self,
        doc: ast.Document,
        decisions: Mapping[str, tuple[int, ...]],
        probs: Mapping[str, torch.Tensor],
    ) -> None:
        self.lets = {let.name: let for let in doc.lets}
        self.decisions = decisions
        self.probs = probs
        self.sites: Any = iter(())

    def node(self, head: ast.Head, node: ast.NodeDef) -> ast.NodeDef:
        self.sites = iter(node_choices(head, node))
        return node.model_copy(update={"expr": self.pipeline(node.expr)})

    def site(self, choice: Any) -> tuple[str, tuple[int, ...]] | None:
        site = next(self.sites)
        assert site.choice == choice
        if not is_open(choice, self.lets):
            return None
        return site.key, tuple(self.decisions[site.key])

    def pipeline(self, p: ast.Pipeline) -> ast.Pipeline:
        src = p.source
        if isinstance(src, ast.Choose):
            decided = self.site(src)
            cands = [self.pipeline(c) for c in src.candidates]
            if decided is not None:
                key, (i,) = decided
                cands = [cands[i].model_copy(update={"prob": _round(self.probs[key][i])})]
            src = src.model_copy(update={"candidates": tuple(cands)})
        elif isinstance(src, ast.Combine) and src.pick is not None:
            decided = self.site(src)
            if decided is not None:
                key, idx = decided
                refs = tuple(
                    src.inputs[i].model_copy(update={"prob": _round(self.probs[key][i])})
                    for i in idx
                )
                src = src.model_copy(update={"inputs": refs})
        stages = [self.stage(s) for s in p.stages]
        return p.model_copy(update={"source": src, "stages": tuple(stages)})

    def stage(self, s: ast.Stage) -> ast.Stage:
        if isinstance(s, (ast.ActChoice, ast.NormChoice)):
            decided = self.site(s)
            if decided is None:
                return s
            key, (i,) = decided
            item = resolve_set(s.options, self.lets)[i]
            item = item.model_copy(update={"prob": _round(self.probs[key][i])})
            return s.model_copy(update={"options": ast.SetLiteral(items=(item,))})
        args = []
        for a in s.args:
            if isinstance(a, ast.WidthChoice):
                decided = self.site(a)
                if decided is not None:
                    key, (i,) = decided
                    item = resolve_set(a.options, self.lets)[i]
                    assert isinstance(item, ast.IntLit)
                    lit = ast.IntLit(value=item.value, prob=_round(self.probs[key][i]))
                    a = a.model_copy(update={"options": ast.SetLiteral(items=(lit,))})
            args.append(a)
        return s.model_copy(update={"args": tuple(args)})
