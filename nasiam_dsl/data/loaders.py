"""DataLoaders whose data order is a pure function of (seed, epoch, position).

One sampler serves both single-process and distributed runs: a ``DistributedSampler``
(with one replica when not distributed) that can also start mid-epoch, so a resumed run
sees exactly the batches it would have seen.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, DistributedSampler


class ResumableSampler(DistributedSampler):
    """``DistributedSampler`` whose epoch order can be entered at sample ``start``.

    Order depends only on ``seed + epoch`` (``set_epoch``), never on how many batches were
    drawn before, so it can be restored from ``(epoch, position)``.
    """

    def __init__(
        self,
        dataset: Dataset,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
        num_replicas: int | None = None,
        rank: int | None = None,
    ) -> None:
        super().__init__(
            dataset,
            num_replicas=num_replicas,
            rank=rank,
            shuffle=shuffle,
            seed=seed,
            drop_last=drop_last,
        )
        self.start = 0

    def set_start(self, start: int) -> None:
        """Skip the first ``start`` samples of this replica's epoch on the next iteration."""
        if not 0 <= start <= self.num_samples:
            raise ValueError(f"start {start} outside [0, {self.num_samples}]")
        self.start = start

    def __iter__(self) -> Iterator[int]:
        indices = list(super().__iter__())[self.start :]
        self.start = 0  # only the first pass after a resume is partial
        return iter(indices)

    def __len__(self) -> int:
        return self.num_samples - self.start


def _seed_worker(worker_id: int) -> None:
    """Seed numpy and ``random`` in each worker from torch's per-worker seed."""
    seed = torch.initial_seed() % 2**32
    np.random.seed(seed)
    random.seed(seed)


def make_loader(
    dataset: Dataset,
    batch_size: int,
    shuffle: bool = True,
    seed: int = 0,
    workers: int = 0,
    device: str | torch.device = "cpu",
    drop_last: bool = False,
    distributed: bool = False,
    num_replicas: int | None = None,
    rank: int | None = None,
) -> DataLoader:
    """A reproducible DataLoader.

    - order from a ``ResumableSampler`` (seed + epoch); call ``set_loader_epoch`` each epoch;
    - ``distributed`` shards across ``num_replicas``/``rank`` (default: the process group);
    - ``pin_memory`` only when ``device`` is CUDA, persistent workers when ``workers > 0``;
    - workers' torch/numpy/random seeds derive from a seeded ``torch.Generator``.
    """
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    if distributed:
        sampler = ResumableSampler(dataset, shuffle, seed, drop_last, num_replicas, rank)
    else:
        sampler = ResumableSampler(dataset, shuffle, seed, drop_last, num_replicas=1, rank=0)
    generator = torch.Generator().manual_seed(seed)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        num_workers=workers,
        pin_memory=torch.device(device).type == "cuda",
        drop_last=drop_last,
        persistent_workers=workers > 0,
        worker_init_fn=_seed_worker if workers > 0 else None,
        generator=generator,
    )


def set_loader_epoch(loader: DataLoader, epoch: int) -> None:
    """Select the epoch's data order (a no-op for samplers without ``set_epoch``)."""
    set_epoch = getattr(loader.sampler, "set_epoch", None)
    if set_epoch is not None:
        set_epoch(epoch)
