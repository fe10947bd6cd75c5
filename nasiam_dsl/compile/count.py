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

Architectures: the distinct architectures of the space (`lang/members.py`): equal and
overlapping candidates count once, decisions hidden under others not at all.

Smallest / largest genotype: every width at its smallest / largest (parameters grow with
every width), every other choice at its cheapest / dearest candidate, site by site (a label's
sites are not forced to agree there: a bound when labels are used); a layer a depth can leave
out counts nothing in the smallest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from torch import nn

from nasiam_dsl.lang.members import count_architectures
from nasiam_dsl.lang.plan import Plan
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
