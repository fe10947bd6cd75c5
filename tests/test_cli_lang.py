"""The language commands of the CLI: `nasiam fmt`, `nasiam check`, `nasiam ops`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nasiam_dsl import registry
from nasiam_dsl.cli import main

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "spaces").rglob("*.nas"))

CANONICAL = """# a small space
space s for mocov2 {
  head projector(x: backbone) {  # the head
    h = linear(x, 512) | bn | relu
    z = linear(h, 128)  # output
  }
}
"""
MESSY = """# a small space
space s for mocov2{
    head projector( x : backbone ){   # the head
        h=linear(x,512)|bn|relu
      z = linear(h,128)   # output
}}
"""
WARNING = """space w {
  head predictor(x: 512) {
    h = linear(x, 256)
    p = choose(linear(x, 512), identity(x))
  }
}
"""
ERRORS = """space e {
  head projector(x: 512) {
    h = linear(x, 256) | gelu2
    z = linear(hh, 256)
  }
}
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


# ---- fmt ---------------------------------------------------------------------------------


def test_fmt_rewrites_in_place(tmp_path: Path):
    path = write(tmp_path, "messy.nas", MESSY)
    result = run("fmt", str(path))
    assert result.exit_code == 0, result.output
    assert path.read_bytes().decode() == CANONICAL
    assert f"reformatted {path}" in result.stdout
    again = run("fmt", str(path))
    assert again.exit_code == 0
    assert "1 file(s) left unchanged" in again.stdout
    assert not list(tmp_path.glob(".*nasiam-tmp")), "no temporary file is left behind"


def test_fmt_keeps_comments(tmp_path: Path):
    path = write(tmp_path, "messy.nas", MESSY)
    run("fmt", str(path))
    text = path.read_text()
    for comment in ("# a small space", "# the head", "# output"):
        assert comment in text


def test_fmt_check_lists_files_and_exits_1_without_writing(tmp_path: Path):
    messy = write(tmp_path, "messy.nas", MESSY)
    messy2 = write(tmp_path, "messy2.nas", MESSY.replace("space s", "space t"))
    clean = write(tmp_path, "clean.nas", CANONICAL)
    result = run("fmt", "--check", str(messy), str(clean), str(messy2))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [f"would reformat {messy}", f"would reformat {messy2}"]
    assert messy.read_text() == MESSY and messy2.read_text() == MESSY.replace("space s", "space t")


def test_fmt_check_passes_on_canonical_files(tmp_path: Path):
    clean = write(tmp_path, "clean.nas", CANONICAL)
    result = run("fmt", "--check", str(clean))
    assert result.exit_code == 0
    assert "would reformat" not in result.output


def test_fmt_check_on_shipped_spaces():
    result = run("fmt", "--check", *map(str, SHIPPED))
    assert result.exit_code == 0, result.output


def test_fmt_normalises_crlf_and_bom(tmp_path: Path):
    path = tmp_path / "crlf.nas"
    path.write_bytes(b"\xef\xbb\xbf" + CANONICAL.replace("\n", "\r\n").encode())
    assert run("fmt", "--check", str(path)).exit_code == 1
    assert run("fmt", str(path)).exit_code == 0
    assert path.read_bytes() == CANONICAL.encode()


def test_fmt_leaves_a_broken_file_alone_and_formats_the_rest(tmp_path: Path):
    broken = write(tmp_path, "broken.nas", "space s { head p(x: 8) { z = linear(x 8) } }")
    messy = write(tmp_path, "messy.nas", MESSY)
    result = run("fmt", str(broken), str(messy))
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{broken}:1:39: error: unexpected '8'" in result.stderr
    assert broken.read_text() == "space s { head p(x: 8) { z = linear(x 8) } }"
    assert messy.read_text() == CANONICAL


def test_fmt_needs_a_file():
    result = run("fmt")
    assert result.exit_code == 2
    assert "Missing argument" in result.output


# ---- check -------------------------------------------------------------------------------


def test_check_ok(tmp_path: Path):
    path = write(tmp_path, "ok.nas", CANONICAL)
    result = run("check", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == f"{path}: ok, space 's'"
    assert result.stderr == ""


def test_check_shipped_spaces_ok():
    result = run("check", "--backbone-dim", "2048", *map(str, SHIPPED))
    assert result.exit_code == 0, result.output
    assert result.stdout.count(": ok, ") == len(SHIPPED)


def test_check_warnings_pass_but_are_shown(tmp_path: Path):
    path = write(tmp_path, "warn.nas", WARNING)
    result = run("check", str(path))
    assert result.exit_code == 0
    assert f"{path}: ok, space 'w' (2 warning(s))" in result.stdout
    assert f"{path}:2:3: warning: head 'predictor' can become parameter-free" in result.stderr
    assert f"{path}:3:5: warning: node 'h' is never used" in result.stderr


def test_check_strict_turns_warnings_into_failure(tmp_path: Path):
    path = write(tmp_path, "warn.nas", WARNING)
    result = run("check", "--strict", str(path))
    assert result.exit_code == 2
    assert ": ok" not in result.stdout
    assert "warning: node 'h' is never used" in result.stderr


def test_check_errors_lists_all_and_exits_2(tmp_path: Path):
    path = write(tmp_path, "err.nas", ERRORS)
    result = run("check", str(path))
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if line.startswith(str(path))]
    assert lines == [
        f"{path}:3:5: warning: node 'h' is never used",
        f"{path}:3:26: error: unknown op 'gelu2'",
        f"{path}:4:16: error: undefined name 'hh'",
    ]
    assert "did you mean 'gelu'" in result.stderr
    assert "Traceback" not in result.output


