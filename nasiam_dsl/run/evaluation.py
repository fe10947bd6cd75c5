"""`nasiam eval`: kNN and linear-probe accuracy of a run's backbone (or of a random init).

Features are the backbone's, on un-augmented, normalised images: the kNN bank is the
training split (k=200, weights exp(sim/0.1), as the MoCo/SimSiam CIFAR monitors), the
linear probe trains one linear layer on frozen training features.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from nasiam_dsl.run.checkpoint import load_checkpoint
from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.usage import UsageProblem


@dataclass
class EvalResult:
    knn: float
    linear_probe: float
    train_images: int
    test_images: int
    weights: str

    def as_dict(self) -> dict:
        return asdict(self)


def _load_config(run_dir: Path) -> RunConfig:
    path = run_dir / "config.json"
    if not path.exists():
        raise UsageProblem(f"{run_dir} is not a nasiam run directory (no config.json)")
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
) -> EvalResult:
    """kNN and linear-probe accuracy of the run's final backbone (or a random init)."""
    from nasiam_dsl.backbones import build_backbone
    from nasiam_dsl.data import DatasetError, dataset_info, eval_transform, get_dataset, make_loader
    from nasiam_dsl.evaluate import extract_features, knn_accuracy, linear_probe

    run_dir = Path(run_dir)
    config = _load_config(run_dir)
    try:
        info = dataset_info(config.data.dataset, config.data.data_dir)
        tf = eval_transform(info)
        train = get_dataset(config.data.dataset, config.data.data_dir, "train", tf)
        test = get_dataset(config.data.dataset, config.data.data_dir, "test", tf)
    except DatasetError as e:
        raise UsageProblem(f"dataset {config.data.dataset}: {e}") from None
    if max_train is not None and max_train < len(train):
        from nasiam_dsl.run.runner import _limit

        train = _limit(train, max_train, config.seed)
    torch.manual_seed(config.seed)
    backbone = build_backbone(config.backbone, in_channels=info.channels, **config.backbone_options)
    source = "random init"
    if not random_init:
        weights = run_dir / "backbone.pt"
        if weights.exists():
            try:
                state = torch.load(weights, map_location="cpu", weights_only=True)
                backbone.load_state_dict(state)
            except Exception as e:
                raise UsageProblem(f"cannot load {weights}: {type(e).__name__}") from None
        else:
            ckpt = load_checkpoint(run_dir / "checkpoint.pt")
            prefix = "framework.backbone."
            state = {k[len(prefix) :]: v for k, v in ckpt["model"].items() if k.startswith(prefix)}
            backbone.load_state_dict(state)
            weights = run_dir / "checkpoint.pt"
        source = str(weights)
    backbone.to(device).eval()
    bank_f, bank_y = extract_features(backbone, make_loader(train, 256, shuffle=False), device)
    test_f, test_y = extract_features(backbone, make_loader(test, 256, shuffle=False), device)
    knn = knn_accuracy(
        bank_f, bank_y, test_f, test_y, k=min(k, len(bank_y)), t=0.1, num_classes=info.num_classes
    )
    probe = linear_probe(
        bank_f,
        bank_y,
        test_f,
        test_y,
        epochs=probe_epochs,
        num_classes=info.num_classes,
        seed=config.seed,
    )
    return EvalResult(float(knn), float(probe), len(bank_y), len(test_y), source)
