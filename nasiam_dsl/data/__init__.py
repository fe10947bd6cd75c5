"""Datasets, splits, two-view augmentation and loaders for siamese search and training."""

from nasiam_dsl.data.augment_config import AugmentConfig, AugmentRecipe, augment_recipe
from nasiam_dsl.data.batched_augment import BatchedTwoViewAugment, normalize_batch, to_unit_float
from nasiam_dsl.data.datasets import (
    dataset_info,
    get_dataset,
    list_datasets,
    pretrain_split,
    register_dataset,
    root_problem,
)
from nasiam_dsl.data.embedded import EMBEDDED_PATH, EmbeddedDataset
from nasiam_dsl.data.errors import DatasetError
from nasiam_dsl.data.infinite import InfiniteLoader
from nasiam_dsl.data.info import DatasetInfo, with_image_size
from nasiam_dsl.data.loaders import ResumableSampler, make_loader, set_loader_epoch
from nasiam_dsl.data.splits import dataset_labels, split_dataset, split_indices
from nasiam_dsl.data.two_view import (
    TwoViewTransform,
    eval_transform,
    uint8_transform,
    view_transform,
)

__all__ = [
    "EMBEDDED_PATH",
    "AugmentConfig",
    "AugmentRecipe",
    "BatchedTwoViewAugment",
    "DatasetError",
    "DatasetInfo",
    "EmbeddedDataset",
    "InfiniteLoader",
    "ResumableSampler",
    "TwoViewTransform",
    "augment_recipe",
    "dataset_info",
    "dataset_labels",
    "eval_transform",
    "get_dataset",
    "list_datasets",
    "make_loader",
    "normalize_batch",
    "pretrain_split",
    "register_dataset",
    "root_problem",
    "set_loader_epoch",
    "split_dataset",
    "split_indices",
    "to_unit_float",
    "uint8_transform",
    "view_transform",
    "with_image_size",
]
