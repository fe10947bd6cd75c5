"""Reading a run directory back: config, spec copy, genotype, alphas and metrics.

Every problem names the file (and line) it comes from and is a `UsageProblem`, so the
CLI shows it without a traceback. A last line cut short by a killed run (no newline at
the end of the file) is skipped, not an error: the run may still be writing.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from nasiam_dsl.lang import DSLError, ast, parse
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.run.record import EpochRecord
from nasiam_dsl.usage import UsageProblem

__all__ = ["RunDir", "load_run", "read_jsonl"]


@dataclass(frozen=True)
class RunDir:
    """What a run directory holds, parsed. Absent files give None / empty lists."""

    path: Path
    config: dict[str, Any]
    spec: ast.Document | None = None
    genotype: ast.Document | None = None
    alphas: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[EpochRecord] = field(default_factory=list)  # `metrics.jsonl`, typed

    @property
    def space(self) -> ast.Document | None:
        """The searched space (the spec copy when it is a space)."""
        return self.spec if self.spec is not None and self.spec.kind == "space" else None

    @property
    def seed(self) -> int | None:
        seed = self.config.get("seed")
        return seed if isinstance(seed, int) else None

    def final_probabilities(self) -> dict[str, list[float]]:
        """The architecture probabilities of the last `alphas.jsonl` line ({} if none)."""
        return dict(self.alphas[-1]["probabilities"]) if self.alphas else {}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """The JSON objects of a `.jsonl` file, one per line; bad lines name `file:line`."""
    return [record for _, record in _numbered_jsonl(path)]


def _numbered_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageProblem(f"{path}: cannot be read ({e})") from None
    lines = text.split("\n")
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            if number == len(lines):  # no newline after it: a write cut short
                continue
            raise UsageProblem(
                f"{path}:{number}: not a JSON line ({e.msg})",
                "the file is corrupt; fix or remove that line",
            ) from None
        if not isinstance(record, dict):
            raise UsageProblem(f"{path}:{number}: expected a JSON object, found {line[:40]!r}")
        records.append((number, record))
    return records


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _alphas(path: Path) -> list[dict[str, Any]]:
    records = _numbered_jsonl(path)
    for line, record in records:
        probs = record.get("probabilities")
        ok = isinstance(probs, dict) and all(
            isinstance(v, list) and v and all(_number(x) for x in v) for v in probs.values()
        )
        if not ok or not _number(record.get("epoch", 0)):
            raise UsageProblem(
                f"{path}:{line}: not an architecture record "
                '({"epoch", "step", "probabilities": {key: [p0, p1, ...]}})'
            )
    return [record for _, record in records]


def _metrics(path: Path) -> list[EpochRecord]:
    """The typed records of a `metrics.jsonl` (the loop's `EpochRecord`)."""
    found = []
    for line, record in _numbered_jsonl(path):
        if not _number(record.get("epoch")):
            raise UsageProblem(f"{path}:{line}: a metrics record without a numeric 'epoch'")
        try:
            found.append(EpochRecord.from_line(record))
        except ValidationError as e:
            error = e.errors()[0]
            where = ".".join(str(x) for x in error["loc"])
            raise UsageProblem(
                f"{path}:{line}: bad metrics value '{where}': {error['msg']}"
            ) from None
    return found


def _parse(path: Path) -> ast.Document:
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise UsageProblem(f"{path}: cannot be read ({e})") from None
    try:
        return parse(text, str(path))
    except DSLError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else "syntax error"
        raise UsageProblem(
            f"{path}: not valid nasiam text: {first}", f"`nasiam check {path}` shows why"
        ) from None


def load_run(path: str | Path) -> RunDir:
    """Read a run directory; raise `UsageProblem` if it is not one or a file is corrupt."""
    path = Path(path)
    if not path.is_dir():
        raise UsageProblem(
            f"{path}: no such directory" if not path.exists() else f"{path}: not a directory",
            "give a run directory, the one `nasiam search` printed (runs/...)",
        )
    files = RunFiles(path)
    config = files.read_config()
    spec_path = files.spec(config)
    spec = _parse(spec_path) if spec_path is not None else None
    genotype = _parse(files.genotype) if files.genotype.is_file() else None
    if genotype is not None and genotype.kind != "genotype":
        raise UsageProblem(f"{files.genotype}: is a {genotype.kind}, not a genotype")
    alphas = _alphas(files.alphas) if files.alphas.is_file() else []
    metrics = _metrics(files.metrics) if files.metrics.is_file() else []
    return RunDir(path, config, spec, genotype, alphas, metrics)
