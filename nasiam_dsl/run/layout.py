"""A run directory's files: the one place that names them.

`nasiam search` and `nasiam train` write a run directory; `show`, `eval`, `export`,
`compare`, `--resume` and the API read it. Every one of them asks `RunFiles` for a path, so
a file is named once:

- `config.json`: the resolved `RunConfig` (rewritten when a resume extends the run);
- the spec's copy (`<space>.nas`): the space or genotype the run ran, as it was;
- `metrics.jsonl`, `metrics.csv`: one `EpochRecord` per epoch;
- `alphas.jsonl`: the architecture probabilities per epoch (search);
- `genotype.nas`, `genotype-top<k>.nas`: the derived genotype and the next best (search);
- `checkpoint.pt`: what a resume needs (`run/state.py`), every epoch;
- `backbone.pt`, `model.pt`: the final state dicts (backbone; framework and architecture);
- `summary.json`: epochs, steps and why the run stopped, at the end;
- `genotype.dot`: what `nasiam show` draws.

Torch-free: reading the config needs only JSON.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nasiam_dsl.usage import UsageProblem

__all__ = ["RunFiles"]


@dataclass(frozen=True)
class RunFiles:
    """The files of the run directory `dir` (see module docs)."""

    dir: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "dir", Path(self.dir))

    @property
    def config(self) -> Path:
        return self.dir / "config.json"

    @property
    def checkpoint(self) -> Path:
        return self.dir / "checkpoint.pt"

    @property
    def metrics(self) -> Path:
        return self.dir / "metrics.jsonl"

    @property
    def metrics_csv(self) -> Path:
        return self.dir / "metrics.csv"

    @property
    def alphas(self) -> Path:
        return self.dir / "alphas.jsonl"

    @property
    def genotype(self) -> Path:
        return self.dir / "genotype.nas"

    def ranked(self, rank: int) -> Path:
        """The genotype of rank `rank` (1: `genotype.nas`)."""
        return self.genotype if rank == 1 else self.dir / f"genotype-top{rank}.nas"

    @property
    def summary(self) -> Path:
        return self.dir / "summary.json"

    @property
    def backbone_weights(self) -> Path:
        return self.dir / "backbone.pt"

    @property
    def model_weights(self) -> Path:
        return self.dir / "model.pt"

    @property
    def graph(self) -> Path:
        return self.dir / "genotype.dot"

    def spec_copy(self, spec: str | Path) -> Path:
        """The run's own copy of the space or genotype `spec` it ran (what a resume reads)."""
        return self.dir / Path(spec).name

    def is_run(self) -> bool:
        """Whether `dir` is a run directory (it has its config)."""
        return self.config.is_file()

    def read_config(self) -> dict[str, Any]:
        """`config.json` as a mapping; a message naming the file when it is not one."""
        if not self.is_run():
            raise UsageProblem(
                f"{self.dir} is not a run directory (it has no {self.config.name})",
                "give the directory `nasiam search` or `nasiam train` wrote",
            )
        try:
            config = json.loads(self.config.read_text("utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise UsageProblem(f"{self.config}: not valid JSON ({e})") from None
        if not isinstance(config, dict):
            raise UsageProblem(f"{self.config}: expected a JSON object")
        return config

    def spec(self, config: dict[str, Any] | None = None) -> Path | None:
        """The copy of the spec the config names, when it is there."""
        spec = (config if config is not None else self.read_config()).get("spec")
        if isinstance(spec, str) and spec and self.spec_copy(spec).is_file():
            return self.spec_copy(spec)
        return None
