"""The cells of a comparison: one (candidate, seed) each, run and evaluated on its own.

A candidate's cell is an ordinary `nasiam train` run directory, `DIR/<candidate>/seed<s>/`;
a baseline's cell (the random-init backbone, the raw pixels) holds only its config. A cell
is finished when its `result.json` exists (written atomically, last), so an interrupted
comparison resumes by skipping finished cells, a training cut short resumes from its
checkpoint, and cells may run in any order, in parallel or as a cluster job array.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from nasiam_dsl.files import atomic_write_text
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.run.probe import KNN_K, ProbeSettings
from nasiam_dsl.usage import UsageProblem

RESULT = "result.json"
PLAN = "comparison.json"
RANDOM_INIT = "random-init"
RAW_PIXELS = "raw-pixels"
BASELINES = (RANDOM_INIT, RAW_PIXELS)
#: baselines no training seed changes (the raw pixels' kNN is exact): evaluated once, at the
#: comparison's first seed, instead of once per seed
SEED_FREE = frozenset({RAW_PIXELS})

Kind = Literal["candidate", "baseline"]


class Candidate(BaseModel):
    """A genotype to pretrain (`spec`), or a baseline (`spec` None)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    spec: str | None = None
    kind: Kind = "candidate"
    architecture: str | None = None  # `architecture_hash` of the genotype at `spec`

    def identity(self) -> tuple[str, str, str | None]:
        """What makes two candidates the same: name, kind and the heads they build, not where
        the genotype file lies (a shipped genotype moves with every install)."""
        return (self.name, self.kind, self.architecture or self.spec)

    def with_architecture(self) -> Candidate:
        """This candidate with `architecture` filled in from its file, when it can be read
        (comparisons written before the field existed)."""
        if self.architecture is not None or self.spec is None or not Path(self.spec).is_file():
            return self
        from nasiam_dsl.api import load
        from nasiam_dsl.lang.same import architecture_hash

        return self.model_copy(update={"architecture": architecture_hash(load(self.spec))})


class Comparison(BaseModel):
    """Everything that fixes a comparison; stored as `DIR/comparison.json`."""

    model_config = ConfigDict(extra="forbid")

    root: str
    candidates: list[Candidate]
    seeds: list[int] = Field(min_length=1)
    reference: str
    k: int = Field(KNN_K, gt=0)
    probe: ProbeSettings = ProbeSettings()
    base: dict[str, Any] = Field(description="the RunConfig every training cell shares")

    def title(self) -> str:
        """The setup in one line: framework, dataset, backbone, budget, seeds."""
        from nasiam_dsl.run.config import RunConfig

        c = RunConfig.model_validate({**self.base, "spec": "-"})
        steps = f" x {c.steps_per_epoch} steps" if c.steps_per_epoch else ""
        seeds = ", ".join(map(str, self.seeds))
        return (
            f"{c.framework} on {c.data.dataset}, {c.backbone} backbone, "
            f"{c.epochs} epochs{steps}, seeds {seeds}"
        )

    def same_study(self, other: Comparison) -> bool:
        """Whether `other` measures the same cells the same way (the reference, the device
        and other options that do not change the budget may differ)."""
        return not self.differences(other)

    def differences(self, other: Comparison) -> list[str]:
        """What `other` measures otherwise, in the words of the options (empty: the same)."""
        from nasiam_dsl.run.resolve import NOT_THE_BUDGET, leaves, option_name

        found = []
        mine = {c.name: c.with_architecture() for c in self.candidates}
        theirs = {c.name: c.with_architecture() for c in other.candidates}
        for name in [*mine, *(n for n in theirs if n not in mine)]:
            a, b = mine.get(name), theirs.get(name)
            if a is None or b is None:
                found.append(f"candidate {name} is {'new' if a is None else 'gone'}")
            elif a.identity() != b.identity():
                found.append(f"candidate {name} has other heads ({b.spec})")
        if list(mine) != list(theirs) and not found:
            found.append("the candidates come in another order")
        for field in ("seeds", "k"):
            if getattr(self, field) != getattr(other, field):
                flag = "--seeds" if field == "seeds" else "--k"
                found.append(f"{flag} {getattr(other, field)} (was {getattr(self, field)})")
        if self.probe != other.probe:
            found.append(f"the linear probe {other.probe.describe()} (was {self.probe.describe()})")
        before, after = leaves(self.base), leaves(other.base)
        for path in sorted(set(before) | set(after)):
            if path in NOT_THE_BUDGET or before.get(path) == after.get(path):
                continue
            found.append(f"{option_name(path)} {after.get(path)!r} (was {before.get(path)!r})")
        return found


@dataclass(frozen=True)
class Cell:
    index: int
    candidate: Candidate
    seed: int

    def directory(self, root: Path) -> Path:
        return Path(root) / self.candidate.name / f"seed{self.seed}"

    def finished(self, root: Path) -> bool:
        return read_result(self, root) is not None

    def label(self) -> str:
        return f"{self.candidate.name} seed {self.seed}"


@dataclass
class CellResult:
    candidate: str
    kind: str
    seed: int
    knn: float
    linear_probe: float
    train_images: int
    test_images: int
    head_params: int | None
    head_flops: int | None
    train_s: float
    eval_s: float

    @property
    def wall_s(self) -> float:
        return self.train_s + self.eval_s

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "wall_s": self.wall_s}