def test_check_refuses_a_document_its_framework_cannot_use(tmp_path: Path):
    """What `search` and `train` refuse about `for FRAMEWORK`, `check` refuses first."""
    missing = write(tmp_path, "missing.nas", CANONICAL.replace("for mocov2", "for simsiam"))
    extra = write(
        tmp_path,
        "extra.nas",
        CANONICAL.replace("head projector", "head predictor(x: projector) { p = linear(x, 8) }\n"
                          "  head projector"),
    )  # fmt: skip
    unknown = write(tmp_path, "unknown.nas", CANONICAL.replace("for mocov2", "for simsam"))
    result = run("check", str(missing), str(extra), str(unknown))
    assert result.exit_code == 2 and result.stdout == ""
    assert (
        f"{missing}:3:3: error: space 's': no head 'predictor', which framework simsiam needs "
        "(slots: projector, predictor)"
    ) in result.stderr
    assert "help: add `head predictor(...) { ... }`, or pick another framework" in result.stderr
    assert (
        f"{extra}:3:3: error: space 's': head 'predictor' is not a slot of framework mocov2 "
        "(slots: projector)"
    ) in result.stderr
    assert f"{unknown}:1:1: error: unknown framework 'simsam'; did you mean 'simsiam'?" in (
        result.stderr
    )


def test_check_goes_on_after_a_bad_file(tmp_path: Path):
    bad = write(tmp_path, "bad.nas", "space s {")
    good = write(tmp_path, "good.nas", CANONICAL)
    result = run("check", str(bad), str(good))
    assert result.exit_code == 2
    assert f"{good}: ok" in result.stdout
    assert f"{bad}:1:10: error: unexpected end of file" in result.stderr


def test_check_backbone_dim_resolves_backbone_widths(tmp_path: Path):
    text = CANONICAL.replace("z = linear(h, 128)", "z = sum(h, x)")
    path = write(tmp_path, "dim.nas", text)
    assert run("check", str(path)).exit_code == 0
    assert run("check", "--backbone-dim", "512", str(path)).exit_code == 0
    result = run("check", "--backbone-dim", "2048", str(path))
    assert result.exit_code == 2
    assert "width mismatch: inputs of sum have widths 512, 2048" in result.stderr


def test_check_backbone_dim_must_be_positive(tmp_path: Path):
    path = write(tmp_path, "ok.nas", CANONICAL)
    result = run("check", "--backbone-dim", "0", str(path))
    assert result.exit_code == 2
    assert "--backbone-dim" in result.output


def test_check_missing_file(tmp_path: Path):
    path = tmp_path / "nope.nas"
    result = run("check", str(path))
    assert result.exit_code == 2
    assert f"{path}:1:1: error: cannot read file" in result.stderr
    assert "Traceback" not in result.output


def test_long_diagnostics_are_not_wrapped(tmp_path: Path):
    deep = tmp_path / ("a_rather_long_directory_name_" * 3)
    deep.mkdir()
    node = "z = linear(hh, 256) | bn | relu | linear(256) | bn | relu | linear(256) | bn | relu"
    path = write(deep, "err.nas", ERRORS.replace("z = linear(hh, 256)", node))
    result = run("check", str(path))
    first = f"{path}:4:16: error: undefined name 'hh'"
    assert len(first) > 120
    assert first in result.stderr.splitlines()
    assert f"    4 |     {node}" in result.stderr.splitlines()


# ---- ops ---------------------------------------------------------------------------------


def test_ops_lists_every_registry_op():
    result = run("ops")
    assert result.exit_code == 0
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines() if "│" in line}
    for spec in registry.all_ops():
        assert spec.name in rows, spec.name
        assert f" {spec.kind} " in rows[spec.name]


def test_ops_lists_a_registered_activation(monkeypatch):
    monkeypatch.setattr(registry, "_OPS", dict(registry._OPS))
    registry.register_activation("squareplus", factory=lambda: None, doc="x + sqrt(x^2 + b)")
    assert "squareplus" in run("ops").stdout


# ---- a real process ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [(CANONICAL, 0), (WARNING, 0), (ERRORS, 2)])
def test_python_dash_m_cli(tmp_path: Path, text: str, code: int):
    path = write(tmp_path, "f.nas", text)
    proc = subprocess.run(
        [sys.executable, "-m", "nasiam_dsl.cli", "check", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
