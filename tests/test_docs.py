"""The docs run: every nasiam block parses (and checks), every command's flags exist, and the
framework page's Python is a working plugin module.

- docs/language.md: each ```nasiam block parses; a whole document also checks with no error;
  a ```nasiam-error block fails, and the ```text block after it is the checker's output.
  Together the blocks use every op, option and construct of the language.
- docs/tutorial.md: its space is canonical and checks; each `nasiam ...` command parses
  with the CLI's own options; check/fmt/compile run for real, search/train with
  `--print-config`; its Python compiles and names only API functions that exist.
- docs/frameworks.md: its ```python blocks, in order, are the module `my_plugins`; it is
  imported, trained for a step and searched with; its ```toml blocks are valid run configs.
"""

from __future__ import annotations

import ast as pyast
import importlib
import math
import re
import shlex
from pathlib import Path

import pytest
import tomllib
from click.testing import CliRunner

from nasiam_dsl import registry
from nasiam_dsl.cli import main
from nasiam_dsl.lang import DSLError, ast, check, format_text, parse
from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.resolve import with_nones

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
PAGES = ("language.md", "tutorial.md", "frameworks.md")
FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```", re.S | re.M)


pytestmark = pytest.mark.usefixtures("one_thread")


def blocks(page: str, lang: str | None = None) -> list[tuple[str, int, str]]:
    """(language, line, body) of the fenced blocks of a page, optionally of one language."""
    text = (ROOT / page if page == "README.md" else DOCS / page).read_text("utf-8")
    found = []
    for m in FENCE.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        if lang is None or m.group(1) == lang:
            found.append((m.group(1), line, m.group(2)))
    return found


def is_document(body: str) -> bool:
    code = [ln for ln in body.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    return bool(code) and code[0].split()[0] in ("space", "genotype")


def parse_fragment(body: str, where: str) -> ast.Document:
    """A fragment is document items, or the nodes of a head: parse it inside a wrapper."""
    try:
        return parse(f"space fragment {{\n{body}}}\n", where)
    except DSLError:
        return parse(f"space fragment {{ head h(x: 64) {{\n{body}}} }}\n", where)


NASIAM_BLOCKS = [(page, line, body) for page in PAGES for _, line, body in blocks(page, "nasiam")]


@pytest.mark.parametrize(
    ("page", "line", "body"), NASIAM_BLOCKS, ids=[f"{p}:{n}" for p, n, _ in NASIAM_BLOCKS]
)
def test_nasiam_blocks_parse_and_check(page: str, line: int, body: str) -> None:
    where = f"docs/{page}:{line}"
    if not is_document(body):
        parse_fragment(body, where)
        return
    doc = parse(body, where)
    errors = check(doc).errors
    assert not errors, "\n".join(d.render(body, where) for d in errors)


def test_error_blocks_show_what_the_checker_prints() -> None:
    fenced = blocks("language.md")
    shown = 0
    for i, (lang, line, body) in enumerate(fenced):
        if lang != "nasiam-error":
            continue
        doc = parse(body, "bad.nas")
        result = check(doc)
        assert result.errors, f"docs/language.md:{line} is an error example without an error"
        if i + 1 < len(fenced) and fenced[i + 1][0] == "text":
            diagnostics = sorted(
                [*result.errors, *result.warnings],
                key=lambda d: (d.pos.line, d.pos.column) if d.pos else (0, 0),
            )
            printed = "\n".join(d.render(body, "bad.nas") for d in diagnostics) + "\n"
            assert fenced[i + 1][2] == printed
            shown += 1
    assert shown >= 1


def _language_documents() -> list[ast.Document]:
    return [parse(body) for _, _, body in blocks("language.md", "nasiam") if is_document(body)]


def _walk(value):
    """Every AST node under `value`, depth first."""
    if isinstance(value, ast.Node):
        yield value
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name))
    elif isinstance(value, tuple):
        for item in value:
            yield from _walk(item)


def test_language_page_uses_every_op_and_option() -> None:
    checked = "\n".join(body for _, _, body in blocks("language.md", "nasiam") if is_document(body))
    for spec in registry.all_ops():
        if spec.factory is not None:  # a user op registered by another test
            continue
        assert re.search(rf"\b{spec.name}\b", checked), f"no example uses op '{spec.name}'"
        for option in spec.options:
            assert re.search(rf"\b{spec.name}\([^)]*\b{option}=", checked), (
                f"no example gives '{spec.name}' its option '{option}'"
            )
        assert f"`{spec.name}" in (DOCS / "language.md").read_text(), spec.name


