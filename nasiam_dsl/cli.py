"""The `nasiam` command: thin click commands over the Python API.

Bad input never shows a traceback: language errors print like a compiler and
exit 2; other user errors print one message naming the option or file and exit 2.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from nasiam_dsl import __version__, registry
from nasiam_dsl.files import atomic_write_text
from nasiam_dsl.lang import DSLError, check, parse_file, print_document
from nasiam_dsl.lang.errors import Diagnostic
from nasiam_dsl.lang.parser import read_source
from nasiam_dsl.usage import UsageProblem

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)

EXIT_USAGE = 2


def print_diagnostics(diagnostics: list[Diagnostic], source: str | None, filename: str) -> None:
    for d in diagnostics:
        style = "bold red" if d.severity == "error" else "yellow"
        text = d.render(source, filename)
        head, _, rest = text.partition("\n")
        err.print(head, style=style, markup=False, soft_wrap=True)
        if rest:
            err.print(rest, markup=False, soft_wrap=True)


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn expected failures into a message and exit code 2, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except DSLError as e:
            print_diagnostics([*e.diagnostics, *e.warnings], e.source, e.filename)
            sys.exit(EXIT_USAGE)
        except UsageProblem as e:
            err.print(f"error: {e}", style="bold red", markup=False, soft_wrap=True)
            if e.hint:
                err.print(f"  = help: {e.hint}", markup=False, soft_wrap=True)
            sys.exit(EXIT_USAGE)
        except KeyboardInterrupt:
            err.print("interrupted", style="yellow")
            sys.exit(130)
        except Exception as e:  # a bug of ours: say so plainly, traceback on request
            if os.environ.get("NASIAM_DEBUG"):
                raise
            err.print(f"internal error: {type(e).__name__}: {e}", style="bold red", markup=False)
            err.print(
                "  = help: this is a bug in nasiam; rerun with NASIAM_DEBUG=1 for the "
                "traceback and report it",
                markup=False,
            )
            sys.exit(1)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="nasiam")
def main() -> None:
    """nasiam: search the projector/predictor heads of siamese SSL networks."""


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--check", "check_only", is_flag=True, help="Exit 1 listing files that would change.")
@user_errors
def fmt(files: tuple[Path, ...], check_only: bool) -> None:
    """Rewrite FILES in the canonical style (comments kept), like black."""
    changed: list[Path] = []
    failed = False
    for path in files:
        try:
            doc = parse_file(path)
        except DSLError as e:
            print_diagnostics(list(e.diagnostics), e.source, e.filename)
            failed = True
            continue
        original = path.read_bytes().decode("utf-8")  # untranslated: CRLF is not canonical
        text = print_document(doc)
        if text == original:
            continue
        changed.append(path)
        if not check_only:
            atomic_write_text(path, text)
    for path in changed:
        verb = "would reformat" if check_only else "reformatted"
        out.print(f"{verb} {path}", markup=False, soft_wrap=True)
    if failed:
        sys.exit(EXIT_USAGE)
    if check_only and changed:
        sys.exit(1)
    if not changed:
        out.print(f"{len(files)} file(s) left unchanged")


@main.command(name="check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--backbone-dim",
    type=click.IntRange(min=1),
    default=None,
    help="Resolve `backbone` widths (e.g. 512 for ResNet-18) to check them too.",
)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@user_errors
def check_cmd(files: tuple[Path, ...], backbone_dim: int | None, strict: bool) -> None:
    """Validate FILES: syntax, names, ops, widths, choices, constraints."""
    worst = 0
    for path in files:
        try:
            doc = parse_file(path)
        except DSLError as e:
            print_diagnostics(list(e.diagnostics), e.source, e.filename)
            worst = EXIT_USAGE
            continue
        source = read_source(path)
        result = check(doc, backbone_dim=backbone_dim)
        print_diagnostics(
            sorted([*result.errors, *result.warnings], key=_position), source, str(path)
        )
        if result.errors or (strict and result.warnings):
            worst = EXIT_USAGE
        else:
            note = f" ({len(result.warnings)} warning(s))" if result.warnings else ""
            out.print(f"{path}: ok, {doc.kind} '{doc.name}'{note}", markup=False, soft_wrap=True)
    sys.exit(worst)


def _position(d: Diagnostic) -> tuple[int, int]:
    return (d.pos.line, d.pos.column) if d.pos else (0, 0)


@main.command()
@user_errors
def ops() -> None:
    """List the ops, normalisations and activations the language knows."""
    table = Table(title="nasiam ops")
    for col in ("name", "kind", "options", "parameters", "what it does"):
        table.add_column(col)
    for spec in registry.all_ops():
        opts = ", ".join(f"{k}={_show_default(o.default)}" for k, o in spec.options.items())
        table.add_row(spec.name, spec.kind, opts, "no" if spec.param_free else "yes", spec.doc)
    out.print(table)


def _show_default(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _run_options(command: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Every config option of `command` (generated from the config models), and the options
    that steer the run itself."""
    from nasiam_dsl.run.options import add_config_options

    steering = [
        click.option(
            "--resume",
            type=click.Path(path_type=Path),
            default=None,
            help="Continue the run in RUN_DIR from its last checkpoint.",
        ),
        click.option(
            "--stop-after",
            type=int,
            default=None,
            hidden=True,
            help="Stop (as if interrupted) after N steps.",
        ),
        click.option("--quiet", is_flag=True),
        click.option(
            "--config",
            type=click.Path(path_type=Path),
            default=None,
            help="A TOML file with any option (flags given here override it).",
        ),
        click.option("--print-config", is_flag=True, help="Print the resolved config and exit."),
    ]

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        for opt in reversed(steering):
            fn = opt(fn)
        return add_config_options(command)(fn)

    return decorate


