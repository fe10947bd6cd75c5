"""`export_run`: a finished run's backbone and heads as files plain PyTorch code can use.

The folder gets the backbone (torchvision weights and recipe, or a `torch.export` program),
`load_backbone.py`, `normalization.json`, `heads.py` with `heads_state_dict.pt`, the genotype
and a README. Every file is written atomically; nothing in the run directory changes.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from nasiam_dsl.export.backbone import PROGRAM, SOURCE, STATE_DICT, export_backbone
from nasiam_dsl.export.heads_source import heads_source
from nasiam_dsl.export.loader_source import LOADER_FILE, LOADER_SOURCE
from nasiam_dsl.export.normalization import normalization
from nasiam_dsl.export.readme import readme
from nasiam_dsl.export.rundir import RunRecord, read_run
from nasiam_dsl.export.trained_heads import trained_heads
from nasiam_dsl.files import atomic_write_bytes
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.usage import UsageProblem

__all__ = ["EXPORT_FILES", "ExportResult", "export_run"]

GENOTYPE = RunFiles(Path()).genotype.name  # the run's genotype, copied under its own name

# every name an export may write (a re-export removes those it no longer writes)
EXPORT_FILES = (
    STATE_DICT,
    SOURCE,
    PROGRAM,
    "backbone.json",
    LOADER_FILE,
    "normalization.json",
    "heads.py",
    "heads_state_dict.pt",
    GENOTYPE,
    "README.md",
)


@dataclass(frozen=True)
class ExportResult:
    """What `export_run` wrote."""

    folder: Path
    files: tuple[str, ...]  # file names inside `folder`, in writing order
    backbone_format: str  # "torchvision" or "torch.export"
    feature_dim: int
    heads: dict[str, str]  # head name -> class name in heads.py
    sequential: dict[str, bool]  # head name -> written as an nn.Sequential


def _dataset_info(record: RunRecord):
    from nasiam_dsl.data.datasets import run_dataset_info

    data = record.data
    return run_dataset_info(data.dataset, data.data_dir, data.image_size)


def _prepare(to: Path, overwrite: bool) -> None:
    if to.exists() and not to.is_dir():
        raise UsageProblem(f"{to} exists and is not a directory")
    if to.is_dir() and any(to.iterdir()) and not overwrite:
        raise UsageProblem(
            f"{to} is not empty",
            "choose a new folder, or overwrite an earlier export (--force; overwrite=True)",
        )
    try:
        to.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UsageProblem(f"cannot create {to}: {e.strerror or e}") from None


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _torch_bytes(state: dict[str, torch.Tensor]) -> bytes:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def export_run(
    run_dir: Path, to: Path, *, overwrite: bool = False, program: bool = False
) -> ExportResult:
    """Export the run in `run_dir` into the folder `to` (created; must be empty unless
    `overwrite`); `program`: the backbone as a `torch.export` program whatever it is.

    Raises `UsageProblem` naming the path for a missing or foreign run directory, a run
    without final weights, a backbone torch.export cannot trace, or a head op that is not a
    standard PyTorch module.
    """
    run_dir, to = Path(run_dir), Path(to)
    files = read_run(run_dir)
    info = _dataset_info(files.record)
    backbone = export_backbone(
        files.record, files.backbone_state, info.channels, info.image_size, program=program
    )
    net = trained_heads(files, backbone.feature_dim)
    doc = files.genotype
    title = f"Heads of genotype '{doc.name}' from {files.record.framework} run {run_dir.name}."
    heads = heads_source(net, title)
    norm = normalization(info)
    head_inputs = {
        name: (src if isinstance(src, str) and src in net.heads else None)
        for name, src in net.sources.items()
    }
    outputs: dict[str, bytes] = {
        **backbone.files,
        "backbone.json": _json(backbone.recipe).encode(),
        LOADER_FILE: LOADER_SOURCE.encode(),
        "normalization.json": _json(norm).encode(),
        "heads.py": heads.text.encode(),
        "heads_state_dict.pt": _torch_bytes(heads.state_dict),
        GENOTYPE: files.genotype_text.encode(),
        "README.md": readme(
            title=f"{run_dir.name}: backbone and heads as plain PyTorch",
            recipe=backbone.recipe,
            norm=norm,
            head_inputs=head_inputs,
        ).encode(),
    }
    _prepare(to, overwrite)
    for name in EXPORT_FILES:
        if name not in outputs:
            (to / name).unlink(missing_ok=True)
    for name, data in outputs.items():
        atomic_write_bytes(to / name, data)
    return ExportResult(
        folder=to,
        files=tuple(outputs),
        backbone_format=backbone.recipe["format"],
        feature_dim=backbone.feature_dim,
        heads=heads.classes,
        sequential=heads.sequential,
    )
