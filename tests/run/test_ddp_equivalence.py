"""Two ranks on gloo (CPU) compute what one process computes on the concatenated batch.

For every framework: the loss (averaged over ranks), every weight gradient (after DDP's
average) and every architecture gradient (averaged as the engine averages them) of a 2-rank
step over halves of a batch equal those of one process over the whole batch, with
synchronised BatchNorm and gathered negatives. The heads are a tiny compiled search space with
an op choice whose candidates hold width choices, so mixed ops, width masks, the fused
BatchNorm and the architecture weights are all in the comparison. A hard Gumbel draw (GDAS)
runs one fused candidate alone through the functional BatchNorm (`bn_forward`), which must
synchronise too.

MoCo v2's shuffle-BN permutation is drawn differently on one and two processes; with
synchronised BatchNorm the permutation changes no key, so the keys still agree. The queue
test checks that after k steps every rank holds every rank's keys in the official order.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
import torch
import torch.multiprocessing as mp

from nasiam_dsl.backbones import build_backbone
from nasiam_dsl.frameworks import get_framework

FRAMEWORKS = ("simsiam", "byol", "mocov2", "mocov3", "simclr", "barlowtwins", "vicreg")
BATCH = 8  # 4 per rank
WORLD = 2
QUEUE_STEPS = 3
PROJECTOR = """\
  head projector(x: backbone) {
    h = choose(
      linear(x, width{8, 16}, bias=false) | bn | act{relu, silu},
      linear(x, width{8, 16}, bias=false) | bn
    )
    z = linear(h, 16) | bn
  }
"""
PREDICTOR = """\
  head predictor(z: projector) {
    h = linear(z, 8, bias=false) | bn | relu
    p = linear(h, 16)
  }
"""
OPTIONS = {"mocov2": {"queue_size": 64}, "byol": {}, "simsiam": {}}
HARD_DRAW = ("simsiam", "byol")  # one fused candidate alone (bn_forward), EMA copy included
CASES = [(name, "softmax") for name in FRAMEWORKS] + [(name, "gumbel") for name in HARD_DRAW]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build(name: str, sampler: str = "softmax"):
    """(framework, architecture weights) of `name` on a 16-feature CNN and a tiny space, the
    choices relaxed by `sampler`."""
    from nasiam_dsl.compile import compile_space
    from nasiam_dsl.search.samplers import get_sampler

    cls = get_framework(name)
    text = f"space tiny for {name} {{\n" + PROJECTOR
    if "predictor" in cls.head_slots:
        text += PREDICTOR
    supernet = compile_space(text + "}\n", 16, seed=0)
    supernet.arch.sampler = get_sampler(sampler)
    torch.manual_seed(0)
    backbone = build_backbone("small_cnn", in_channels=3, width=4)
    heads = {slot: supernet.heads[slot] for slot in cls.head_slots}
    framework = cls(backbone, heads, OPTIONS.get(name))
    return framework.train(), supernet.arch


def batch(step: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(100 + step)
    base = torch.randn(BATCH, 3, 10, 10, generator=g)
    return base + 0.3 * torch.randn(base.shape, generator=g), base.flip(-1)


def one_step(model, framework, arch, x1, x2) -> dict:
    """Loss and gradients of one step (the caller averages across ranks)."""
    with arch.step():
        out = model(x1, x2)
    out.loss.backward()
    grads = {k: p.grad.clone() for k, p in framework.named_parameters() if p.grad is not None}
    arch_grads = {
        k: p.grad.clone() if p.grad is not None else torch.zeros_like(p)  # unpicked (hard draw)
        for k, p in arch.alphas().items()
    }
    return {"loss": out.loss.detach(), "grads": grads, "arch": arch_grads}


def queue_run(model, framework, arch, xs_of_step) -> dict:
    """`QUEUE_STEPS` SGD steps with the enqueue after each; the queue and each step's keys."""
    optimiser = torch.optim.SGD(framework.param_groups(0.05), lr=0.05, momentum=0.9)
    keys = []
    for step in range(QUEUE_STEPS):
        optimiser.zero_grad()
        with arch.step():
            out = model(*xs_of_step(step))
        out.loss.backward()
        optimiser.step()
        framework.on_step_end(out, step / QUEUE_STEPS)
        keys.append(out.commit["keys"].clone())
    return {"queue": framework.queue.clone(), "ptr": int(framework.queue_ptr), "keys": keys}