def _config_dict(command: str, spec: Path | None, kw: dict[str, Any]) -> dict[str, Any]:
    """The config file (if any), then every option typed on the command line, on top."""
    from nasiam_dsl.run.options import typed_overrides
    from nasiam_dsl.run.resolve import load_toml, resolve

    base = load_toml(kw["config"]) if kw.get("config") else {}
    top = typed_overrides(click.get_current_context(), kw, command)
    if spec is not None:
        top["spec"] = str(spec)
    return resolve(command, base, top)


def _validated(config: dict[str, Any], kw: dict[str, Any]):
    from nasiam_dsl.run.resolve import validated

    return validated(config, str(kw["config"]) if kw.get("config") else None)


def _execute(config_dict: dict[str, Any], kw: dict[str, Any]):
    from nasiam_dsl.api import start_run
    from nasiam_dsl.run.runner import EXIT_INTERRUPTED, Interrupted
    from nasiam_dsl.run.ui import RichUI

    config = _validated(config_dict, kw)
    if kw.get("print_config"):
        out.print(config.model_dump_json(indent=2), markup=False, highlight=False)
        sys.exit(0)
    ui = RichUI(out, quiet=kw.get("quiet", False))
    try:
        return start_run(config, ui=ui, resume=kw.get("resume"), max_steps=kw.get("stop_after"))
    except Interrupted as e:
        err.print(
            f"{e}; checkpoint and genotype saved in {e.run_dir}", style="yellow", markup=False
        )
        sys.exit(EXIT_INTERRUPTED)


@main.command()
@click.argument("space", type=click.Path(path_type=Path))
@_run_options("search")
@click.option(
    "--seeds",
    default=None,
    help="Comma-separated seeds: one search each, then how often each candidate won.",
)
@user_errors
def search(space: Path, **kw: Any) -> None:
    """Search SPACE inside a framework; write genotype.nas to the run directory."""
    config = _config_dict("search", space, kw)
    if kw.get("seeds"):
        _search_seeds(config, kw)
        return
    from nasiam_dsl.run.ui import print_decisions

    run = _execute(config, kw)
    if run.dist.is_main:
        text = (run.run_dir / "genotype.nas").read_text("utf-8")
        _print_nas(text)
        print_decisions(out, run.run_dir)
        note = f" (early stop: {run.stop_reason})" if run.stop_reason else ""
        out.print(f"run directory: {run.run_dir}{note}", markup=False)


