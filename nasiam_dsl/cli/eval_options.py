"""The evaluation options `nasiam eval` and `nasiam compare` share, declared once: the kNN's
k and the linear probe's protocol, epochs, lr and batch, their defaults read from
`run.probe` (torch-free)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from nasiam_dsl.run.probe import DEFAULT_LR, KNN_K, ProbeSettings

F = TypeVar("F", bound=Callable[..., Any])

_DEFAULTS = ProbeSettings()


def evaluation_options(fn: F) -> F:
    """`--k`, `--protocol`, `--probe-epochs`, `--probe-lr`, `--probe-batch-size`."""
    lrs = ", ".join(f"{lr:g} {name}" for name, lr in DEFAULT_LR.items())
    options = [
        click.option(
            "--k",
            type=click.IntRange(min=1),
            default=KNN_K,
            show_default=True,
            help="Neighbours of the kNN vote (weights exp(sim / 0.1)).",
        ),
        click.option(
            "--protocol",
            type=click.Choice(list(DEFAULT_LR)),
            default=_DEFAULTS.protocol,
            show_default=True,
            help="Linear probe: fast (one linear layer on frozen features, no augmentation) "
            "or standard (augmented images through the frozen backbone, SGD momentum 0.9, "
            "cosine; what papers report, much slower).",
        ),
        click.option(
            "--probe-epochs",
            type=click.IntRange(min=1),
            default=_DEFAULTS.epochs,
            show_default=True,
            help="Epochs of the linear probe.",
        ),
        click.option(
            "--probe-lr", type=float, default=None, help=f"Linear probe lr (default: {lrs})."
        ),
        click.option(
            "--probe-batch-size",
            type=click.IntRange(min=1),
            default=_DEFAULTS.batch_size,
            show_default=True,
            help="Batch of the linear probe.",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def probe_settings(kw: dict[str, Any]) -> ProbeSettings:
    """The `ProbeSettings` the options give."""
    return ProbeSettings(
        protocol=kw["protocol"],
        epochs=kw["probe_epochs"],
        lr=kw["probe_lr"],
        batch_size=kw["probe_batch_size"],
    )
