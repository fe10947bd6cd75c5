"""Winner counts over several searches (one per seed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console

from nasiam_dsl.show.seeds import agreement_sentence, run_winners, seed_table, seeds_rich_table
from nasiam_dsl.usage import UsageProblem
from tests.show.conftest import FINAL, GENOTYPE, MakeRun

# seed 1 keeps relu at h1, the linear candidate at h2 (so h2.act is decided: silu) and h1 at h3
SEED1 = (
    GENOTYPE.replace("act{gelu @0.71}", "act{relu @0.5}")
    .replace("choose(identity(h1) @0.6)", "choose(linear(h1, 32) | bn | act{silu @0.4} @0.5)")
    .replace("pick 1 of {h2 @0.55}", "pick 1 of {h1 @0.6}")
)
# seed 2 has no genotype yet: its winners are the argmax of its last alphas line
SEED2_FINAL = {
    **FINAL,
    "projector.h1.act": [0.1, 0.8, 0.1],
    "predictor.h.width": [0.7, 0.3],
    "projector.h3.inputs": [0.6, 0.4],
    "predictor.h.norm": [0.52, 0.48],  # still bn, but by less than the margin
}


@pytest.fixture
def runs(make_run: MakeRun) -> list[Path]:
    return [
        make_run("s0", seed=0),
        make_run("s1", seed=1, genotype=SEED1),
        make_run("s2", seed=2, genotype=None, final=SEED2_FINAL),
    ]


def test_winners_of_one_run(runs: list[Path]) -> None:
    w0 = run_winners(runs[0])
    assert (w0.seed, w0.source) == (0, "genotype")
    assert w0.winners == {
        "projector.h1.act": ("gelu",),
        "projector.h2.op": ("identity(h1)",),
        "projector.h3.inputs": ("h2",),
        "predictor.h.width": ("16",),
        "predictor.h.norm": ("bn",),
        "shared.hidden": ("gelu",),
    }
    w1 = run_winners(runs[1])
    assert w1.winners["projector.h2.op"] == ("linear(h1, 32) | bn | act(acts)",)
    assert w1.winners["projector.h2.act"] == ("silu",)
    w2 = run_winners(runs[2])
    assert w2.source == "alphas"
    assert w2.winners["projector.h2.act"] == ("relu",)  # argmax: decided even if unused
    assert w2.winners["projector.h3.inputs"] == ("h1",)


def test_counts(runs: list[Path]) -> None:
    table = seed_table(runs)
    assert [r.seed for r in table.runs] == [0, 1, 2]
    assert table.counts["projector.h1.act"] == {"relu": 1, "gelu": 2, "silu": 0}
    assert table.counts["projector.h2.op"] == {
        "linear(h1, 32) | bn | act(acts)": 1,
        "identity(h1)": 2,
        "avgpool(h1) | bn": 0,
    }
    assert table.counts["projector.h2.act"] == {"relu": 1, "gelu": 0, "silu": 1}
    assert table.decided["projector.h2.act"] == 2
    assert table.counts["projector.h3.inputs"] == {"h1": 2, "h2": 1}
    assert table.counts["predictor.h.width"] == {"8": 1, "16": 2}
    assert table.counts["predictor.h.norm"] == {"bn": 3, "layernorm": 0}
    assert table.decided["predictor.h.norm"] == 3
    assert table.winner("predictor.h.norm") == "bn"
    assert table.agreement("predictor.h.norm") == 1.0
    assert table.winner("projector.h1.act") == "gelu"
    assert table.agreement("projector.h1.act") == pytest.approx(2 / 3)
    assert table.winner("projector.h2.act") == "relu"  # a tie: the first listed
    assert list(table.candidates) == list(FINAL)


def test_runs_without_a_space_name_by_the_genotype(make_run: MakeRun) -> None:
    table = seed_table([make_run("a", space=None), make_run("b", space=None, genotype=SEED1)])
    assert table.counts["projector.h1.act"] == {"gelu": 1, "relu": 1}
    # without the space the closed candidate is named by its genotype text
    assert table.counts["projector.h2.op"] == {
        "identity(h1)": 1,
        "linear(h1, 32) | bn | act{silu}": 1,
    }


def test_rich_table(runs: list[Path]) -> None:
    console = Console(width=160, record=True, color_system=None)
    console.print(seeds_rich_table(seed_table(runs)))
    text = console.export_text()
    assert "winners over 3 runs (seeds 0, 1, 2)" in text
    norm = next(line for line in text.splitlines() if "predictor.h.norm" in line)
    assert "bn" in norm and "3/3" in norm and "██████████" in norm
    h1 = [line for line in text.splitlines() if "gelu" in line and "2/3" in line]
    assert h1
    assert "0/2" in text  # gelu at projector.h2.act: decided by 2 runs, won by none


def test_errors(make_run: MakeRun, tmp_path: Path) -> None:
    with pytest.raises(UsageProblem, match="no run directories"):
        seed_table([])
    with pytest.raises(UsageProblem, match=r"no genotype.nas and no alphas.jsonl"):
        seed_table([make_run("empty", genotype=None, final=None)])
    with pytest.raises(UsageProblem, match=r"not a run directory"):
        seed_table([tmp_path])


def test_agreement_and_decisiveness(runs: list[Path]) -> None:
    table = seed_table(runs)
    assert table.agrees("shared.hidden") and table.decisive("shared.hidden") == 3
    assert table.agrees("predictor.h.norm") and table.decisive("predictor.h.norm") == 2
    assert not table.agrees("projector.h1.act")
    # seed 1 kept relu at h1 although gelu led: its pick trails the runner-up
    assert runs[1].name == "s1"
    assert table.runs[1].margins["projector.h1.act"].over_runner_up < 0
    assert table.decisive("projector.h1.act") == 2
    sentence = agreement_sentence(table)
    assert sentence.startswith("Agree across all 3 runs and decided in each: shared.hidden.")
    assert (
        "Agree, but the kept candidate is under 2x the runner-up in some runs, so the "
        "agreement may be chance: predictor.h.norm (decided in 2 of 3)." in sentence
    )
    assert "Do not agree across runs: projector.h1.act (relu 1/3, gelu 2/3)" in sentence
    one = agreement_sentence(seed_table(runs[:1]))
    assert one == "One run: agreement across seeds needs two or more (--seeds 0,1,2)."
    console = Console(width=200, record=True, color_system=None)
    console.print(seeds_rich_table(table))
    text = console.export_text()
    norm = next(line for line in text.splitlines() if "predictor.h.norm" in line)
    assert norm.replace("│", " ").split()[-2:] == ["yes", "2/3"]
    h1 = next(line for line in text.splitlines() if "projector.h1.act" in line)
    assert h1.replace("│", " ").split()[-2:] == ["no", "2/3"]
    assert "Do not agree across runs" in " ".join(text.split())
