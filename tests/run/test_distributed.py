"""Two processes on gloo (CPU): weights and architecture weights stay bit-identical.

BatchNorm running statistics are not compared: DDP broadcasts them from rank 0 before each
forward, so between broadcasts every rank holds its own.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

import torch
import torch.multiprocessing as mp

from nasiam_dsl.run.config import RunConfig


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _QuietUI:
    def epoch_start(self, run): ...
    def step_done(self, run, logs): ...
    def epoch_done(self, run, record): ...


def _worker(rank: int, world: int, port: int, config_json: str, out: str) -> None:
    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        WORLD_SIZE=str(world),
        RANK=str(rank),
        LOCAL_RANK=str(rank),
    )
    torch.set_num_threads(1)
    from nasiam_dsl.run.runner import start

    run = start(RunConfig.model_validate_json(config_json), _QuietUI())
    # parameters only: BatchNorm running statistics are per rank between DDP's broadcasts
    params = {k: p.detach() for k, p in run.model.named_parameters()}
    torch.save(params, Path(out) / f"rank{rank}.pt")
    torch.distributed.destroy_process_group()


def test_two_ranks_stay_identical(tiny_config, tmp_path):
    config = tiny_config(name="ddp", epochs=1, steps_per_epoch=3, knn_k=5)
    mp.spawn(_worker, args=(2, _free_port(), config.model_dump_json(), str(tmp_path)), nprocs=2)
    a = torch.load(tmp_path / "rank0.pt", weights_only=True)
    b = torch.load(tmp_path / "rank1.pt", weights_only=True)
    arch = [k for k in a if k.startswith("arch.")]
    assert arch, "the tiny space has architecture weights"
    moved = False
    for key in a:
        assert torch.equal(a[key], b[key]), key
    for key in arch:
        moved |= bool((a[key] - a[key].mean()).abs().max() > 0)
    assert moved, "the architecture weights moved during the search"
    assert (Path(config.out) / "ddp" / "genotype.nas").is_file()


def test_torchrun_cli_search(tmp_path):
    """The documented multi-GPU command, on CPU with gloo: two ranks, one run directory."""
    import subprocess
    import sys

    from tests.conftest import TINY_SPACE
    from tests.test_cli_runs import TINY_TOML

    (tmp_path / "tiny.nas").write_text(TINY_SPACE)
    (tmp_path / "tiny.toml").write_text(TINY_TOML.replace("epochs = 2", "epochs = 1"))
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node",
        "2",
        "--master_port",
        str(_free_port()),
        "-m",
        "nasiam_dsl.cli",
        "search",
        str(tmp_path / "tiny.nas"),
        "--config",
        str(tmp_path / "tiny.toml"),
        "--out",
        str(tmp_path / "runs"),
        "--name",
        "ddp",
        "--quiet",
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert (tmp_path / "runs" / "ddp" / "genotype.nas").is_file()
    assert result.stdout.count("genotype tiny_derived") == 1  # only rank 0 prints


def test_unavailable_devices_are_usage_problems(monkeypatch):
    """A device the machine lacks is a message with cause and fix, never an internal error."""
    import pytest

    from nasiam_dsl.run.distributed import check_device
    from nasiam_dsl.usage import UsageProblem

    assert check_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert check_device("auto") == torch.device("cpu")
    with pytest.raises(UsageProblem, match="no CUDA GPU") as err:
        check_device("cuda")
    assert "--device cpu" in err.value.hint
    with pytest.raises(UsageProblem, match="not a device name") as err:
        check_device("gpu")
    assert err.value.hint == "use --device cuda"
    with pytest.raises(UsageProblem, match="no index"):
        check_device("cpu:1")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    with pytest.raises(UsageProblem, match="no Apple MPS"):
        check_device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert check_device("cuda:0") == torch.device("cuda:0")
    with pytest.raises(UsageProblem, match="has 1 GPU") as err:
        check_device("cuda:3")
    assert "cuda:0" in err.value.hint
