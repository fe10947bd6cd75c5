"""The seed's op names, built per layer as the seed's builders build them.

The seed builds each op from its layer's input and output widths (one rule in every copy):
at a layer that keeps the width, `maxpool_3x3` is `maxpool(in) | bn`, `identity` is
`identity(in)` and `linear_A` is `linear(in, w, bias=false) | bn | A`; at a contracting
layer every op starts with `linear(in, w, bias=false) | bn | relu` (so `identity` is
`linear_relu`, and a pool follows it, then `bn`); at an expanding layer every op is a biased
`linear(in, w)`, a pool then `bn` after it for the pools (so `identity` and the four
`linear_A` are one structure). A space says which rule a layer follows by its candidates.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from nasiam_dsl.lang.ast import KwArg
from nasiam_dsl.membership.forms import StageForm, WidthValue, options_of

__all__ = ["SEED_OPS", "SEED_ORDER", "Regime", "SeedOp"]


class Regime(Enum):
    """How a layer's widths compare: the seed builds its ops differently for each."""

    SAME = "keeps the width"
    CONTRACTING = "contracting"
    EXPANDING = "expanding"


def _stage(name: str, width: WidthValue | None = None, **options: bool) -> StageForm:
    kwargs = tuple(KwArg(name=k, value=v) for k, v in options.items())
    return StageForm(name, width, options_of(name, kwargs))


@dataclass(frozen=True)
class SeedOp:
    """One seed op: a pool (`pool` set), the identity, or a linear with activation `act`."""

    pool: str | None = None
    act: str | None = None

    def stages(self, regime: Regime, width: WidthValue | None) -> tuple[StageForm, ...]:
        """The stages after the layer's input, as the seed builds this op there."""
        hidden = (_stage("linear", width, bias=False), _stage("bn"))
        if regime is Regime.EXPANDING:
            bare = (_stage("linear", width),)
            return (*bare, _stage(self.pool), _stage("bn")) if self.pool else bare
        if regime is Regime.CONTRACTING:
            if self.pool:
                return (*hidden, _stage("relu"), _stage(self.pool), _stage("bn"))
            return (*hidden, _stage(self.act or "relu"))
        if self.pool:
            return (_stage(self.pool), _stage("bn"))
        if self.act is None:
            return (_stage("identity"),)
        return (*hidden, _stage(self.act))


# The seed's op order (SimSiam and MoCo copies; the SimCLR copy swaps silu and hardswish)
SEED_ORDER = (
    "maxpool_3x3",
    "avgpool_3x3",
    "identity",
    "linear_relu",
    "linear_silu",
    "linear_hardswish",
    "linear_elu",
)

SEED_OPS: dict[str, SeedOp] = {
    "maxpool_3x3": SeedOp(pool="maxpool"),
    "avgpool_3x3": SeedOp(pool="avgpool"),
    "identity": SeedOp(),
    "linear_relu": SeedOp(act="relu"),
    "linear_silu": SeedOp(act="silu"),
    "linear_hardswish": SeedOp(act="hardswish"),
    "linear_elu": SeedOp(act="elu"),
}
