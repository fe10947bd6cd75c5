"""The drawing is the code: docs/architecture.md's rooms table against the package's imports,
and its four "How to add" recipes followed on a copy of the package."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nasiam_dsl"
DOC = ROOT / "docs" / "architecture.md"
ROOT_ROOM = "(root)"


def _room_of(module: str) -> str:
    """The room of a dotted module name: its first part below the package."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ROOT_ROOM


def _module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    relative = Path(*dotted.split(".")[1:])
    return (PACKAGE / relative).is_dir() or (PACKAGE / relative).with_suffix(".py").is_file()


def imports_of(path: Path) -> set[str]:
    """Every package module `path` imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("nasiam_dsl"))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not node.module.startswith("nasiam_dsl"):
                continue
            for alias in node.names:  # `from nasiam_dsl.x import y`: y may be a module
                inner = f"{node.module}.{alias.name}"
                found.add(inner if _is_module(inner) else node.module)
    return found


def allowed_imports() -> dict[str, tuple[set[str], set[str]]]:
    """Room -> (rooms, single modules) it may import, read from the doc's rooms table."""
    text = DOC.read_text("utf-8")
    table = text[text.index("| room | holds | may import |") :].split("\n\n", 1)[0]
    allowed: dict[str, tuple[set[str], set[str]]] = {}
    for row in table.splitlines()[2:]:
        cells = [c.strip() for c in row.strip("|").split(" | ")]
        rooms = re.findall(r"`([^`]+)`", cells[0]) or [cells[0]]
        named = re.findall(r"`([a-z_.]+)`", cells[-1])
        whole = {n for n in named if "." not in n}
        single = {f"nasiam_dsl.{n}" for n in named if "." in n}
        for room in rooms:
            allowed[room] = (whole, single)
    return allowed


def test_every_import_is_one_the_rooms_table_allows() -> None:
    allowed = allowed_imports()
    rooms = {p.stem if p.is_file() else p.name for p in PACKAGE.iterdir()} - {"__pycache__"}
    rooms = {r for r in rooms if not r.startswith("_")} | {ROOT_ROOM}
    assert rooms - {"grammars", "spaces"} <= set(allowed), "rooms the table does not list"
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_of(path)
        room = _room_of(module)
        whole, single = allowed[room]
        for target in sorted(imports_of(path)):
            there = _room_of(target)
            ok = (
                there == room
                or there in whole
                or any(target == s or target.startswith(s + ".") for s in single)
            )
            if not ok:
                wrong.append(f"{module} imports {target} ({room} -> {there})")
    assert not wrong, "imports docs/architecture.md does not allow:\n" + "\n".join(wrong)


@pytest.mark.parametrize(
    "module", ["nasiam_dsl.lang", "nasiam_dsl.membership", "nasiam_dsl.pin", "nasiam_dsl.interop"]
)
def test_the_language_rooms_import_no_torch(module: str) -> None:
    code = f"import sys, {module}; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.stdout.strip() == "False", done.stdout + done.stderr


def test_the_search_engine_knows_nothing_of_frameworks_or_runs() -> None:
    for path in (PACKAGE / "search").rglob("*.py"):
        rooms = {_room_of(t) for t in imports_of(path)}
        assert not rooms & {"frameworks", "run", "data", "backbones", "api", "cli"}, path


# ---- the four recipes of "How to add a framework, an op, a sampler or a dataset" ----------

BLOCK = re.compile(r"```(?:python|nasiam)\n# file: (\S+) \(([^)]*)\)\n(.*?)```", re.S)
OPS_END = "):\n    register_op(_spec)"  # the end of the tuple of built-in ops


def recipes() -> list[tuple[str, str, str]]:
    text = DOC.read_text("utf-8")
    section = text[text.index("## How to add a framework") :]
    return [(path, how, body) for path, how, body in BLOCK.findall(section)]


def test_the_recipes_name_one_file_each() -> None:
    files = [path for path, _, _ in recipes()]
    python = [f for f in files if f.endswith(".py")]
    assert len(python) == 4 and len(set(python)) == 4  # a framework, an op, a sampler, a dataset
    assert {Path(f).parent.name for f in python} == {"frameworks", "nasiam_dsl", "search", "data"}


def _follow(tree: Path) -> None:
    for path, how, body in recipes():
        target = tree / path
        if how == "new":
            assert not target.exists(), f"{path} is not new"
            target.write_text(body, "utf-8")
        elif how.startswith("one class"):
            target.write_text(target.read_text("utf-8") + "\n\n" + body, "utf-8")
        else:  # one entry of the tuple of built-in ops
            text = target.read_text("utf-8")
            assert text.count(OPS_END) == 1
            target.write_text(text.replace(OPS_END, body + OPS_END), "utf-8")


SPACE = """space tiny for cosinesiam {
  head projector(x: backbone) {
    h = linear(x, 16) | act{relu, softsign}
    z = linear(h, 16)
  }
  head predictor(z: projector) {
    p = linear(z, 16)
  }
}
"""


def test_following_the_recipes_adds_four_names_the_cli_runs(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    ignore = shutil.ignore_patterns("__pycache__")
    for folder in ("nasiam_dsl", "grammars", "spaces"):
        shutil.copytree(ROOT / folder, tree / folder, ignore=ignore)
    _follow(tree)
    (tmp_path / "tiny.nas").write_text(SPACE, "utf-8")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    small = ["--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "32", "--knn-k", "5"]
    small += ["--backbone-options", '{"width": 4}', "--device", "cpu", "--out", str(tmp_path)]

    def nasiam(*args: str) -> str:
        command = [sys.executable, "-m", "nasiam_dsl.cli", *args]
        done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=env)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    searched = nasiam(
        "search", "tiny.nas", "--framework", "cosinesiam", "--dataset", "noise",
        "--sampler", "sparsemax", *small,
    )  # fmt: skip
    assert "softsign" in searched and "projector.h.act" in searched
    trained = nasiam("train", "--framework", "cosinesiam", "--dataset", "noise", *small)
    assert "kNN" in trained
    assert "cosinesiam" in nasiam("frameworks")
    assert "softsign" in nasiam("ops")
