"""What an export reads from a finished run directory, checked with messages naming the path.

A run directory holds `config.json`, the spec it ran (a space for a search, the genotype for
`nasiam train`), `genotype.nas` after a search, and the final weights `backbone.pt` (the
backbone's state dict) and `model.pt` (framework and architecture weights). Only the config
keys an export needs are read, so configs of other nasiam versions still export.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from torch import Tensor

from nasiam_dsl.lang import ast, check_or_raise, parse_file
from nasiam_dsl.lang.parser import read_source
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.usage import UsageProblem

__all__ = ["FinishedRun", "RunRecord", "read_run"]


class DataRecord(BaseModel):
    model_config = ConfigDict(extra="ignore")

    dataset: str = "embedded"
    data_dir: str | None = None
    image_size: int | None = None


class RunRecord(BaseModel):
    """The parts of a run's `config.json` an export reads (other keys are ignored)."""

    model_config = ConfigDict(extra="ignore")

    command: Literal["search", "train"]
    spec: str
    framework: str = "simsiam"
    backbone: str = "small_cnn"
    backbone_options: dict[str, Any] = Field(default_factory=dict)
    data: DataRecord = DataRecord()
    seed: int = 0


@dataclass
class FinishedRun:
    """A run directory's config, final weights and genotype (and space, after a search)."""

    run_dir: Path
    record: RunRecord
    backbone_state: dict[str, Tensor]
    model_state: dict[str, Tensor]
    genotype: ast.Document
    genotype_path: Path
    genotype_text: str
    space: ast.Document | None  # the searched space; None for a trained genotype


def _weights(path: Path, run_dir: Path) -> dict[str, Tensor]:
    if not path.is_file():
        raise UsageProblem(
            f"{run_dir} holds no final weights ({path.name} is missing): the run has not finished",
            "resume the run to its end, then export it",
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # a torn or foreign file: say which, not why torch choked
        raise UsageProblem(f"cannot read {path}: {type(e).__name__}: {e}") from None
    if not isinstance(state, dict):
        raise UsageProblem(f"{path} is not a state dict (it holds a {type(state).__name__})")
    return state


def _record(run_dir: Path) -> RunRecord:
    if not run_dir.is_dir():
        raise UsageProblem(f"{run_dir}: no such run directory")
    path = RunFiles(run_dir).config
    if not path.is_file():
        raise UsageProblem(
            f"{run_dir} is not a nasiam run directory (no {path.name})",
            "pass the directory a `nasiam search` or `nasiam train` run wrote",
        )
    try:
        return RunRecord.model_validate_json(path.read_text("utf-8"))
    except (ValidationError, ValueError) as e:
        first = str(e).splitlines()[0]
        raise UsageProblem(f"{path}: not a nasiam run config ({first})") from None


def _document(path: Path, what: str) -> ast.Document:
    """The document at `path`, checked: an edited copy's errors name the file."""
    if not path.is_file():
        raise UsageProblem(f"{path.parent} has no {what} ({path.name} is missing)")
    doc = parse_file(path)
    check_or_raise(doc, read_source(path), str(path))
    return doc


def read_run(run_dir: Path) -> FinishedRun:
    """Read and check everything an export needs from `run_dir`.

    Raises `UsageProblem` (naming the path) for a missing directory, a directory that is not
    a run, a run without final weights, or a missing genotype.
    """
    run_dir = Path(run_dir)
    files = RunFiles(run_dir)
    record = _record(run_dir)
    backbone_state = _weights(files.backbone_weights, run_dir)
    model_state = _weights(files.model_weights, run_dir)
    spec_copy = files.spec_copy(record.spec)
    if record.command == "search":
        space = _document(spec_copy, "copy of the searched space")
        genotype_path = files.genotype
    else:
        space, genotype_path = None, spec_copy
    genotype = _document(genotype_path, "genotype")
    return FinishedRun(
        run_dir,
        record,
        backbone_state,
        model_state,
        genotype,
        genotype_path,
        read_source(genotype_path),
        space,
    )
