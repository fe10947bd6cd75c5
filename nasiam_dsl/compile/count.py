"""Counting: parameters, FLOPs and the number of architectures of a space, without building it.

Counts come from the plan (`plan.py`), so a 23M-parameter supernet is counted without
allocating it; `count_params` counts a built module and the tests check that both agree.

Parameters: every weight tensor element, frozen biases and affine norm parameters included,
architecture logits excluded.

FLOPs per sample (forward pass), this convention:
  * `linear(in -> out)`: `in * out` multiply-adds, plus `out` for a bias;
  * elementwise work counts 1 per element: activations, bias adds, width masks, the
    weighting and summing of each computed candidate of a choice (`width` per candidate),
    `sum`/`mean` of inputs; `bn` counts 2 per feature (a scale and a shift: its inference
    form), `layernorm` 5 (statistics, scale, shift), pools `kernel` per feature;
  * `identity`, `zero`, `none` and `concat` are free, and a supernet never runs `zero`.

Architectures: one decision per key (choices sharing a label are one decision); an op choice
counts the sum over its candidates of their own nested architectures; `pick k of n` counts
C(n, k). Exact, except that a labelled op choice whose candidates hold open choices counts
its nested choices at its first site only.

Smallest / largest genotype: every width at its smallest / largest (parameters grow with
every width), every other choice at its cheapest / dearest candidate, site by site (a label's
sites are not forced to agree there: a bound when labels are used).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import product
from math import comb

from torch import nn

from nasiam_dsl.lang.plan import Choose, HeadPlan, Inputs, Linear, Pipeline, Plan, SetChoice
from nasiam_dsl.lang.reach import depth_keys, hidden_nodes
from nasiam_dsl.lang.tally import Tally, evaluate

__all__ = [
    "SpaceCounts",
    "Tally",
    "count_architectures",
    "count_params",
    "count_plan",
    "genotype_tallies",
    "module_node_params",
]


@dataclass
class SpaceCounts:
    """Everything `count_plan` finds, per head and per node."""

    supernet: dict[str, dict[str, Tally]]
    smallest: dict[str, dict[str, Tally]]
    largest: dict[str, dict[str, Tally]]
    architectures: int

    @staticmethod
    def _total(table: dict[str, dict[str, Tally]]) -> Tally:
        return sum((t for nodes in table.values() for t in nodes.values()), Tally())

    def head(self, name: str, which: str = "supernet") -> Tally:
        return sum(getattr(self, which)[name].values(), Tally())

    @property
    def supernet_total(self) -> Tally:
        return self._total(self.supernet)

    @property
    def smallest_total(self) -> Tally:
        return self._total(self.smallest)

    @property
    def largest_total(self) -> Tally:
        return self._total(self.largest)


def count_params(module: nn.Module) -> int:
    """Weight parameters of a module (architecture logits, if any, excluded)."""
    arch = getattr(module, "arch", None)
    skip = {id(p) for p in arch.parameters()} if isinstance(arch, nn.Module) else set()
    return sum(p.numel() for p in module.parameters() if id(p) not in skip)


def module_node_params(net: nn.Module) -> dict[str, dict[str, int]]:
    """Parameters per head and node of a built `Supernet`/`FixedNet`."""
    heads: nn.ModuleDict = net.heads  # type: ignore[assignment]
    return {
        h: {n: count_params(m) for n, m in head.nodes.items()}  # type: ignore[union-attr]
        for h, head in heads.items()
    }


def count_plan(plan: Plan) -> SpaceCounts:
    """Supernet, smallest and largest genotype tallies, and the number of architectures."""
    return SpaceCounts(
        supernet=evaluate(plan, "super"),
        smallest=evaluate(plan, "min"),
        largest=evaluate(plan, "max"),
        architectures=count_architectures(plan),
    )


def genotype_tallies(
    plan: Plan, decisions: Mapping[str, tuple[int, ...]]
) -> dict[str, dict[str, Tally]]:
    """Tallies of the one architecture that `decisions` (key -> chosen indices) selects."""
    return evaluate(plan, decisions)


# ---- architectures ----------------------------------------------------------------------


def count_architectures(plan: Plan) -> int:
    """The exact number of distinct architectures (see module docs), as a Python int."""
    seen: set[str] = set()
    total = 1
    for hp in plan.heads:
        total *= _count_head(hp, plan, seen)
    return total


def _count_head(hp: HeadPlan, plan: Plan, seen: set[str]) -> int:
    """A head's architectures; with depth decisions, the sum over depths of the
    architectures of the layers each depth keeps (those past it are hidden)."""
    depths = [k for k in depth_keys(hp) if k not in seen]
    if not depths:
        total = 1
        for node in hp.nodes:
            total *= _count_pipeline(node.pipeline, plan, seen)
        return total
    total, after = 0, set(seen)
    for combo in product(*(range(plan.choices[k].size) for k in depths)):
        chosen = {k: (i,) for k, i in zip(depths, combo, strict=True)}
        hidden = hidden_nodes(hp, chosen)
        kept = set(seen) | set(depths)
        part = 1
        for node in hp.nodes:
            if node.name not in hidden:
                part *= _count_pipeline(node.pipeline, plan, kept)
        after |= kept
        total += part
    seen |= after
    return total


def _factor(key: str | None, n: int, seen: set[str]) -> int:
    if key is None or key in seen:
        return 1
    seen.add(key)
    return n


def _count_pipeline(p: Pipeline, plan: Plan, seen: set[str]) -> int:
    src = p.source
    total = 1
    if isinstance(src, Choose):
        if src.key is None:
            total = _count_pipeline(src.candidates[0], plan, seen)
        elif src.key in seen:
            total = max(_count_pipeline(c, plan, set(seen)) for c in src.candidates)
        else:
            seen.add(src.key)
            total = sum(_count_pipeline(c, plan, seen) for c in src.candidates)
    elif isinstance(src, Inputs) and src.key is not None:
        total = _factor(src.key, comb(len(src.names), src.pick), seen)
    for stage in p.stages:
        if isinstance(stage, Linear):
            total *= _factor(stage.key, len(stage.widths), seen)
        elif isinstance(stage, SetChoice):
            total *= _factor(stage.key, len(stage.items), seen)
    return total
