"""Persistent held-out iterator: epoch coverage, re-creation at exhaustion, exact resume."""

from __future__ import annotations

import itertools

import pytest
from torch.utils.data import DataLoader, Dataset

from nasiam_dsl.data import InfiniteLoader, make_loader
from nasiam_dsl.data.loaders import ResumableSampler


class Indexed(Dataset):
    """Item i is (i, label): batches show which samples were drawn."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[int, int]:
        return i, i % 3


def ids(batch) -> list[int]:
    return [int(i) for i in batch[0]]


def test_each_epoch_covers_the_split_exactly_once() -> None:
    stream = InfiniteLoader(make_loader(Indexed(10), 3, seed=0))
    assert len(stream) == 4
    epochs = [[i for _ in range(4) for i in ids(next(stream))] for _ in range(3)]
    assert all(sorted(e) == list(range(10)) for e in epochs)
    assert epochs[0] != epochs[1]  # a new order per epoch
    assert stream.state_dict() == {"epoch": 2, "position": 4}
    next(stream)
    assert stream.state_dict() == {"epoch": 3, "position": 1}


def test_iterator_is_created_once_per_epoch(monkeypatch) -> None:
    loader = make_loader(Indexed(8), 4)
    created = []
    original = DataLoader.__iter__
    monkeypatch.setattr(DataLoader, "__iter__", lambda self: created.append(1) or original(self))
    stream = InfiniteLoader(loader)
    for _ in range(6):  # three epochs of two batches
        next(stream)
    assert len(created) == 3


@pytest.mark.parametrize("stop_after", [0, 1, 3, 4, 9])
def test_resume_continues_with_the_same_batches(stop_after: int) -> None:
    def stream() -> InfiniteLoader:
        return InfiniteLoader(make_loader(Indexed(11), 3, seed=7))

    reference = [ids(b) for b in itertools.islice(stream(), 14)]
    first = stream()
    for _ in range(stop_after):
        next(first)
    resumed = stream()
    resumed.load_state_dict(dict(first.state_dict()))
    continued = [ids(next(resumed)) for _ in range(14 - stop_after)]
    assert continued == reference[stop_after:]


def test_resume_uses_the_sampler_offset_not_replay(monkeypatch) -> None:
    loader = make_loader(Indexed(12), 3, seed=1)
    starts = []
    original = ResumableSampler.set_start
    monkeypatch.setattr(
        ResumableSampler, "set_start", lambda self, s: starts.append(s) or original(self, s)
    )
    stream = InfiniteLoader(loader)
    stream.load_state_dict({"epoch": 2, "position": 3})
    next(stream)
    assert starts[0] == 9  # three batches of three skipped without loading them


def test_plain_loader_resumes_by_fast_forward() -> None:
    loader = DataLoader(Indexed(7), batch_size=2)
    stream = InfiniteLoader(loader)
    stream.load_state_dict({"epoch": 5, "position": 2})
    assert ids(next(stream)) == [4, 5]
    assert ids(next(stream)) == [6]
    assert ids(next(stream)) == [0, 1] and stream.epoch == 6


def test_empty_loader_is_rejected() -> None:
    with pytest.raises(ValueError, match="no batches"):
        InfiniteLoader(make_loader(Indexed(2), 4, drop_last=True))
