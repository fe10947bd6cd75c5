"""`nasiam eval`: kNN and linear-probe accuracy of a run's backbone, of the same backbone at
random init, or of the raw pixels.

The kNN number is the run monitor's (`evaluate/monitor.py`): the training split's features of
un-augmented, normalised images as the bank (k=200, weights exp(sim/0.1)). Two linear protocols:
`fast` trains one linear layer on frozen features computed once (no augmentation; seconds),
`standard` trains it on augmented images through the frozen backbone with SGD and a cosine
schedule (`evaluate/linear_protocol.py`; what papers report, much slower).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import torch
from pydantic import BaseModel, ConfigDict, Field
from torch import nn

from nasiam_dsl.run.checkpoint import load_checkpoint
from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.usage import UsageProblem

Protocol = Literal["fast", "standard"]
DEFAULT_LR: dict[str, float] = {"fast": 1e-2, "standard": 0.1}


class ProbeSettings(BaseModel):
    """How the linear classifier is trained (`lr`: None takes the protocol's default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    protocol: Protocol = "fast"
    epochs: int = Field(100, gt=0)
    lr: float | None = Field(None, gt=0)
    batch_size: int = Field(256, gt=0)

    @property
    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else DEFAULT_LR[self.protocol]

    def describe(self) -> str:
        """What the probe number is, in words (tables and verdicts print it)."""
        if self.protocol == "fast":
            return f"linear probe on frozen features, {self.epochs} epochs, no augmentation"
        return (
            f"standard linear protocol: frozen backbone, random resized crop + flip, "
            f"SGD momentum 0.9, lr {self.learning_rate:g}, cosine, {self.epochs} epochs, "
            f"batch {self.batch_size}"
        )


@dataclass
class EvalResult:
    knn: float
    linear_probe: float
    train_images: int
    test_images: int
    weights: str
    probe: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def resolve_device(device: str) -> str:
    """`auto` is the first CUDA device when there is one, else the CPU."""
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def load_run_config(run_dir: Path) -> RunConfig:
    path = RunFiles(run_dir).config
    if not path.exists():
        raise UsageProblem(f"{run_dir} is not a nasiam run directory (no {path.name})")
    try:
        return RunConfig.model_validate_json(path.read_text("utf-8"))
    except ValueError as e:
        raise UsageProblem(f"{path}: not a valid run config ({str(e).splitlines()[0]})") from None


def evaluate_run(
    run_dir: Path,
    *,
    random_init: bool = False,
    k: int = 200,
    probe_epochs: int = 100,
    max_train: int | None = None,
    device: str = "cpu",
    probe: ProbeSettings | None = None,
) -> EvalResult:
    """kNN and linear-probe accuracy of the run's final backbone (or a random init).

    `probe` chooses the linear protocol (default: the fast probe with `probe_epochs`)."""
    from nasiam_dsl.backbones import build_backbone

    run_dir = Path(run_dir)
    config = load_run_config(run_dir)
    channels = config_dataset_info(config).channels
    torch.manual_seed(config.seed)
    backbone = build_backbone(config.backbone, in_channels=channels, **config.backbone_options)
    source = "random init"
    if not random_init:
        source = _load_weights(backbone, run_dir)
    probe = probe or ProbeSettings(epochs=probe_epochs)
    return evaluate_backbone(
        config, backbone, source, k=k, probe=probe, max_train=max_train, device=device
    )


def evaluate_pixels(
    config: RunConfig,
    *,
    k: int = 200,
    probe: ProbeSettings | None = None,
    max_train: int | None = None,
    device: str = "cpu",
) -> EvalResult:
    """The raw-pixel baseline on `config`'s dataset (the probe seeded with `config.seed`)."""
    from nasiam_dsl.evaluate import RawPixels

    info = config_dataset_info(config)
    pixels = RawPixels(info.channels, info.image_size)
    return evaluate_backbone(
        config,
        pixels,
        "raw pixels",
        k=k,
        probe=probe or ProbeSettings(),
        max_train=max_train,
        device=device,
    )


def evaluate_backbone(
    config: RunConfig,
    backbone: nn.Module,
    source: str,
    *,
    k: int,
    probe: ProbeSettings,
    max_train: int | None,
    device: str,
) -> EvalResult:
    """kNN and linear probe of `backbone` on `config`'s dataset (train bank, test queries)."""
    from nasiam_dsl.data import eval_transform
    from nasiam_dsl.evaluate import features_of, knn_of, linear_probe

    device = resolve_device(device)
    info = config_dataset_info(config)
    train = _split(config, "train", eval_transform(info), max_train)
    test = _split(config, "test", eval_transform(info), None)
    backbone.to(device).eval()
    features = features_of(backbone, train, test, device)
    bank_f, bank_y, test_f, test_y = (
        features.bank,
        features.bank_labels,
        features.test,
        features.test_labels,
    )
    knn = knn_of(features, k, info.num_classes)
    if probe.protocol == "fast":
        accuracy = linear_probe(
            bank_f,
            bank_y,
            test_f,
            test_y,
            epochs=probe.epochs,
            lr=probe.learning_rate,
            batch_size=probe.batch_size,
            num_classes=info.num_classes,
            seed=config.seed,
        )
    else:
        accuracy = _standard_probe(config, backbone, info, probe, max_train, test, device)
    return EvalResult(
        float(knn), float(accuracy), len(bank_y), len(test_y), source, probe.describe()
    )


def _standard_probe(config, backbone, info, probe: ProbeSettings, max_train, test, device) -> float:
    from nasiam_dsl.data import make_loader, set_loader_epoch
    from nasiam_dsl.evaluate import linear_train_transform, standard_linear_eval

    train = _split(config, "train", linear_train_transform(info), max_train)
    loader = make_loader(train, probe.batch_size, shuffle=True, seed=config.seed, device=device)
    return standard_linear_eval(
        backbone,
        loader,
        make_loader(test, 256, shuffle=False),
        feature_dim=int(backbone.feature_dim),
        num_classes=info.num_classes,
        epochs=probe.epochs,
        lr=probe.learning_rate,
        seed=config.seed,
        device=device,
        on_epoch=lambda epoch: set_loader_epoch(loader, epoch),
    )


def config_dataset_info(config: RunConfig):
    """The `DatasetInfo` of a run config's dataset (a missing dataset is a usage problem)."""
    from nasiam_dsl.data.datasets import run_dataset_info

    data = config.data
    return run_dataset_info(data.dataset, data.data_dir, data.image_size)


def _split(config: RunConfig, split: str, transform, max_train: int | None):
    from nasiam_dsl.data import DatasetError, get_dataset

    try:
        dataset = get_dataset(config.data.dataset, config.data.data_dir, split, transform)
    except DatasetError as e:
        raise UsageProblem(f"dataset {config.data.dataset}: {e}") from None
    if max_train is not None and max_train < len(dataset):
        from nasiam_dsl.evaluate import limited

        dataset = limited(dataset, max_train, config.seed)
    return dataset


def _load_weights(backbone: nn.Module, run_dir: Path) -> str:
    files = RunFiles(run_dir)
    weights = files.backbone_weights
    if weights.exists():
        try:
            state = torch.load(weights, map_location="cpu", weights_only=True)
            backbone.load_state_dict(state)
        except Exception as e:
            raise UsageProblem(f"cannot load {weights}: {type(e).__name__}") from None
        return str(weights)
    ckpt = load_checkpoint(files.checkpoint)
    prefix = "framework.backbone."
    state = {k[len(prefix) :]: v for k, v in ckpt["model"].items() if k.startswith(prefix)}
    backbone.load_state_dict(state)
    return str(files.checkpoint)
