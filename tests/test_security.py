"""Security: no code from data, no unsafe deserialisation, and a language that cannot act.

The package is scanned with the `ast` module (not grep), so aliases (`import torch as t`,
`from importlib import import_module`) and keyword arguments are seen for what they are.
Each rule's scanner is first shown a snippet that breaks it, so a rule cannot pass by
finding nothing.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import io
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from nasiam_dsl.lang import DSLError, check_or_raise, parse

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nasiam_dsl"
SOURCES = sorted(PACKAGE.rglob("*.py"))

PLUGIN_LOADER = ("nasiam_dsl/names.py", "import_module")  # the one dynamic import
# where the package lists its own modules, to import each through the loader above
BUILTIN_LISTING = ("nasiam_dsl/names.py", "import_builtins")
# an export folder's own loader script imports the model file the export wrote beside it
# (as a user imports its heads.py): code of that folder, never of a downloaded checkpoint
EXPORT_LOADER = ("nasiam_dsl/export/load_backbone.py", "_source")
SUBPROCESS_ALLOWED = {"nasiam_dsl/show/dot.py"}  # runs Graphviz `dot` with an argument list


# ---- the scanner ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    path: str
    line: int
    function: str | None
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} ({self.function or 'module'}): {self.what}"


class _Scan(ast.NodeVisitor):
    """Calls (by their fully qualified name, aliases resolved) and imports of one module."""

    def __init__(self, path: str):
        self.path = path
        self.aliases: dict[str, str] = {}
        self.calls: list[tuple[str, ast.Call, str | None]] = []
        self.imports: list[tuple[str, int, str | None]] = []
        self.function: list[str] = []

    # imports bind names to qualified names
    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            self.imports.append((a.name, node.lineno, self._where()))
            if a.asname:
                self.aliases[a.asname] = a.name
            else:
                self.aliases.setdefault(a.name.split(".")[0], a.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        for a in node.names:
            self.imports.append(
                (f"{module}.{a.name}" if module else a.name, node.lineno, self._where())
            )
            self.aliases[a.asname or a.name] = f"{module}.{a.name}"

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.function.append(node.name)
        self.generic_visit(node)
        self.function.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        name = self.qualified(node.func)
        if name:
            self.calls.append((name, node, self._where()))
        self.generic_visit(node)

    def _where(self) -> str | None:
        return self.function[0] if self.function else None

    def qualified(self, expr: ast.expr) -> str | None:
        parts: list[str] = []
        while isinstance(expr, ast.Attribute):
            parts.append(expr.attr)
            expr = expr.value
        if not isinstance(expr, ast.Name):
            return None
        head = self.aliases.get(expr.id, expr.id)
        return ".".join([head, *reversed(parts)])


def scan(source: str, path: str = "<snippet>") -> _Scan:
    s = _Scan(path)
    s.visit(ast.parse(source, path))
    return s


@pytest.fixture(scope="module")
def package() -> list[_Scan]:
    return [scan(p.read_text("utf-8"), str(p.relative_to(ROOT))) for p in SOURCES]


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_true(expr: ast.expr | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is True


# ---- the rules (each returns its hits) -----------------------------------------------------

CODE_FROM_TEXT = {"eval", "exec", "compile", "builtins.eval", "builtins.exec", "builtins.compile"}
UNSAFE_MODULES = {
    "pickle",
    "cPickle",
    "_pickle",
    "dill",
    "marshal",
    "shelve",
    "cloudpickle",
    "joblib",
    "jsonpickle",
}
DYNAMIC_IMPORTS = {
    "__import__",
    "builtins.__import__",
    "importlib.import_module",
    "importlib.__import__",
    "importlib.util.spec_from_file_location",
    "importlib.util.module_from_spec",
    "importlib.machinery.SourceFileLoader",
    "runpy.run_path",
    "runpy.run_module",
    "imp.load_source",
    "pkgutil.iter_modules",
    "importlib.metadata.entry_points",
}
SHELLS = {
    "os.system",
    "os.popen",
    "os.execv",
    "os.execve",
    "os.execvp",
    "os.execl",
    "os.spawnv",
    "os.spawnl",
    "os.posix_spawn",
    "pty.spawn",
    "commands.getoutput",
}
SAFE_YAML_LOADERS = {"SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"}


def code_from_text(s: _Scan) -> Iterator[Hit]:
    for name, call, fn in s.calls:
        if name in CODE_FROM_TEXT and name.split(".")[-1] not in s.aliases:
            yield Hit(s.path, call.lineno, fn, f"{name}(...)")


def unsafe_deserialisers(s: _Scan) -> Iterator[Hit]:
    for name, line, fn in s.imports:
        if name.split(".")[0] in UNSAFE_MODULES:
            yield Hit(s.path, line, fn, f"import {name}")


def torch_load_without_weights_only(s: _Scan) -> Iterator[Hit]:
    for name, call, fn in s.calls:
        if name in ("torch.load", "torch.serialization.load") and not _is_true(
            _keyword(call, "weights_only")
        ):
            yield Hit(s.path, call.lineno, fn, f"{name}(...) without weights_only=True")


def unsafe_yaml(s: _Scan) -> Iterator[Hit]:
    for name, call, fn in s.calls:
        if name in (
            "yaml.unsafe_load",
            "yaml.full_load",
            "yaml.unsafe_load_all",
            "yaml.full_load_all",
        ):
            yield Hit(s.path, call.lineno, fn, f"{name}(...)")
        elif name in ("yaml.load", "yaml.load_all"):
            loader = _keyword(call, "Loader") or (call.args[1] if len(call.args) > 1 else None)
            text = ast.unparse(loader) if loader is not None else ""
            if text.split(".")[-1] not in SAFE_YAML_LOADERS:
                yield Hit(s.path, call.lineno, fn, f"{name}(...) without SafeLoader")


def dynamic_imports(s: _Scan) -> Iterator[Hit]:
    for name, call, fn in s.calls:
        if name in DYNAMIC_IMPORTS and (s.path, fn) not in (
            PLUGIN_LOADER,
            BUILTIN_LISTING,
            EXPORT_LOADER,
        ):
            yield Hit(s.path, call.lineno, fn, f"{name}(...) outside the plugin loader")


def numpy_pickles(s: _Scan) -> Iterator[Hit]:
    for name, call, fn in s.calls:
        if name in ("numpy.load", "np.load") and _is_true(_keyword(call, "allow_pickle")):
            yield Hit(s.path, call.lineno, fn, f"{name}(..., allow_pickle=True)")


def shells(s: _Scan) -> Iterator[Hit]:
    for name, call, fn in s.calls:
        if name in SHELLS:
            yield Hit(s.path, call.lineno, fn, f"{name}(...)")
        elif name.startswith("subprocess."):
            if _is_true(_keyword(call, "shell")):
                yield Hit(s.path, call.lineno, fn, f"{name}(..., shell=True)")
            elif s.path not in SUBPROCESS_ALLOWED:
                yield Hit(s.path, call.lineno, fn, f"{name}(...) outside {SUBPROCESS_ALLOWED}")


RULES = {
    "eval/exec/compile": (
        code_from_text,
        "x = eval(text)\nexec(code)\nimport builtins\nbuiltins.compile(src, 'f', 'exec')\n",
        3,
    ),
    "pickle/dill/marshal": (
        unsafe_deserialisers,
        "import pickle\nfrom dill import loads\nimport marshal as m\nimport cPickle\n",
        4,
    ),
    "torch.load weights_only": (
        torch_load_without_weights_only,
        "import torch as t\nfrom torch import load\nt.load(p)\n"
        "load(p, weights_only=False)\ntorch.load(p, map_location='cpu')\n"
        "import torch\ntorch.load(p, weights_only=True)\n",
        3,
    ),
    "yaml.load": (
        unsafe_yaml,
        "import yaml\nyaml.load(s)\nyaml.load(s, Loader=yaml.Loader)\n"
        "yaml.full_load(s)\nyaml.load(s, Loader=yaml.SafeLoader)\n"
        "yaml.safe_load(s)\n",
        3,
    ),
    "dynamic imports": (
        dynamic_imports,
        "import importlib\nfrom importlib import import_module\n"
        "importlib.import_module(n)\nimport_module(n)\n"
        "__import__(n)\nimport importlib.util\n"
        "importlib.util.spec_from_file_location(n, p)\n",
        4,
    ),
    "numpy allow_pickle": (
        numpy_pickles,
        "import numpy as np\nnp.load(p, allow_pickle=True)\nnp.load(p)\n",
        1,
    ),
    "shells": (
        shells,
        "import os, subprocess\nos.system(c)\nsubprocess.run(c, shell=True)\n"
        "subprocess.check_output(['ls'])\nfrom os import popen\npopen(c)\n",
        4,
    ),
}


@pytest.mark.parametrize("rule", RULES)
def test_the_scanner_catches_what_the_rule_forbids(rule: str):
    find, snippet, expected = RULES[rule]
    hits = list(find(scan(snippet)))
    assert len(hits) == expected, [str(h) for h in hits]


@pytest.mark.parametrize("rule", RULES)
def test_the_package_breaks_no_rule(rule: str, package: list[_Scan]):
    find = RULES[rule][0]
    hits = [str(h) for s in package for h in find(s)]
    assert hits == []


def test_the_scan_covers_the_whole_package(package: list[_Scan]):
    paths = {s.path for s in package}
    assert len(paths) > 50
    for must in (
        "nasiam_dsl/names.py",
        "nasiam_dsl/run/checkpoint.py",
        "nasiam_dsl/cli/__init__.py",
        "nasiam_dsl/lang/parser.py",
    ):
        assert must in paths
    # the rules see the loads that exist: checkpoints and evaluation use weights_only=True
    loads = [(s.path, name) for s in package for name, _, _ in s.calls if name == "torch.load"]
    assert ("nasiam_dsl/run/checkpoint.py", "torch.load") in loads
    imports = [
        (s.path, fn)
        for s in package
        for name, _, fn in s.calls
        if name == "importlib.import_module"
    ]
    assert imports == [PLUGIN_LOADER]


# ---- plugins load only from an explicit `module:Attr` ----------------------------------------


@pytest.fixture
def imports_seen(monkeypatch) -> list[str]:
    seen: list[str] = []
    real = importlib.import_module

    def spy(name, package=None):
        seen.append(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", spy)
    return seen


@pytest.mark.parametrize(
    "path", ["os.system", "os", "", ":system", "os:", "os system", "__import__", "os/system"]
)
def test_import_object_refuses_anything_but_module_colon_attr(path: str, imports_seen):
    from nasiam_dsl.names import import_object

    with pytest.raises(ValueError, match="module:Attr"):
        import_object(path)
    assert imports_seen == []


def test_import_object_loads_an_explicit_plugin(imports_seen):
    from collections import OrderedDict

    from nasiam_dsl.names import import_object

    assert import_object("collections:OrderedDict") is OrderedDict
    assert imports_seen == ["collections"]


def test_registries_import_nothing_for_a_plain_name(imports_seen):
    from nasiam_dsl.backbones import build_backbone
    from nasiam_dsl.frameworks.registry import get_framework
    from nasiam_dsl.names import UnknownNameError

    get_framework("simsiam")  # the registries import their own built-in modules once
    build_backbone("small_cnn", in_channels=1)
    imports_seen.clear()  # importing the registries imports torch's own modules
    for name in ("os.system", "subprocess", "__import__", "builtins.eval"):
        with pytest.raises(UnknownNameError):
            get_framework(name)
        with pytest.raises(UnknownNameError):
            build_backbone(name)
    assert imports_seen == []
    with pytest.raises(TypeError, match="not a Framework subclass"):
        get_framework("os:getcwd")  # explicit, so imported, then refused for its type
    assert imports_seen == ["os"]


# ---- the language cannot run code or read files ----------------------------------------------

EVIL = {
    "let set of __import__": "space s {{ let x = {{__import__}}\n"
    "  head projector(x: 8) {{ z = linear(x, 8) | act(x) }} }}",
    "dotted os.system": "space s {{ head projector(x: 8) {{ z = x | os.system }} }}",
    "os:system as an op": "space s {{ head projector(x: 8) {{ z = x | os:system }} }}",
    "__import__ call": "space s {{ head projector(x: 8) {{ "
    'z = __import__("os").system("touch {sentinel}") }} }}',
    "eval an op": "space s {{ head projector(x: 8) {{ z = eval(x) | exec | system }} }}",
    "open a file": 'space s {{ head projector(x: 8) {{ z = open(x, "{sentinel}") }} }}',
    "exec as a norm": "space s {{ head projector(x: 8) {{ z = linear(x, 8) | norm{{exec}} }} }}",
    "bias=__import__": "space s {{ head projector(x: 8) {{ z = linear(x, 8, bias=__import__) }} }}",
    "import statement": "import os\nspace s {{ head projector(x: 8) {{ z = x }} }}",
    "include a file": 'include "/etc/passwd"\nspace s {{ head projector(x: 8) {{ z = x }} }}',
    "shell in a string": 'genotype g {{ meta {{ cmd = "$(touch {sentinel})" }}\n'
    "  head projector(x: 8) {{ z = system(x) }} }}",
    "backticks": "space s {{ head projector(x: 8) {{ z = `touch {sentinel}` }} }}",
    "python lambda": "space s {{ head projector(x: 8) {{ z = (lambda: 0)() }} }}",
    "plugin-looking width": "space s {{ head projector(x: os.path) {{ z = x }} }}",
}


@pytest.fixture
def side_effects(monkeypatch, tmp_path: Path):
    """Record imports, opened files and processes while the language runs."""
    warm = "space s { head projector(x: 8) { z = linear(x, 8) | bn | relu } }"
    check_or_raise(parse(warm))  # load the grammar (a file) before watching
    seen: list[str] = []
    real_open, real_import = builtins.open, importlib.import_module

    def watch(kind, real=None):
        def spy(*args, **kwargs):
            seen.append(f"{kind}{args[:1]}")
            if real is not None:
                return real(*args, **kwargs)
            raise AssertionError(f"{kind} called")

        return spy

    monkeypatch.setattr(builtins, "open", watch("open", real_open))
    monkeypatch.setattr(io, "open", watch("io.open", real_open))  # pathlib reads through it
    monkeypatch.setattr(os, "open", watch("os.open", os.open))
    monkeypatch.setattr(importlib, "import_module", watch("import_module", real_import))
    for name in ("system", "popen", "execv", "execve", "spawnv", "posix_spawn"):
        monkeypatch.setattr(os, name, watch(f"os.{name}"))
    monkeypatch.setattr(subprocess, "Popen", watch("subprocess.Popen"))
    return seen


def test_the_watch_sees_reads_imports_and_processes(side_effects):
    Path(__file__).read_text("utf-8")
    importlib.import_module("json")
    with pytest.raises(AssertionError):
        os.system("true")
    with pytest.raises(AssertionError):
        subprocess.run(["true"])
    kinds = [s.split("(")[0] for s in side_effects]
    assert {"io.open", "import_module", "os.system", "subprocess.Popen"} <= set(kinds)


@pytest.mark.parametrize("name", EVIL)
def test_the_language_cannot_run_code_or_read_files(name: str, side_effects, tmp_path: Path):
    sentinel = tmp_path / "pwned"
    text = EVIL[name].format(sentinel=sentinel)
    with pytest.raises(DSLError) as info:
        doc = parse(text, "evil.nas")
        check_or_raise(doc, text, "evil.nas")
    err = info.value
    assert err.first.pos is not None and str(err)  # a positioned, printable error
    assert side_effects == []
    assert not sentinel.exists()


def test_the_cli_refuses_hostile_spaces_without_running_them(tmp_path: Path):
    sentinel = tmp_path / "pwned"
    files = []
    for i, name in enumerate(("let set of __import__", "__import__ call", "shell in a string")):
        path = tmp_path / f"evil{i}.nas"
        path.write_text(EVIL[name].format(sentinel=sentinel), "utf-8")
        files.append(str(path))
    from click.testing import CliRunner

    from nasiam_dsl.cli import main

    result = CliRunner().invoke(main, ["check", *files])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # the CLI's own exit, not a crash
    assert "Traceback" not in result.output
    for path in files:
        assert f"{path}:" in result.output
    assert "unknown activation '__import__'" in result.output or "__import__" in result.output
    assert not sentinel.exists()
