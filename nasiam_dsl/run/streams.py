"""A run's data: the pretraining split, its weight and architecture halves as resumable
streams, and the two augmented views of a batch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.distributed import DistInfo
from nasiam_dsl.usage import UsageProblem


@dataclass
class Streams:
    """Batches for weight steps (`train`) and, searching, architecture steps (`val`)."""

    train: Any  # InfiniteLoader
    val: Any | None  # InfiniteLoader of the held-out half, None without an architecture
    augment: Any | None  # BatchedTwoViewAugment on the device, None: views made per sample
    steps_per_epoch: int
    info: Any  # DatasetInfo


def open_streams(
    config: RunConfig,
    info: Any,
    framework_name: str,
    device: torch.device,
    dist: DistInfo,
    split_for_architecture: bool,
) -> Streams:
    """The dataset's self-supervised split (STL-10: train + unlabeled), limited and halved as
    the config says, as per-rank loaders that resume mid-epoch."""
    from nasiam_dsl.data import (
        BatchedTwoViewAugment,
        DatasetError,
        InfiniteLoader,
        TwoViewTransform,
        augment_recipe,
        get_dataset,
        list_recipes,
        make_loader,
        pretrain_split,
        split_dataset,
        uint8_transform,
    )
    from nasiam_dsl.evaluate import limited

    recipe_name = framework_name if framework_name in list_recipes() else "simsiam"
    recipe = augment_recipe(recipe_name, info)
    batched = config.data.augment == "batched"
    transform = uint8_transform(info.image_size) if batched else TwoViewTransform(recipe)
    try:
        dataset = get_dataset(
            config.data.dataset,
            config.data.data_dir,
            pretrain_split(config.data.dataset),
            transform,
            download=config.data.download,
        )
    except DatasetError as e:
        raise UsageProblem(f"--dataset {config.data.dataset}: {e}") from None
    if config.data.limit is not None and config.data.limit < len(dataset):
        dataset = limited(dataset, config.data.limit, config.seed)
    weights_part, arch_part = dataset, None
    if split_for_architecture:
        weights_part, arch_part = split_dataset(dataset, config.train_portion, config.seed)
    per_rank = config.batch_size // max(dist.world_size, 1)
    if len(weights_part) < per_rank * dist.world_size:
        raise UsageProblem(
            f"--batch-size {config.batch_size} is larger than the "
            f"{len(weights_part)} images available for weight steps"
        )

    def loader(part, salt: int):
        return make_loader(
            part,
            per_rank,
            shuffle=True,
            seed=config.seed + salt,
            workers=config.data.workers,
            device=device,
            drop_last=True,
            distributed=dist.enabled,
            num_replicas=dist.world_size,
            rank=dist.rank,
        )

    train = InfiniteLoader(loader(weights_part, 0))
    val = InfiniteLoader(loader(arch_part, 1)) if arch_part is not None else None
    augment = (
        BatchedTwoViewAugment(recipe, seed=config.seed + 1000 * dist.rank).to(device)
        if batched
        else None
    )
    steps = len(train.loader)
    if config.steps_per_epoch:
        steps = min(steps, config.steps_per_epoch)
    return Streams(train, val, augment, steps, info)


def two_views(
    augment: Any | None, device: torch.device, channels_last: bool
) -> Callable[[Any], tuple[Tensor, Tensor]]:
    """A batch's two views on the device: augmented there (batched) or already made."""
    memory = torch.channels_last if channels_last else torch.contiguous_format

    def views(batch):
        images = batch[0]
        if augment is not None:
            images = images.to(device, non_blocking=True)
            v1, v2 = augment(images)
        else:
            v1, v2 = (v.to(device, non_blocking=True) for v in images)
        return v1.contiguous(memory_format=memory), v2.contiguous(memory_format=memory)

    return views
