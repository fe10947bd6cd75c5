"""A persistent batch stream over a loader: one iterator per epoch, state for resume.

NASiam called ``next(iter(val_loader))`` every step: its workers were re-spawned
each step and the held-out split was never covered epoch by epoch. ``InfiniteLoader`` keeps
one iterator, re-creates it when an epoch is exhausted, and records ``(epoch, position)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from torch.utils.data import DataLoader

from nasiam_dsl.data.loaders import ResumableSampler, set_loader_epoch


class InfiniteLoader:
    """``next(stream)`` yields batches forever, covering the dataset once per epoch.

    ``state_dict()`` / ``load_state_dict()`` save and restore ``(epoch, position)``, position
    being the number of batches already drawn this epoch. With a ``make_loader`` loader the
    resume is exact and skips no data loading; other loaders are fast-forwarded by drawing
    and discarding ``position`` batches.
    """

    def __init__(self, loader: DataLoader, epoch: int = 0) -> None:
        if len(loader) == 0:
            raise ValueError("loader yields no batches (dataset smaller than one batch?)")
        self.loader = loader
        self.epoch = epoch
        self.position = 0
        self._iterator: Iterator[Any] | None = None

    def __iter__(self) -> InfiniteLoader:
        return self

    def _start_epoch(self) -> None:
        set_loader_epoch(self.loader, self.epoch)
        sampler = self.loader.sampler
        skip = self.position
        if isinstance(sampler, ResumableSampler) and self.loader.batch_size is not None:
            sampler.set_start(min(skip * self.loader.batch_size, sampler.num_samples))
            skip = 0
        self._iterator = iter(self.loader)
        for _ in range(skip):
            next(self._iterator)

    def __next__(self) -> Any:
        if self._iterator is None:
            self._start_epoch()
        try:
            batch = next(self._iterator)
        except StopIteration:
            self.epoch += 1
            self.position = 0
            self._start_epoch()
            batch = next(self._iterator)
        self.position += 1
        return batch

    def __len__(self) -> int:
        """Batches per epoch."""
        return len(self.loader)

    def state_dict(self) -> dict[str, int]:
        """Where the stream stands: ``{"epoch": e, "position": batches drawn this epoch}``."""
        return {"epoch": self.epoch, "position": self.position}

    def load_state_dict(self, state: dict[str, int]) -> None:
        """Continue from a ``state_dict``; the next batch is the one that would have followed."""
        self.epoch = int(state["epoch"])
        self.position = int(state["position"])
        self._iterator = None