def cells_of(comparison: Comparison) -> list[Cell]:
    """Every cell: candidates seed by seed, then the baselines seed by seed (a seed-free
    baseline at the first seed only)."""
    ordered = [c for c in comparison.candidates if c.kind == "candidate"]
    ordered += [c for c in comparison.candidates if c.kind == "baseline"]
    seeds = comparison.seeds
    pairs = [(c, s) for c in ordered for s in (seeds[:1] if c.name in SEED_FREE else seeds)]
    return [Cell(i, c, s) for i, (c, s) in enumerate(pairs)]


def read_result(cell: Cell, root: Path) -> CellResult | None:
    """A cell's result, or None when it has none that can be read (`result_problem`)."""
    path = cell.directory(root) / RESULT
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text("utf-8"))
        data.pop("wall_s", None)
        return CellResult(**data)
    except (ValueError, TypeError, AttributeError, OSError):
        return None


def result_problem(cell: Cell, root: Path) -> str | None:
    """Why a cell's `result.json` that exists cannot be read (empty, cut short, another
    format), or None."""
    path = cell.directory(root) / RESULT
    if not path.exists() or read_result(cell, root) is not None:
        return None
    try:
        text = path.read_text("utf-8")
    except (OSError, ValueError) as e:
        return f"{path} cannot be read ({e})"
    return f"{path} is empty" if not text.strip() else f"{path} is not a result this nasiam reads"


def cell_config(comparison: Comparison, cell: Cell, device: str | None = None) -> dict[str, Any]:
    """The RunConfig (as a dict) of a cell: the shared one, its genotype, seed and folder."""
    spec = cell.candidate.spec or _reference_spec(comparison)
    config = {
        **comparison.base,
        "command": "train",
        "spec": spec,
        "seed": cell.seed,
        "out": str(Path(comparison.root) / cell.candidate.name),
        "name": f"seed{cell.seed}",
    }
    if not config.get("knn_every"):
        config["knn"] = False  # the comparison evaluates each cell itself: no monitor pass
    if device is not None:
        config["device"] = device
    return config


def _reference_spec(comparison: Comparison) -> str:
    for c in comparison.candidates:
        if c.spec is not None:
            return c.spec
    raise UsageProblem("a comparison needs at least one candidate genotype")


def run_cell(comparison: Comparison, cell: Cell, device: str | None = None) -> CellResult:
    """Run (or finish) one cell and write its result; a finished cell is read back."""
    root = Path(comparison.root)
    done = read_result(cell, root)
    if done is not None:
        return done
    from nasiam_dsl.api import run_config

    config = run_config("train", cell_config(comparison, cell, device))
    directory = cell.directory(root)
    started = time.perf_counter()
    if cell.candidate.kind == "candidate":
        _train(config, directory)
    else:
        directory.mkdir(parents=True, exist_ok=True)
        atomic_write_text(RunFiles(directory).config, config.model_dump_json(indent=2) + "\n")
    trained = time.perf_counter()
    evaluation = _evaluate(comparison, cell, config, directory)
    params, flops = head_cost(config) if cell.candidate.kind == "candidate" else (None, None)
    result = CellResult(
        candidate=cell.candidate.name,
        kind=cell.candidate.kind,
        seed=cell.seed,
        knn=evaluation.knn,
        linear_probe=evaluation.linear_probe,
        train_images=evaluation.train_images,
        test_images=evaluation.test_images,
        head_params=params,
        head_flops=flops,
        train_s=round(trained - started, 3),
        eval_s=round(time.perf_counter() - trained, 3),
    )
    atomic_write_text(directory / RESULT, json.dumps(result.as_dict(), indent=2) + "\n")
    return result


def _train(config, directory: Path) -> None:
    """Train the cell's run directory to its end: resume a cut-short run, restart one that
    never saved a checkpoint, keep one that already wrote its backbone."""
    from nasiam_dsl.run.runner import start
    from nasiam_dsl.ui import RichUI

    if RunFiles(directory).backbone_weights.exists():
        return
    ui = RichUI(quiet=True)
    if RunFiles(directory).checkpoint.exists():  # on the device this comparison runs on now
        start(config, ui, resume=directory, changes={"device": config.device})
        return
    if directory.exists():
        shutil.rmtree(directory)  # started, but nothing worth keeping was saved
    run = start(config, ui)
    if run.run_dir != directory:  # pragma: no cover - the directory is ours alone
        raise UsageProblem(f"cell wrote {run.run_dir}, expected {directory}")


def _evaluate(comparison: Comparison, cell: Cell, config, directory: Path):
    from nasiam_dsl.run.evaluation import evaluate_pixels, evaluate_run

    device = config.device
    if cell.candidate.name == RAW_PIXELS:
        return evaluate_pixels(config, k=comparison.k, probe=comparison.probe, device=device)
    return evaluate_run(
        directory,
        random_init=cell.candidate.name == RANDOM_INIT,
        k=comparison.k,
        probe=comparison.probe,
        device=device,
    )


def head_cost(config) -> tuple[int, int]:
    """Parameters and FLOPs per sample of every head of the cell's genotype."""
    from nasiam_dsl.compile.count import Tally, genotype_tallies
    from nasiam_dsl.lang import parse_file
    from nasiam_dsl.lang.infer import plan_document
    from nasiam_dsl.run.build import backbone_dim

    doc = parse_file(Path(config.spec))
    tallies = genotype_tallies(plan_document(doc, backbone_dim(config)), {})
    total = sum((t for nodes in tallies.values() for t in nodes.values()), Tally())
    return total.params, total.flops