def _worker(rank: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    from nasiam_dsl.backbones.norm import convert_sync_bn

    dist.init_process_group("gloo", rank=rank, world_size=WORLD)
    n = BATCH // WORLD
    mine = slice(rank * n, (rank + 1) * n)

    def average(t: torch.Tensor) -> torch.Tensor:
        dist.all_reduce(t)
        return t / WORLD

    results = {}
    for name, sampler in CASES:
        framework, arch = build(name, sampler)
        convert_sync_bn(framework)
        model = DistributedDataParallel(framework)
        x1, x2 = batch()
        step = one_step(model, framework, arch, x1[mine], x2[mine])
        step["loss"] = average(step["loss"])
        step["arch"] = {k: average(g) for k, g in step["arch"].items()}
        results[f"{name}-{sampler}"] = step
    framework, arch = build("mocov2")
    convert_sync_bn(framework)
    model = DistributedDataParallel(framework)

    def local(step: int):
        x1, x2 = batch(step)
        return x1[mine], x2[mine]

    results["queue"] = queue_run(model, framework, arch, local)
    torch.save(results, Path(out) / f"rank{rank}.pt")
    dist.destroy_process_group()


@pytest.fixture(scope="module")
def ranks(tmp_path_factory) -> list[dict]:
    out = tmp_path_factory.mktemp("ddp")
    mp.spawn(_worker, args=(_free_port(), str(out)), nprocs=WORLD)
    return [torch.load(out / f"rank{r}.pt", weights_only=True) for r in range(WORLD)]


def close(a: torch.Tensor, b: torch.Tensor, what: str) -> None:
    torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5, msg=lambda m: f"{what}: {m}")


@pytest.mark.parametrize(("name", "sampler"), CASES)
def test_two_ranks_equal_one_process(ranks, name, sampler, one_thread) -> None:
    framework, arch = build(name, sampler)
    x1, x2 = batch()
    single = one_step(framework, framework, arch, x1, x2)
    assert any(k.endswith("width") for k in single["arch"]), "the space has a width choice"
    for r, got in enumerate(ranks):
        got = got[f"{name}-{sampler}"]
        close(got["loss"], single["loss"], f"rank {r} loss")
        assert got["grads"].keys() == single["grads"].keys()
        for key, grad in single["grads"].items():
            close(got["grads"][key], grad, f"rank {r} gradient of {key}")
        for key, grad in single["arch"].items():
            # a hard draw leaves the unpicked candidate's width choice without gradient
            assert grad.abs().max() > 0 or sampler == "gumbel", key
            close(got["arch"][key], grad, f"rank {r} architecture gradient of {key}")
        assert any(g.abs().max() > 0 for g in single["arch"].values())


def test_mocov2_queue_holds_every_ranks_keys_in_official_order(ranks, one_thread) -> None:
    """Every step enqueues view 1's keys of rank 0, rank 1, then view 2's, on every rank; the
    queue is then the queue of one process over the concatenated batches."""
    n = BATCH // WORLD
    q0, q1 = ranks[0]["queue"], ranks[1]["queue"]
    assert torch.equal(q0["queue"], q1["queue"])
    assert q0["ptr"] == q1["ptr"] == QUEUE_STEPS * 2 * BATCH
    framework, arch = build("mocov2")
    initial = framework.queue.clone()
    expected = initial.clone()
    for step in range(QUEUE_STEPS):
        parts = []
        for view in range(2):
            for r in range(WORLD):
                parts.append(ranks[r]["queue"]["keys"][step][view * n : (view + 1) * n])
        start = step * 2 * BATCH
        expected[start : start + 2 * BATCH] = torch.cat(parts)
    assert torch.equal(q0["queue"], expected)
    single = queue_run(framework, framework, arch, batch)
    close(q0["queue"], single["queue"], "queue against one process")
    assert not torch.equal(q0["queue"][: 2 * BATCH], initial[: 2 * BATCH])
