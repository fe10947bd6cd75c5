"""Uniform members of a space: the random baselines a searched genotype must beat.

Every visible decision is drawn uniformly (an op choice's candidate, an activation, a width,
a `pick k of n` subset); a decision that only lives inside an unchosen candidate is not drawn,
so it cannot make two members that build the same heads look different. The space's
constraints are kept by rejection: a member that breaks one is drawn again, at most
`max_tries` times in all, and giving up names the constraint that rejected most. Members are
distinct while the space has enough; the same seed gives the same members.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import torch

from nasiam_dsl.compile.constraints import constraint_groups, constraint_value, holds
from nasiam_dsl.compile.count import Tally, count_architectures, genotype_tallies
from nasiam_dsl.compile.derive import genotype_document
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.infer import plan_document
from nasiam_dsl.lang.members import is_depth_node, signature
from nasiam_dsl.lang.plan import (
    Choose,
    HeadPlan,
    Inputs,
    Linear,
    Pipeline,
    Plan,
    SetChoice,
)
from nasiam_dsl.lang.printer import format_constraint_body
from nasiam_dsl.lang.reach import hidden_nodes
from nasiam_dsl.lang.tree import strip_probs
from nasiam_dsl.usage import UsageProblem

__all__ = ["Member", "constraint_text", "sample_members", "violated_constraints"]

Decisions = dict[str, tuple[int, ...]]
TRIES_PER_MEMBER = 1000


@dataclass(frozen=True)
class Member:
    """One sampled architecture: its genotype and the decisions that shape it."""

    index: int
    genotype: ast.Document
    decisions: Decisions


def sample_members(
    doc: ast.Document,
    n: int,
    seed: int = 0,
    *,
    backbone_dim: int = 512,
    max_tries: int | None = None,
) -> list[Member]:
    """`n` distinct members of the checked space `doc`, drawn uniformly per visible decision.

    `backbone_dim` resolves `backbone` widths (it matters for `params`/`flops` constraints).
    Raises `UsageProblem` when the space has fewer than `n` architectures, or when the
    constraints reject every draw for `max_tries` draws (default 1000 per member).
    """
    if doc.kind != "space":
        raise UsageProblem(f"'{doc.name}' is a {doc.kind}; sampling needs a space")
    if n < 1:
        raise UsageProblem(f"-n: need at least one member, got {n}")
    plan = plan_document(doc, backbone_dim)
    total = count_architectures(plan)
    if total < n:
        raise UsageProblem(
            f"space '{doc.name}' has only {total} architecture(s), fewer than the {n} asked",
            f"ask for at most {total} (-n {total})",
        )
    rng = random.Random(seed)
    tries = max_tries if max_tries is not None else TRIES_PER_MEMBER * n
    rejected_by: Counter[str] = Counter()
    seen: set = set()  # the architectures drawn (equal candidates build one)
    members: list[Member] = []
    for _ in range(tries):
        decisions = _draw(plan, rng)
        broken = violated_constraints(doc, plan, decisions)
        if broken:
            rejected_by.update(constraint_text(c) for c in broken)
            continue
        architecture = signature(plan, decisions)
        if architecture in seen:
            continue
        seen.add(architecture)
        index = len(members) + 1
        members.append(Member(index, _genotype(doc, decisions, seed, index), decisions))
        if len(members) == n:
            return members
    raise UsageProblem(_give_up_message(doc, n, len(members), tries, rejected_by))


def _give_up_message(doc: ast.Document, n: int, found: int, tries: int, rejected: Counter) -> str:
    text = f"found only {found} of {n} distinct members of '{doc.name}' in {tries:,} draws"
    if rejected:
        worst, count = rejected.most_common(1)[0]
        text += f"; the constraint `{worst}` rejected {count:,} of them"
    else:
        text += "; the draws repeated members already found"
    return text


def _draw(plan: Plan, rng: random.Random) -> Decisions:
    """Uniform decisions, drawn in document order where they shape the heads (a depth first:
    it hides the layers past it); a hidden key is left at its first option."""
    decisions: Decisions = {}

    def decide(key: str | None) -> tuple[int, ...] | None:
        if key is None:
            return None
        if key not in decisions:
            info = plan.choices[key]
            decisions[key] = tuple(sorted(rng.sample(range(info.size), info.pick)))
        return decisions[key]

    def walk(p: Pipeline) -> None:
        src = p.source
        if isinstance(src, Choose):
            chosen = decide(src.key)
            walk(src.candidates[chosen[0] if chosen else 0])
        elif isinstance(src, Inputs):
            decide(src.key)
        for stage in p.stages:
            if isinstance(stage, (Linear, SetChoice)):
                decide(stage.key)

    for head in plan.heads:
        depths = _depths(head, decide)
        hidden = hidden_nodes(head, decisions) if depths else frozenset()
        for node in head.nodes:
            if node.name not in hidden:
                walk(node.pipeline)
    for key, info in plan.choices.items():  # hidden: any value builds the same heads
        decisions.setdefault(key, tuple(range(info.pick)))
    return decisions


def _depths(head: HeadPlan, decide: Callable[[str], tuple[int, ...] | None]) -> list[str]:
    """Draw a head's depths, an outer depth before the depths inside the layers it keeps."""
    drawn: list[str] = []
    while True:
        chosen = {k: decide(k) for k in drawn}
        hidden = hidden_nodes(head, chosen)  # type: ignore[arg-type]
        waiting = [
            node.pipeline.source.key  # type: ignore[union-attr]
            for node in reversed(head.nodes)
            if is_depth_node(node)
            and node.name not in hidden
            and node.pipeline.source.key not in drawn  # type: ignore[union-attr]
        ]
        if not waiting:
            return drawn
        decide(waiting[0])
        drawn.append(waiting[0])


def violated_constraints(
    doc: ast.Document, plan: Plan, decisions: Mapping[str, tuple[int, ...]]
) -> list[ast.Constraint]:
    """The constraints of `doc` that the architecture `decisions` selects breaks."""
    if not doc.constraints:
        return []
    tallies = genotype_tallies(plan, decisions)
    heads = {h: sum(nodes.values(), Tally()) for h, nodes in tallies.items()}
    broken = []
    for c in doc.constraints:
        for names in constraint_groups(c, list(heads)):
            if not holds(c, constraint_value(c, heads, names)):
                broken.append(c)
                break
    return broken


def constraint_text(c: ast.Constraint) -> str:
    """A constraint as written: `count(identity, avgpool) <= 1 per head`."""
    return format_constraint_body(c)


def _genotype(doc: ast.Document, decisions: Decisions, seed: int, index: int) -> ast.Document:
    # genotype_document annotates each kept candidate with a probability: a sampled member
    # has none, so the annotations it writes are dropped again
    probs = {key: torch.zeros(max(max(v) + 1, 1)) for key, v in decisions.items()}
    meta = {"sampled_from": doc.name, "seed": seed, "index": index}
    genotype = genotype_document(
        doc, decisions, probs, meta=meta, name=f"{doc.name}_sample{index:02d}"
    )
    return strip_probs(genotype)
