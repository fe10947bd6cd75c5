"""Every framework runs through the runner with compiled heads: training a genotype, and
searching a space inside the momentum frameworks, whose EMA copy shares the decisions."""

from __future__ import annotations

import pytest

from nasiam_dsl.compile import ArchParameters
from nasiam_dsl.run.runner import start
from tests.run.test_runner import QuietUI

PROJ = "head projector(x: backbone) {{ h = linear(x, 32, bias=false) | bn | relu \n z = {z} }}"
PRED = (
    "head predictor(z: projector) { h = linear(z, 16, bias=false) | bn | relu \n "
    "p = linear(h, 16) }"
)
HEADS = {
    "simsiam": PROJ.format(z="linear(h, 16, bias=frozen) | bn(affine=false)") + PRED,
    "byol": PROJ.format(z="linear(h, 16, bias=false)") + PRED,
    "mocov3": PROJ.format(z="linear(h, 16, bias=false) | bn(affine=false)") + PRED,
    "mocov2": PROJ.format(z="linear(h, 16)"),
    "simclr": PROJ.format(z="linear(h, 16)"),
    "barlowtwins": PROJ.format(z="linear(h, 16, bias=false)"),
    "vicreg": PROJ.format(z="linear(h, 16, bias=false)"),
}
OPTIONS = {"mocov2": {"queue_size": 64}}


@pytest.mark.parametrize("framework", sorted(HEADS))
def test_every_framework_trains_a_genotype(framework, tiny_config, tmp_path):
    spec = tmp_path / f"{framework}.nas"
    spec.write_text(f"genotype g for {framework} {{ {HEADS[framework]} }}")
    config = tiny_config(
        command="train",
        spec=str(spec),
        framework=framework,
        framework_options=OPTIONS.get(framework, {}),
        epochs=1,
        steps_per_epoch=2,
        name=framework,
    )
    run = start(config, QuietUI())
    assert run.step == 2
    loss = [line for line in (run.run_dir / "metrics.jsonl").read_text().splitlines()]
    assert loss and "train/loss" in loss[-1]


SPACE_PROJ = (
    "head projector(x: backbone) { h = choose(linear(x, 32, bias=false) | bn | "
    "act{relu, silu}, linear(x, 32) | bn) \n z = linear(h, 16, bias=false) }"
)


@pytest.mark.parametrize("framework", ["byol", "mocov2", "mocov3"])
def test_momentum_frameworks_search_with_shared_decisions(framework, tiny_config, tmp_path):
    heads = SPACE_PROJ + (PRED if framework != "mocov2" else "")
    spec = tmp_path / f"{framework}.nas"
    spec.write_text(f"space s for {framework} {{ {heads} }}")
    config = tiny_config(
        spec=str(spec),
        framework=framework,
        framework_options=OPTIONS.get(framework, {}),
        epochs=1,
        name=framework,
    )
    run = start(config, QuietUI())
    fw = run.framework
    online, target = fw.heads["projector"], fw.target["projector"]
    arch = run.supernet.arch
    # the EMA copy reads the same architecture object; its own weights are not trainable
    mixed = [m for m in target.modules() if isinstance(getattr(m, "arch", None), ArchParameters)]
    assert mixed
    assert all(m.arch is arch for m in mixed)
    assert not any(p.requires_grad for p in target.parameters())
    assert all(p.requires_grad for p in online.parameters() if p.dtype.is_floating_point)
    # the projector's choice moved well past its init (1e-3 logits: |p - 0.5| < ~1e-3)
    probs = arch.probabilities()["projector.h.op"]
    assert (probs - 0.5).abs().max() > 5e-3
    assert (run.run_dir / "genotype.nas").is_file()
