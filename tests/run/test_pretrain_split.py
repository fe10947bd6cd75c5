"""A run pretrains on the dataset's self-supervised split: STL-10's train + unlabeled images."""

from __future__ import annotations

from nasiam_dsl.run.runner import start
from tests.data.conftest import write_stl
from tests.run.test_runner import QuietUI

GENOTYPE = """genotype g for simsiam {
  head projector(x: backbone) { z = linear(x, 16, bias=false) | bn(affine=false) }
  head predictor(z: projector) { p = linear(z, 16) }
}
"""


def test_stl10_pretrains_on_train_and_unlabeled(tiny_config, tmp_path):
    write_stl(tmp_path / "data" / "stl10_binary", {"train": 20, "test": 10, "unlabeled": 40})
    spec = tmp_path / "g.nas"
    spec.write_text(GENOTYPE)
    config = tiny_config(
        command="train",
        spec=str(spec),
        name="stl",
        epochs=1,
        batch_size=30,
        steps_per_epoch=None,
        knn_k=5,
        data={"dataset": "stl10-64", "data_dir": str(tmp_path / "data"), "limit": None},
    )
    run = start(config, QuietUI())
    # 60 images (20 labelled + 40 unlabelled) make 2 batches of 30; the labelled 20 alone none
    assert run.steps_per_epoch == 2 and run.step == 2