def _search_seeds(config: dict[str, Any], kw: dict[str, Any]) -> None:
    from nasiam_dsl.show import seed_table, seeds_rich_table

    try:
        seeds = [int(x) for x in kw["seeds"].split(",") if x.strip()]
    except ValueError:
        raise UsageProblem(f"--seeds: expected integers like 0,1,2, got {kw['seeds']!r}") from None
    if not seeds:
        raise UsageProblem("--seeds: no seed given")
    runs = []
    base = config.get("name") or f"seeds-{Path(config['spec']).stem}"
    for seed in seeds:
        out.print(f"[bold]seed {seed}[/bold]")
        run = _execute({**config, "seed": seed, "name": f"{base}/seed{seed}"}, kw)
        runs.append(run.run_dir)
    out.print(seeds_rich_table(seed_table(runs)))


@main.command()
@click.argument("genotype", type=click.Path(path_type=Path), required=False)
@_run_options("train")
@user_errors
def train(genotype: Path | None, **kw: Any) -> None:
    """Pretrain a backbone with GENOTYPE's heads (default: the framework's standard heads)."""
    config = _config_dict("train", genotype, kw)
    if "spec" not in config:
        from nasiam_dsl.frameworks.registry import get_framework
        from nasiam_dsl.names import UnknownNameError
        from nasiam_dsl.resources import standard_genotype

        try:
            fw = get_framework(config.get("framework", "simsiam"))
        except UnknownNameError as e:
            raise UsageProblem(f"--framework: {e}") from None
        config["spec"] = str(standard_genotype(fw.default_genotype))
    run = _execute(config, kw)
    if run.dist.is_main:
        out.print(f"run directory: {run.run_dir}", markup=False)


@main.command(name="eval")
@click.argument("run_dir", type=click.Path(path_type=Path))
@click.option("--random-init", is_flag=True, help="Evaluate the same backbone at random init.")
@click.option("--k", type=click.IntRange(min=1), default=200, show_default=True)
@click.option("--probe-epochs", type=click.IntRange(min=1), default=100, show_default=True)
@click.option(
    "--protocol",
    type=click.Choice(["fast", "standard"]),
    default="fast",
    show_default=True,
    help="fast: linear probe on frozen features, no augmentation; standard: augmented images "
    "(random resized crop + flip) through the frozen backbone, SGD momentum 0.9, cosine.",
)
@click.option("--probe-lr", type=float, default=None, help="Default: 0.01 fast, 0.1 standard.")
@click.option("--probe-batch-size", type=click.IntRange(min=1), default=256, show_default=True)
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda, cuda:1 or auto.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@user_errors
def eval_cmd(run_dir: Path, random_init: bool, k: int, as_json: bool, **probe: Any) -> None:
    """Report kNN and linear-probe accuracy of RUN_DIR's backbone."""
    import json

    from nasiam_dsl.run.evaluation import ProbeSettings, evaluate_run

    settings = ProbeSettings(
        protocol=probe["protocol"],
        epochs=probe["probe_epochs"],
        lr=probe["probe_lr"],
        batch_size=probe["probe_batch_size"],
    )
    result = evaluate_run(
        run_dir, random_init=random_init, k=k, probe=settings, device=probe["device"]
    )
    if as_json:  # verbatim: a console would wrap long strings inside the JSON
        click.echo(json.dumps(result.as_dict(), indent=2))
        return
    table = Table(title=f"evaluation of {run_dir}", caption=f"linear probe: {result.probe}")
    for col in ("weights", "kNN top-1", "linear probe top-1", "train / test images"):
        table.add_column(col)
    table.add_row(
        result.weights,
        f"{result.knn:.4f}",
        f"{result.linear_probe:.4f}",
        f"{result.train_images} / {result.test_images}",
    )
    out.print(table)


