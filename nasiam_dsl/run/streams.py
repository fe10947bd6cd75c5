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


def sized_info(config: RunConfig, info: Any) -> Any:
    """The dataset's facts with the run's `--image-size` (views and the kNN monitor's bank)."""
    from nasiam_dsl.data import with_image_size

    return with_image_size(info, config.data.image_size)


def augmentation_of(config: RunConfig, framework: Any, info: Any) -> Any:
    """The run's `AugmentConfig`: the framework class's recipe (`Framework.augmentation`) for
    the (sized) dataset, with the augmentation options the config sets; a bad combination is
    a message naming them."""
    from nasiam_dsl.data import augment_recipe

    given = config.augmentation.given()
    try:
        return augment_recipe(framework.augmentation, info, **given)
    except ValueError as e:
        names = ", ".join(f"--{k.replace('_', '-')}" for k in given) or "the recipe"
        first = str(e).splitlines()[-1].strip() if str(e) else ""
        raise UsageProblem(f"augmentation ({names}) for {info.name}: {first}") from None


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
    framework: Any,
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
        get_dataset,
        make_loader,
        pretrain_split,
        split_dataset,
        uint8_transform,
    )
    from nasiam_dsl.evaluate import limited

    info = sized_info(config, info)
    recipe = augmentation_of(config, framework, info)
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


def with_augmentation(config: RunConfig) -> RunConfig:
    """`config` with its image size and every augmentation value written out (the
    framework's recipe where the config leaves them unset), as the run will use them; left
    as given when the dataset or framework cannot be read yet (the run's build says why)."""
    from nasiam_dsl.data import DatasetError, dataset_info
    from nasiam_dsl.frameworks.registry import get_framework
    from nasiam_dsl.names import UnknownNameError

    try:
        info = sized_info(config, dataset_info(config.data.dataset, config.data.data_dir))
        recipe = augmentation_of(config, get_framework(config.framework), info)
    except (
        DatasetError,
        UnknownNameError,
        ImportError,
        UsageProblem,
        ValueError,
        TypeError,
        OSError,
    ):
        return config
    fields = type(config.augmentation).model_fields
    values = {k: getattr(recipe, k) for k in fields}
    return config.model_copy(
        update={
            "data": config.data.model_copy(update={"image_size": info.image_size}),
            "augmentation": config.augmentation.model_validate(values),
        }
    )
