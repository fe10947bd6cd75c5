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

import torch
from torch import nn

from nasiam_dsl.run.build import backbone_of, config_dataset_info
from nasiam_dsl.run.checkpoint import load_checkpoint
from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.run.probe import KNN_K, ProbeSettings
from nasiam_dsl.usage import UsageProblem


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
    k: int = KNN_K,
    probe_epochs: int | None = None,
    max_train: int | None = None,
    device: str = "cpu",
    probe: ProbeSettings | None = None,
) -> EvalResult:
    """kNN and linear-probe accuracy of the run's final backbone (or a random init).

    `probe` chooses the linear protocol (default: the fast probe, `probe_epochs` epochs when
    given)."""
    run_dir = Path(run_dir)
    config = load_run_config(run_dir)
    channels = config_dataset_info(config).channels
    torch.manual_seed(config.seed)
    backbone = backbone_of(config, channels)
    source = "random init"
    if not random_init:
        source = _load_weights(backbone, run_dir)
    if probe is None:
        probe = ProbeSettings(epochs=probe_epochs) if probe_epochs else ProbeSettings()
    return evaluate_backbone(
        config, backbone, source, k=k, probe=probe, max_train=max_train, device=device
    )


def evaluate_pixels(
    config: RunConfig,
    *,
    k: int = KNN_K,
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