@main.command()
@click.argument("space", type=click.Path(path_type=Path))
@click.option("-n", "count", type=click.IntRange(min=1), default=5, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Write DIR/sample-01.nas ... (default: print them).",
)
@click.option(
    "--backbone-dim",
    type=click.IntRange(min=1),
    default=512,
    show_default=True,
    help="Width of the backbone feature, for `backbone` widths and params/FLOPs constraints.",
)
@user_errors
def sample(space: Path, count: int, seed: int, out_dir: Path | None, backbone_dim: int) -> None:
    """Draw N distinct members of SPACE as genotype files, uniformly and reproducibly.

    Each visible decision is drawn uniformly (a choice inside an unchosen candidate is not
    drawn); the space's constraints are kept by rejection, and sampling gives up after
    1,000 draws per member, naming the constraint that rejected most.
    """
    from nasiam_dsl.api import load
    from nasiam_dsl.compile.sample import sample_members

    members = sample_members(
        load(space, backbone_dim=backbone_dim), count, seed, backbone_dim=backbone_dim
    )
    for member in members:
        text = print_document(member.genotype)
        if out_dir is None:
            _print_nas(text)
            continue
        out_dir.mkdir(parents=True, exist_ok=True)
        path = out_dir / f"sample-{member.index:02d}.nas"
        atomic_write_text(path, text)
        out.print(f"wrote {path}", markup=False, soft_wrap=True)


@main.command()
@click.argument("candidates", nargs=-1, type=str)
@_run_options("train")
@click.option("--seeds", default="0,1,2", show_default=True, help="Pretraining seeds (paired).")
@click.option(
    "--random",
    "random_count",
    type=click.IntRange(min=0),
    default=0,
    help="Also compare N uniform random members of --space.",
)
@click.option(
    "--space", type=click.Path(path_type=Path), default=None, help="The space --random draws from."
)
@click.option("--random-seed", type=int, default=0, show_default=True)
@click.option(
    "--reference", default=None, help="The candidate the others are compared with (default: first)."
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes (one device each with several GPUs).",
)
@click.option(
    "--cell",
    "cell_index",
    type=click.IntRange(min=0),
    default=None,
    help="Run only cell I (a cluster job array); --list-cells numbers them.",
)
@click.option("--list-cells", is_flag=True, help="List the cells and whether each is done.")
@click.option("--k", type=click.IntRange(min=1), default=200, show_default=True)
@click.option(
    "--protocol",
    type=click.Choice(["fast", "standard"]),
    default="fast",
    show_default=True,
    help="Linear probe: fast (frozen features, no augmentation) or standard.",
)
@click.option("--probe-epochs", type=click.IntRange(min=1), default=100, show_default=True)
@click.option("--probe-lr", type=float, default=None, help="Default: 0.01 fast, 0.1 standard.")
@click.option("--probe-batch-size", type=click.IntRange(min=1), default=256, show_default=True)
@user_errors
def compare(candidates: tuple[str, ...], **kw: Any) -> None:
    """Pretrain every CANDIDATE with the same budget and seeds, evaluate each, and judge.

    CANDIDATE is a genotype file or `standard` (the framework's standard heads). Each
    (candidate, seed) is a `nasiam train` run directory OUT/<candidate>/seed<s>/; rerunning
    the same command resumes, skipping finished cells. Writes compare.csv, compare.json and
    compare.png to OUT (default runs/compare) and prints a table and a verdict.
    """
    _compare(candidates, kw)


