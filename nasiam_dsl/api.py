"""The Python API: load a space, print it, compile it, search it, train and evaluate.

Functions over the rooms below them (`start_run` is what the CLI's run commands
call); each raises what the CLI would print (`DSLError` for bad text, `UsageProblem` for
a bad option, file or name, pydantic's `ValidationError` for a bad config value).

>>> from nasiam_dsl import api
>>> space = api.load('''
... space tiny for simsiam {
...   head projector(x: backbone) {
...     h = linear(x, 64, bias=false) | bn | act{relu, gelu}
...     z = linear(h, 32)
...   }
... }''')
>>> space.kind, [h.name for h in space.heads]
('space', ['projector'])
>>> print(api.to_text(space), end="")
space tiny for simsiam {
  head projector(x: backbone) {
    h = linear(x, 64, bias=false) | bn | act{relu, gelu}
    z = linear(h, 32)
  }
}
>>> net = api.compile(space, backbone_dim=16)
>>> type(net).__name__, sorted(net.arch.probabilities())
('Supernet', ['projector.h.act'])

`search` and `train` run a whole run directory (see `search` for a complete example);
`evaluate` measures a run's backbone with kNN and a linear probe; `export` writes it as
plain PyTorch. `membership`, `pin` and `import_seed_genotype` relate genotypes to their
spaces (docs/genotypes.md).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nasiam_dsl.interop import import_seed_genotype
from nasiam_dsl.lang import ast, check_or_raise, parse, parse_file, print_document
from nasiam_dsl.lang.parser import read_source
from nasiam_dsl.membership import membership
from nasiam_dsl.pin import pin
from nasiam_dsl.run.layout import RunFiles

if TYPE_CHECKING:  # torch is imported by the functions that need it, not by this module
    from nasiam_dsl.compile import FixedNet, Supernet
    from nasiam_dsl.export.run_export import ExportResult
    from nasiam_dsl.run.build import Run
    from nasiam_dsl.run.config import RunConfig
    from nasiam_dsl.run.evaluation import EvalResult

__all__ = [
    "EvalResult",
    "SearchResult",
    "TrainResult",
    "compile",
    "evaluate",
    "export",
    "import_seed_genotype",
    "load",
    "membership",
    "pin",
    "run_config",
    "search",
    "start_run",
    "to_text",
    "train",
]


# ---- the language ----------------------------------------------------------------------------


def load(source: str | os.PathLike[str], *, backbone_dim: int | None = None) -> ast.Document:
    """Parse and check a space or genotype; raise one `DSLError` listing every error.

    `source` is nasiam text, or the path of a `.nas` file: a `Path`, or a string with no
    `{` (every document has one, no file name needs one). `backbone_dim` also checks the
    widths that read `backbone`.

    >>> load("space s { head h(x: 8) { y = linear(x, 4) | relu } }").name
    's'
    >>> load("space s { head h(x: 8) { y = linear(x, 4) | gelu2 } }")
    Traceback (most recent call last):
      ...
    nasiam_dsl.lang.errors.DSLError: <text>:1:45: error: unknown op 'gelu2'
        1 | space s { head h(x: 8) { y = linear(x, 4) | gelu2 } }
          |                                             ^^^^^
          = help: did you mean 'gelu' or 'elu' or 'relu'?
    """
    if isinstance(source, str) and "{" in source:
        doc = parse(source)
        check_or_raise(doc, source, backbone_dim=backbone_dim)
        return doc
    path = Path(source)
    doc = parse_file(path)
    check_or_raise(doc, read_source(path), str(path), backbone_dim=backbone_dim)
    return doc


def to_text(doc: ast.Document) -> str:
    """The canonical text of a document (what `nasiam fmt` writes; comments kept).

    >>> print(to_text(load("genotype g { head h(x: 8) { y = linear(x,4)|act{relu @0.9} } }")))
    genotype g {
      head h(x: 8) {
        y = linear(x, 4) | act{relu @0.9}
      }
    }
    <BLANKLINE>
    """
    return print_document(doc)


def compile(  # shadows the builtin on purpose: read as `api.compile`
    doc: ast.Document | str | os.PathLike[str], backbone_dim: int, *, seed: int | None = None
) -> Supernet | FixedNet:
    """Torch modules of a document: a `Supernet` of a space, a `FixedNet` of a genotype.

    Both hold one module per head in `.heads` ((N, in) -> (N, out)); a supernet also owns
    `.arch`, the architecture parameters of its open choices. `doc` may also be text or a
    path (see `load`); `seed` makes the initial weights reproducible.

    >>> import torch
    >>> net = compile("genotype g { head h(x: backbone) { y = linear(x, 4) | relu } }", 16)
    >>> type(net).__name__, net.heads["h"](torch.zeros(2, 16)).shape
    ('FixedNet', torch.Size([2, 4]))
    """
    from nasiam_dsl.compile import compile_genotype, compile_space

    if not isinstance(doc, ast.Document):
        doc = load(doc, backbone_dim=backbone_dim)
    if doc.kind == "space":
        return compile_space(doc, backbone_dim, seed=seed)
    return compile_genotype(doc, backbone_dim, seed=seed)


# ---- runs -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrainResult:
    """A finished run: its directory, resolved config and per-epoch metrics."""

    run_dir: Path
    config: RunConfig
    metrics: list[dict[str, Any]]
    stop_reason: str | None


@dataclass(frozen=True)
class SearchResult(TrainResult):
    """A finished search; `genotype` is the derived genotype, `genotype_text` its text."""

    genotype: ast.Document
    genotype_text: str


def search(
    config: RunConfig | Mapping[str, Any] | str | os.PathLike[str] | None = None,
    **overrides: Any,
) -> SearchResult:
    """Search a space, as `nasiam search` does, without printing; return the result.

    `config` is a `RunConfig`, a mapping of its fields, the path of a `.toml` file (the
    CLI's `--config`) or the path of the space itself. `overrides` are `RunConfig` fields
    on top; a mapping value (`data={"limit": 256}`) updates that section key by key.

    >>> import tempfile
    >>> tmp = Path(tempfile.mkdtemp())
    >>> _ = (tmp / "tiny.nas").write_text('''space tiny for simsiam {
    ...   head projector(x: backbone) { z = linear(x, 16) | act{relu, silu} }
    ...   head predictor(z: projector) { p = linear(z, 16) }
    ... }''')
    >>> result = search(tmp / "tiny.nas", out=tmp / "runs", epochs=1, steps_per_epoch=2,
    ...                 batch_size=32, data={"limit": 256}, backbone_options={"width": 4},
    ...                 device="cpu", knn_k=20)
    >>> result.genotype.kind, result.genotype.name, len(result.metrics)
    ('genotype', 'tiny_derived', 1)
    >>> (result.run_dir / "genotype.nas").read_text() == result.genotype_text
    True
    >>> import shutil; shutil.rmtree(tmp)
    """
    run, cfg = _start("search", config, overrides)
    text = _read(RunFiles(run.run_dir).genotype)
    if text is None:  # another rank of a distributed run: derive what rank 0 wrote
        text = print_document(run.side.derive(run.epoch, run.step))
    return SearchResult(run.run_dir, cfg, _metrics(run.run_dir), run.stop_reason, parse(text), text)


def train(
    config: RunConfig | Mapping[str, Any] | str | os.PathLike[str] | None = None,
    **overrides: Any,
) -> TrainResult:
    """Pretrain a backbone with a genotype's heads, as `nasiam train` does; arguments as
    in `search` (a path is the genotype, e.g. a search's `genotype.nas`)."""
    run, cfg = _start("train", config, overrides)
    return TrainResult(run.run_dir, cfg, _metrics(run.run_dir), run.stop_reason)


def evaluate(run_dir: str | os.PathLike[str], **options: Any) -> EvalResult:
    """kNN and linear-probe accuracy of a run's backbone, as `nasiam eval` reports them.

    `options` are `run.evaluation.evaluate_run`'s, declared there once: `random_init` (the
    same backbone untrained, the baseline), `k`, `probe_epochs`, `max_train`, `device`, and
    `probe` (`ProbeSettings`: the linear protocol; default the fast probe).
    """
    from nasiam_dsl.run.evaluation import evaluate_run

    return evaluate_run(Path(run_dir), **options)


def start_run(
    config: RunConfig,
    *,
    ui: Any = None,
    resume: str | os.PathLike[str] | None = None,
    max_steps: int | None = None,
    changes: Mapping[str, Any] | None = None,
) -> Run:
    """Run `config` (or resume the run directory `resume`) to the end and return the run;
    `ui` gets the progress (default: none shown). `nasiam search` and `nasiam train` call it.

    A resumed run keeps its own config but `changes` (`run.resolve.resume_changes` checks
    them: more `epochs`, another `device`, ...)."""
    from nasiam_dsl.run.runner import start
    from nasiam_dsl.ui import RichUI

    ui = ui if ui is not None else RichUI(quiet=True, warn=True)
    return start(
        config,
        ui,
        resume=Path(resume) if resume is not None else None,
        max_steps=max_steps,
        changes=changes,
    )


def export(
    run_dir: str | os.PathLike[str],
    to: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    program: bool = False,
) -> ExportResult:
    """Write a finished run's backbone, normalisation and heads to the folder `to` as plain
    PyTorch, as `nasiam export` does (docs/export.md); `program`: the backbone as a
    `torch.export` program (inference only) instead of trainable weights."""
    from nasiam_dsl.export import export_run

    return export_run(Path(run_dir), Path(to), overwrite=overwrite, program=program)


def _start(command: str, config: Any, overrides: Mapping[str, Any]):
    cfg = run_config(command, config, overrides)
    return start_run(cfg), cfg


def run_config(
    command: str,
    config: RunConfig | Mapping[str, Any] | str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    *,
    origin: str | None = None,
) -> RunConfig:
    """The config a `command` ("search" or "train") run uses: defaults < `config` (as in
    `search`) < `overrides`, every problem named by its option (`UsageProblem`), and what
    the run will use written out (a train run's standard heads, the framework's options,
    the augmentation). The one way a config is built: `nasiam search/train/compare` call it.

    >>> cfg = run_config("train", None, {"framework": "byol"})
    >>> Path(cfg.spec).name, cfg.framework_options["momentum_base"]
    ('byol.nas', 0.99)
    """
    from nasiam_dsl.run.configure import build_config
    from nasiam_dsl.run.resolve import base_mapping

    return build_config(command, base_mapping(config), overrides, origin=origin)


def backbone_dim(config: RunConfig) -> int:
    """The width of the features `config`'s backbone gives (built on the meta device: no
    memory, no weights), what a head written `backbone` reads.

    >>> backbone_dim(run_config("search", {"spec": "-"}))
    128
    """
    from nasiam_dsl.run.build import backbone_dim as built_dim

    return built_dim(config)


def _read(path: Path) -> str | None:
    return path.read_text("utf-8") if path.exists() else None


def _metrics(run_dir: Path) -> list[dict[str, Any]]:
    text = _read(RunFiles(run_dir).metrics) or ""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def __getattr__(name: str) -> Any:
    """`EvalResult`, imported on first use (it brings torch)."""
    if name == "EvalResult":
        from nasiam_dsl.run.evaluation import EvalResult

        return EvalResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
