"""Reproducible, resumable loaders: order from (seed, epoch), sharding, worker seeding."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from nasiam_dsl.data import ResumableSampler, make_loader, set_loader_epoch


class Indexed(Dataset):
    """Item i is (i, i % 3) plus a random draw, to observe order and worker seeding."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        return i, i % 3, float(torch.rand(()))


def order(loader) -> list[int]:
    return [int(i) for batch in loader for i in batch[0]]


def test_order_is_a_function_of_seed_and_epoch() -> None:
    ds = Indexed(20)
    a, b = make_loader(ds, 4, seed=1), make_loader(ds, 4, seed=1)
    first = order(a)
    assert first == order(b) and sorted(first) == list(range(20))
    assert first != list(range(20))
    assert order(a) == first  # no epoch change: same order again, not a drifting generator
    set_loader_epoch(a, 1)
    assert order(a) != first
    assert order(make_loader(ds, 4, seed=2)) != first


def test_no_shuffle_keeps_dataset_order_and_drop_last() -> None:
    loader = make_loader(Indexed(10), 4, shuffle=False, drop_last=True)
    assert order(loader) == list(range(8)) and len(loader) == 2


def test_pin_memory_only_for_cuda() -> None:
    assert not make_loader(Indexed(4), 2, device="cpu").pin_memory
    assert make_loader(Indexed(4), 2, device="cuda:0").pin_memory
    assert make_loader(Indexed(4), 2, device=torch.device("cuda")).pin_memory


def test_workers_are_persistent_seeded_and_do_not_change_order() -> None:
    ds = Indexed(16)
    with_workers = make_loader(ds, 4, seed=5, workers=2)
    assert with_workers.persistent_workers and not make_loader(ds, 4).persistent_workers
    batches = list(with_workers)
    again = list(make_loader(ds, 4, seed=5, workers=2))
    assert order(batches) == order(make_loader(ds, 4, seed=5))
    draws = torch.cat([b[2] for b in batches])
    assert torch.equal(draws, torch.cat([b[2] for b in again]))  # worker RNG seeded


def test_distributed_shards_are_disjoint_and_cover_the_data() -> None:
    ds = Indexed(21)
    shards = [make_loader(ds, 4, seed=3, distributed=True, num_replicas=2, rank=r) for r in (0, 1)]
    assert all(isinstance(s.sampler, ResumableSampler) for s in shards)
    seen = [order(s) for s in shards]
    assert len(seen[0]) == len(seen[1]) == 11  # padded to equal length, like DDP
    assert set(seen[0]) | set(seen[1]) == set(range(21))
    before = seen[0]
    set_loader_epoch(shards[0], 4)
    assert order(shards[0]) != before


def test_sampler_start_skips_into_the_epoch_once() -> None:
    sampler = ResumableSampler(Indexed(10), shuffle=True, seed=0, num_replicas=1, rank=0)
    full = list(sampler)
    sampler.set_start(6)
    assert len(sampler) == 4 and list(sampler) == full[6:]
    assert list(sampler) == full  # the next pass is whole again
    with pytest.raises(ValueError, match="outside"):
        sampler.set_start(11)


def test_rejects_empty_batches() -> None:
    with pytest.raises(ValueError, match="batch_size"):
        make_loader(Indexed(4), 0)


def test_plain_dataloader_still_works_with_set_loader_epoch() -> None:
    loader = DataLoader(Indexed(4), batch_size=2)
    set_loader_epoch(loader, 3)  # no set_epoch on a SequentialSampler: nothing to do
    assert np.array_equal(order(loader), [0, 1, 2, 3])