def test_language_page_uses_every_construct() -> None:
    docs = _language_documents()
    nodes = [n for doc in docs for n in _walk(doc)]
    kinds = {doc.kind for doc in docs}
    assert kinds == {"space", "genotype"}
    assert any(doc.framework for doc in docs) and any(doc.framework is None for doc in docs)
    assert any(doc.meta for doc in docs)
    meta_values = {type(n.value) for n in nodes if isinstance(n, ast.MetaEntry)}
    assert meta_values >= {str, int, float, bool}
    lets = [n for n in nodes if isinstance(n, ast.LetDef)]
    assert {type(let.value) for let in lets} == {ast.SetLiteral, ast.IntLit}
    sources = {n.source for n in nodes if isinstance(n, ast.Head)}
    assert {"backbone", "projector"} <= sources and any(isinstance(s, int) for s in sources)
    combines = [n for n in nodes if isinstance(n, ast.Combine)]
    assert {c.mode for c in combines} == {"sum", "mean", "concat", "depth"}
    assert any(c.pick is None for c in combines) and any(c.pick for c in combines)
    assert any(isinstance(n, ast.Choose) for n in nodes)
    for choice in (ast.ActChoice, ast.NormChoice, ast.WidthChoice):
        options = {type(n.options) for n in nodes if isinstance(n, choice)}
        assert options == {ast.SetLiteral, ast.SetRef}, choice.__name__
    labelled = {type(n) for n in nodes if getattr(n, "label", None)}
    assert labelled >= {ast.Choose, ast.ActChoice, ast.WidthChoice, ast.Combine}
    assert any(isinstance(n, ast.WidthName) and n.name == "backbone" for n in nodes)
    assert any(isinstance(n, ast.WidthName) and n.name != "backbone" for n in nodes)
    constraints = [n for n in nodes if isinstance(n, ast.Constraint)]
    assert {c.metric for c in constraints} == {"count", "params", "flops"}
    assert {c.cmp for c in constraints} == {"<=", "<", ">=", ">", "=="}
    scopes = {type(c.scope) for c in constraints}
    assert scopes == {ast.Whole, ast.PerHead, ast.InHead}
    assert any(c.target for c in constraints)
    probs = [n for n in nodes if getattr(n, "prob", None) is not None]
    assert {type(n) for n in probs} >= {ast.Term, ast.IntLit, ast.Pipeline, ast.Ref}
    assert any(n.comments.leading or n.comments.trailing for n in nodes if hasattr(n, "comments"))
    text = (DOCS / "language.md").read_text()
    for spelling in ("5e-4", "2_048", "50k", "12M", "4K", '\\"', "\\n", ","):
        assert spelling in text, spelling


# ---- the tutorial ---------------------------------------------------------------------------


def tutorial_space() -> str:
    spaces = [b for _, _, b in blocks("tutorial.md", "nasiam") if b.startswith("#")]
    return next(b for b in spaces if "space my_space" in b)


def commands(page: str) -> list[list[str]]:
    """The `nasiam ...` command lines of a page's bash and sh blocks (continuations
    joined; a `nasiam` after `&&` counts too)."""
    found = []
    for _, _, body in blocks(page, "bash") + blocks(page, "sh"):
        for line in body.replace("\\\n", " ").splitlines():
            for part in line.split("&&"):
                words = shlex.split(part, comments=True)
                while words and "=" in words[0] and not words[0].startswith("-"):
                    words = words[1:]  # VAR=value prefixes
                if words and words[0].rsplit("/", 1)[-1] == "nasiam" and "$" not in part:
                    found.append(words[1:])
    return found


EVERY_PAGE = ["README.md", *sorted(p.name for p in DOCS.glob("*.md"))]


def test_tutorial_space_is_canonical_and_checks() -> None:
    text = tutorial_space()
    assert format_text(text) == text
    assert not check(parse(text)).errors


@pytest.mark.parametrize("page", [p for p in EVERY_PAGE if commands(p)])
def test_commands_parse_with_the_cli_options(page: str) -> None:
    found = commands(page)
    for args in found:
        ctx = main.make_context("nasiam", list(args), resilient_parsing=True)
        command = main.get_command(ctx, args[0])
        assert command is not None, f"{page}: no command 'nasiam {args[0]}'"
        command.make_context(args[0], list(args[1:]))  # raises on an unknown flag or value


def test_tutorial_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("my_space.nas").write_text(tutorial_space())
    runner = CliRunner()
    ran = set()
    for args in commands("tutorial.md"):
        name = args[0]
        if name in ("check", "fmt", "compile") and "my_space.nas" in args:
            result = runner.invoke(main, args)
        elif name in ("search", "train"):
            result = runner.invoke(main, [*args, "--print-config"])
            if result.exit_code == 0:
                config = RunConfig.model_validate(with_nones(tomllib.loads(result.output)))
                assert config.command == name
        else:
            continue
        assert result.exit_code == 0, f"nasiam {shlex.join(args)}\n{result.output}"
        ran.add(name)
    assert ran == {"check", "fmt", "compile", "search", "train"}
    assert Path("my_space.nas").read_text() == tutorial_space()  # fmt changed nothing