def _compare(names: tuple[str, ...], kw: dict[str, Any]) -> None:
    from nasiam_dsl import compare as cmp
    from nasiam_dsl.compare.table import rich_table
    from nasiam_dsl.run.evaluation import ProbeSettings

    for flag in ("seed", "name", "resume"):
        if click.get_current_context().get_parameter_source(flag).name == "COMMANDLINE":
            raise UsageProblem(
                f"--{flag} does not apply to compare",
                "seeds: --seeds 0,1,2; the comparison directory: --out DIR",
            )
    seeds = _seed_list(kw["seeds"])
    if kw["random_count"] and kw["space"] is None:
        raise UsageProblem("--random needs --space SPACE to draw members from")
    if not names and not kw["random_count"]:
        raise UsageProblem("no candidate given", "name genotype files, `standard`, or --random N")
    base = _config_dict("train", None, {**kw, "seed": 0})
    out_given = click.get_current_context().get_parameter_source("out").name == "COMMANDLINE"
    root = Path(kw["out"] if out_given else "runs/compare").resolve()
    for key in ("command", "out", "name", "spec", "seed"):
        base.pop(key, None)
    framework = base.get("framework", "simsiam")
    found = cmp.genotype_candidates(list(names), framework)
    if kw["random_count"]:
        dim = _backbone_dim(base, kw)
        found += cmp.random_candidates(
            kw["space"], kw["random_count"], kw["random_seed"], root, dim, found
        )
    reference = kw["reference"] or found[0].name
    if reference not in [c.name for c in found]:
        raise UsageProblem(
            f"--reference {reference!r} is not a candidate",
            f"candidates: {', '.join(c.name for c in found)}",
        )
    probe = ProbeSettings(
        protocol=kw["protocol"],
        epochs=kw["probe_epochs"],
        lr=kw["probe_lr"],
        batch_size=kw["probe_batch_size"],
    )
    comparison = cmp.Comparison(
        root=str(root),
        candidates=found + cmp.baseline_candidates(),
        seeds=seeds,
        reference=reference,
        k=kw["k"],
        probe=probe,
        base=base,
    )
    cells = cmp.cells_of(comparison)
    first = _validated(cmp.cells.cell_config(comparison, cells[0]), kw)
    if kw.get("print_config"):
        out.print(first.model_dump_json(indent=2), markup=False, highlight=False)
        return
    if kw["list_cells"]:
        for cell in cells:
            done = "done" if cell.finished(root) else "pending"
            click.echo(f"{cell.index}\t{cell.candidate.name}\tseed{cell.seed}\t{done}")
        return
    cmp.prepare(comparison)
    if kw["cell_index"] is not None:
        if kw["cell_index"] >= len(cells):
            raise UsageProblem(
                f"--cell {kw['cell_index']}: there are {len(cells)} cells (0-{len(cells) - 1})"
            )
        cells = [cells[kw["cell_index"]]]

    def done(cell, result) -> None:
        out.print(
            f"cell {cell.index}: {cell.label()}: kNN {100 * result.knn:.1f}, "
            f"probe {100 * result.linear_probe:.1f} ({result.wall_s:.0f} s)",
            markup=False,
        )

    ran = cmp.run_cells(comparison, cells, kw["jobs"], done)
    results, missing = cmp.finished_results(comparison)
    if missing:
        total = len(results) + len(missing)
        out.print(
            f"{len(ran)} cell(s) run; {len(missing)} of {total} still pending in {root}",
            markup=False,
        )
        return
    report = cmp.write_report(comparison, results)
    table = rich_table(report.summary, title=f"comparison in {root}")
    (out if out.is_terminal else Console(width=160, highlight=False)).print(table)  # logs: wide
    for line in report.verdict:
        out.print(line, markup=False, soft_wrap=True)
    for path in report.written:
        out.print(f"wrote {path}", markup=False, soft_wrap=True)


