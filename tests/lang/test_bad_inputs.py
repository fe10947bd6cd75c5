"""The catalogue of bad input: every `tests/bad_inputs/NAME.nas` fails with the exact first
error recorded in `NAME.expected` (`LINE:COL: error: MESSAGE`), through the Python API,
through the CLI in-process, and through a real `python -m nasiam_dsl.cli check` process:
exit code 2, the compiler-style message, never a traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from nasiam_dsl.cli import main
from nasiam_dsl.lang import DSLError, check_or_raise, load, parse_file

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "tests" / "bad_inputs"
CASES = sorted(BAD.glob("*.nas"))
IDS = [p.stem for p in CASES]


def expected(path: Path) -> str:
    return path.with_suffix(".expected").read_text("utf-8").strip()


def first_error(path: Path) -> DSLError:
    with pytest.raises(DSLError) as info:
        doc = parse_file(path)
        check_or_raise(doc, path.read_text("utf-8-sig"), str(path))
    return info.value


def first_error_line(output: str) -> str | None:
    return next((line for line in output.splitlines() if ": error: " in line), None)


def test_catalogue_is_complete():
    assert len(CASES) >= 30
    assert {p.stem for p in CASES} == {p.stem for p in BAD.glob("*.expected")}
    for path in CASES:
        line = expected(path)
        assert "\n" not in line and ": error: " in line, path.name


@pytest.mark.parametrize("path", CASES, ids=IDS)
def test_api_reports_exact_first_error(path: Path):
    err = first_error(path)
    d = err.first
    assert d.severity == "error"
    assert d.pos is not None, "every bad input points at a line and column"
    assert f"{d.pos.line}:{d.pos.column}: error: {d.message}" == expected(path)


@pytest.mark.parametrize("path", CASES, ids=IDS)
def test_rendered_error_names_file_and_points_at_source(path: Path):
    err = first_error(path)
    text = str(err)
    assert text.splitlines()[0] == f"{path}:{expected(path)}"
    line = int(expected(path).split(":")[0])
    assert err.source is not None
    if line <= len(err.source.splitlines()):  # the source line, a caret under the culprit
        assert f"{line:>5} | " in text
        assert text.splitlines()[2].lstrip(" |").startswith("^")


@pytest.mark.parametrize("path", CASES, ids=IDS)
def test_load_raises_the_same_error(path: Path):
    with pytest.raises(DSLError) as info:
        load(path)
    d = info.value.first
    assert f"{d.pos.line}:{d.pos.column}: error: {d.message}" == expected(path)


@pytest.mark.parametrize("path", CASES, ids=IDS)
def test_cli_runner_exits_2_with_the_message(path: Path):
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert first_error_line(result.stderr) == f"{path}:{expected(path)}"


def _run_cli(path: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": "60", "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "nasiam_dsl.cli", "check", str(path.relative_to(ROOT))],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def subprocess_results() -> dict[str, subprocess.CompletedProcess]:
    """One real process per bad input, run a few at a time (each starts a fresh Python)."""
    with ThreadPoolExecutor(max_workers=max(2, min(8, os.cpu_count() or 2))) as pool:
        return dict(zip(IDS, pool.map(_run_cli, CASES), strict=True))


@pytest.mark.parametrize("path", CASES, ids=IDS)
def test_subprocess_exits_2_without_traceback(path: Path, subprocess_results):
    proc = subprocess_results[path.stem]
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output
    assert "Traceback" not in output
    rel = path.relative_to(ROOT)
    assert first_error_line(proc.stderr) == f"{rel}:{expected(path)}", output
