"""The typed per-epoch record: the metrics line it writes, read back; what stoppers observe;
and the architecture side of a training run, which adds nothing."""

from __future__ import annotations

import json

from nasiam_dsl.run.arch_side import NoSearch
from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.record import EpochRecord


def test_line_order_round_trip_and_absent_fields() -> None:
    record = EpochRecord(
        epoch=2,
        step=10,
        seconds=1.5,
        extra={"train/loss": -0.5},
        z_std=0.1,
        lr=0.01,
        op_counts={"projector": {"param_free": 1}},
    )
    line = record.to_line()
    assert list(line) == ["epoch", "step", "seconds", "train/loss", "z_std", "lr", "op_counts"]
    back = EpochRecord.from_line(json.loads(json.dumps(line)))
    assert back == record
    assert record.get("train/loss") == -0.5 and record.get("knn") is None
    assert record.scalars() == {"seconds": 1.5, "train/loss": -0.5, "z_std": 0.1, "lr": 0.01}


def test_observations_for_the_stoppers() -> None:
    healthy = EpochRecord(epoch=1, step=1).observations()
    assert healthy == {"z_std_normalised": 1.0}
    seen = EpochRecord(epoch=1, step=1, z_std_normalised=0.2, op_counts={"h": {}}).observations()
    assert seen == {"z_std_normalised": 0.2, "op_counts": {"h": {}}}


def test_a_training_run_has_only_the_collapse_stopper() -> None:
    side = NoSearch(RunConfig(spec="g.nas", command="train", search={"collapse_threshold": 0.5}))
    assert side.arch is None and side.alphas() == {} and side.regularisers() == []
    assert side.epoch_end(EpochRecord(epoch=1, step=1), 1, 1) is None
    assert side.write_genotypes(1, 1) == "" and side.probabilities() == {}
    assert [type(s).__name__ for s in side.stoppers] == ["CollapseStopper"]
    state = side.state_dict()
    other = NoSearch(RunConfig(spec="g.nas", command="train", search={"collapse_threshold": 0.5}))
    other.load_state_dict(state)
    assert other.state_dict() == state