def _seed_list(text: str) -> list[int]:
    try:
        seeds = [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UsageProblem(f"--seeds: expected integers like 0,1,2, got {text!r}") from None
    if not seeds or len(set(seeds)) != len(seeds):
        raise UsageProblem(f"--seeds: need distinct seeds like 0,1,2, got {text!r}")
    return seeds


def _backbone_dim(base: dict[str, Any], kw: dict[str, Any]) -> int:
    from nasiam_dsl.backbones import build_backbone
    from nasiam_dsl.names import UnknownNameError
    from nasiam_dsl.run.evaluation import config_dataset_info

    config = _validated({**base, "command": "train", "spec": "-"}, kw)
    try:
        backbone = build_backbone(
            config.backbone,
            in_channels=config_dataset_info(config).channels,
            **config.backbone_options,
        )
    except UnknownNameError as e:
        raise UsageProblem(f"--backbone: {e}") from None
    return int(backbone.feature_dim)


@main.command(name="compile")
@click.argument("file", type=click.Path(path_type=Path))
@click.option(
    "--backbone-dim",
    type=click.IntRange(min=1),
    default=512,
    show_default=True,
    help="Width of the backbone feature (512: ResNet-18, 2048: ResNet-50).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@user_errors
def compile_cmd(file: Path, backbone_dim: int, as_json: bool) -> None:
    """Compile a space (supernet) or genotype (fixed net) and report its size."""
    from nasiam_dsl.compile import build_report, render_report

    doc = parse_file(file)
    try:
        report = build_report(doc, backbone_dim)
    except DSLError as e:
        raise DSLError(e.diagnostics, read_source(file), str(file), warnings=e.warnings) from None
    if as_json:
        out.print(report.to_json(), markup=False, highlight=False, soft_wrap=True)
    else:
        render_report(report, out)


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--no-plots", is_flag=True, help="Only print the genotype tree.")
@user_errors
def show(target: Path, no_plots: bool) -> None:
    """Show a run directory (genotype tree, figures, graphs) or a genotype/space file."""
    from nasiam_dsl.show import document_dot, document_tree, load_run, render_dot, render_run

    if target.is_file():
        doc = parse_file(target)
        out.print(document_tree(doc))
        dot = target.with_suffix(".dot")
        atomic_write_text(dot, document_dot(doc))
        rendered = render_dot(dot.read_text("utf-8"), target.with_suffix(".png"))
        out.print(f"graph: {rendered or dot}", markup=False)
        return
    run = load_run(target)
    if run.genotype is not None:
        out.print(document_tree(run.genotype, probabilities=None))
    if no_plots:
        return
    written = render_run(target)
    doc = run.genotype or run.space
    if doc is not None:
        dot = target / "genotype.dot"
        atomic_write_text(dot, document_dot(doc))
        rendered = render_dot(dot.read_text("utf-8"), target / "genotype.png")
        written += [rendered or dot]
    for path in written:
        out.print(f"wrote {path}", markup=False)


@main.command()
@click.argument("a", type=click.Path(path_type=Path))
@click.argument("b", type=click.Path(path_type=Path))
@user_errors
def diff(a: Path, b: Path) -> None:
    """What differs between two genotypes or spaces, choice by choice (exit 1 if any)."""
    from nasiam_dsl.show import diff_documents, diff_table

    differences = diff_documents(parse_file(a), parse_file(b))
    out.print(diff_table(differences, str(a), str(b)))
    sys.exit(1 if differences else 0)


def _print_nas(text: str) -> None:
    """Print nasiam text, highlighted on a terminal, verbatim (never cropped) elsewhere."""
    if not out.is_terminal:
        out.print(text, markup=False, highlight=False, soft_wrap=True, end="")
        return
    from rich.syntax import Syntax

    from nasiam_dsl.highlight import NasiamLexer

    out.print(
        Syntax(text, NasiamLexer(), theme="ansi_dark", background_color="default", word_wrap=True)
    )


if __name__ == "__main__":  # `python -m nasiam_dsl.cli`, e.g. under torchrun
    main()