@pytest.mark.parametrize("page", [p for p in EVERY_PAGE if commands(p)])
def test_every_documented_run_resolves_to_a_config(
    page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every `nasiam search/train` a page shows gives a config the run accepts (names, the
    options' values, a dataset's folder), from a folder holding the files it names."""
    monkeypatch.chdir(tmp_path)
    Path("my_space.nas").write_text(tutorial_space())
    runner = CliRunner()
    runs = [a for a in commands(page) if a[0] in ("search", "train") and "--resume" not in a]
    for args in runs:
        args = [_file(a) for a in args]
        result = runner.invoke(main, [*args, "--print-config"])
        assert result.exit_code == 0, f"{page}: nasiam {shlex.join(args)}\n{result.output}"


def _file(arg: str) -> str:
    """A `.nas` argument as a file that exists here: the repository's own (spaces/...), or
    a stand-in for a run's result a fresh folder lacks."""
    if not arg.endswith(".nas") or "/" not in arg or Path(arg).exists():
        return arg
    if (ROOT / arg).exists():
        return str(ROOT / arg)
    return _stand_in(arg)


def _stand_in(path: str) -> str:
    """A genotype a documented command names but a fresh folder lacks (a run's result)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text((ROOT / "spaces/standard/simsiam.nas").read_text())
    return path


def test_tutorial_python_uses_the_api() -> None:
    from nasiam_dsl import api

    ((_, line, body),) = blocks("tutorial.md", "python")
    tree = pyast.parse(body, f"docs/tutorial.md:{line}")
    used = {
        n.attr
        for n in pyast.walk(tree)
        if isinstance(n, pyast.Attribute)
        and isinstance(n.value, pyast.Name)
        and n.value.id == "api"
    }
    assert used >= {"load", "to_text", "compile", "search", "train", "evaluate"}
    assert all(hasattr(api, name) for name in used)


# ---- the framework page -------------------------------------------------------------------


@pytest.fixture(scope="module")
def my_plugins(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("plugins")
    source = "\n\n".join(body for _, _, body in blocks("frameworks.md", "python"))
    (folder / "my_plugins.py").write_text(source)
    mp = pytest.MonkeyPatch()
    mp.syspath_prepend(str(folder))
    try:
        yield importlib.import_module("my_plugins")
    finally:
        mp.undo()


def test_framework_page_toml_blocks_are_run_configs(my_plugins) -> None:
    import tomllib

    tomls = blocks("frameworks.md", "toml")
    assert len(tomls) >= 2
    for _, _, body in tomls:
        config = RunConfig.model_validate({"spec": "x.nas", **tomllib.loads(body)})
        if config.framework_options:
            from nasiam_dsl.frameworks import get_framework

            get_framework(config.framework).make_config(config.framework_options)


def test_framework_page_plugins_register_and_train(my_plugins) -> None:
    import torch

    from nasiam_dsl.api import compile as compile_heads
    from nasiam_dsl.frameworks import available_frameworks, get_framework

    assert {"msesiam", "msemomentum"} <= set(available_frameworks())
    assert get_framework("my_plugins:MSESiam") is my_plugins.MSESiam
    backbone = my_plugins.TinyConvNet(in_channels=1, width=16)
    heads = compile_heads(ROOT / "spaces/standard/simsiam.nas", backbone.feature_dim, seed=0)
    for cls in (my_plugins.MSESiam, my_plugins.MSEMomentum):
        fw = cls(backbone, dict(heads.heads), {"weight": 2.0})
        x1, x2 = torch.randn(8, 1, 28, 28), torch.randn(8, 1, 28, 28)
        out = fw.training_step(x1, x2)
        loss = float(out.loss.detach())
        assert math.isfinite(loss) and out.logs["loss"] == pytest.approx(loss)
        out.loss.backward()
        fw.on_step_end(out, progress=0.5)
    assert set(fw.target) == {"backbone", "projector"}
    with pytest.raises(ValueError, match="weight"):
        my_plugins.MSESiam.make_config({"weight": -1})


def test_framework_page_plugins_search(my_plugins, tmp_path: Path) -> None:
    from nasiam_dsl.usage import UsageProblem

    tiny = {
        "out": str(tmp_path / "runs"),
        "epochs": 1,
        "steps_per_epoch": 2,
        "batch_size": 32,
        "data": {"limit": 256},
        "backbone_options": {"width": 16},
        "device": "cpu",
        "knn_k": 20,
    }
    found = my_plugins.search_with_plugins(str(ROOT / "spaces/demo.nas"), **tiny)
    assert found.genotype.meta.get("framework") == "msesiam"
    assert found.genotype.meta.get("backbone") == "my_plugins:TinyConvNet"
    space = tmp_path / "projector_only.nas"
    space.write_text("space p { head projector(x: backbone) { z = linear(x, 8) } }")
    with pytest.raises(UsageProblem, match="predictor"):
        my_plugins.search_with_plugins(str(space), **tiny)
