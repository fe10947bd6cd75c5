"""`export_run` on tiny finished runs: the files load into plain torchvision / PyTorch with
`strict=True` and compute what nasiam's backbone and compiled heads compute (eval mode)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
import torchvision
from torch import nn

from nasiam_dsl.backbones import build_backbone
from nasiam_dsl.compile import compile_genotype
from nasiam_dsl.data import dataset_info
from nasiam_dsl.export import EXPORT_FILES, export_run
from tests.export.conftest import CHAIN_GENOTYPE, DAG_GENOTYPE, import_by_path, train_run


def _nasiam_backbone(run_dir: Path, name: str, **options) -> nn.Module:
    backbone = build_backbone(name, in_channels=1, **options)
    backbone.load_state_dict(torch.load(run_dir / "backbone.pt", weights_only=True))
    return backbone.eval()


def _nasiam_heads(run_dir: Path, genotype: str, backbone_dim: int) -> nn.Module:
    """The genotype compiled by nasiam with the run's trained head weights."""
    fixed = compile_genotype(genotype, backbone_dim)
    model = torch.load(run_dir / "model.pt", weights_only=True)
    prefix = "framework.heads."
    fixed.heads.load_state_dict(
        {k[len(prefix) :]: v for k, v in model.items() if k.startswith(prefix)}, strict=True
    )
    return fixed.eval()


def _exported_heads(folder: Path, module_name: str) -> nn.ModuleDict:
    generated = import_by_path(folder / "heads.py", module_name)
    heads = generated.build_heads()
    state = torch.load(folder / "heads_state_dict.pt", weights_only=True)
    heads.load_state_dict(state, strict=True)
    return heads.eval()


@torch.no_grad()
def _assert_heads_match(exported: nn.ModuleDict, nasiam: nn.Module, features: torch.Tensor):
    expected = nasiam(features)
    z = exported["projector"](features)
    close = {"rtol": 1e-5, "atol": 1e-5}
    torch.testing.assert_close(z, expected["projector"], **close)
    torch.testing.assert_close(exported["predictor"](z), expected["predictor"], **close)


def test_cifar_resnet18_loads_into_plain_torchvision(
    tiny_config, tmp_path, one_thread, monkeypatch
):
    from nasiam_dsl.evaluate import KnnMonitor

    # the end-of-run kNN monitor would push thousands of images through the ResNet
    monkeypatch.setattr(KnnMonitor, "read", lambda *args, **kwargs: None)
    run_dir = train_run(tiny_config, tmp_path, CHAIN_GENOTYPE, backbone="cifar_resnet18")
    result = export_run(run_dir, tmp_path / "export")
    out = result.folder
    assert result.backbone_format == "torchvision"
    assert set(result.files) == set(EXPORT_FILES) - {"backbone.pt2", "backbone_model.py"}
    recipe = json.loads((out / "backbone.json").read_text())
    # grey 28x28 images: the CIFAR stem takes one channel
    assert recipe["conv1"] == {
        "in_channels": 1,
        "out_channels": 64,
        "kernel_size": 3,
        "stride": 1,
        "padding": 1,
        "bias": False,
    }
    assert (recipe["arch"], recipe["maxpool"], recipe["fc"]) == ("resnet18", "Identity", "Identity")
    assert recipe["feature_dim"] == 512

    # the three lines backbone.json describes, with torchvision alone
    model = torchvision.models.resnet18()
    model.conv1 = nn.Conv2d(**recipe["conv1"])
    model.maxpool, model.fc = nn.Identity(), nn.Identity()
    state = torch.load(out / "backbone_state_dict.pt", weights_only=True)
    model.load_state_dict(state, strict=True)
    reference = torchvision.models.resnet18().state_dict()
    assert set(state) == set(reference) - {"fc.weight", "fc.bias"}

    x = torch.randn(4, 1, 28, 28)
    with torch.no_grad():
        expected = _nasiam_backbone(run_dir, "cifar_resnet18")(x)
        torch.testing.assert_close(model.eval()(x), expected)
        loader = import_by_path(out / "load_backbone.py", "load_backbone")
        torch.testing.assert_close(loader.load_backbone(out)(x), expected)

    heads = _exported_heads(out, "heads_chain")
    assert result.sequential == {"projector": True, "predictor": True}
    assert isinstance(heads["projector"], nn.Sequential)
    # the frozen bias is a buffer of the generated module, not a parameter
    frozen = heads["projector"].z_linear
    assert "bias" in dict(frozen.named_buffers()) and "bias" not in dict(frozen.named_parameters())
    _assert_heads_match(heads, _nasiam_heads(run_dir, CHAIN_GENOTYPE, 512), expected)

    norm = json.loads((out / "normalization.json").read_text())
    info = dataset_info("embedded")
    assert (norm["mean"], norm["std"]) == (list(info.mean), list(info.std))
    assert (norm["channels"], norm["image_size"]) == (1, 28)
    readme = (out / "README.md").read_text()
    assert all(f"`{name}`" in readme for name in result.files if name != "README.md")


def test_small_cnn_exports_trainable_source_or_a_program_and_dag_heads(
    tiny_config, tmp_path, one_thread
):
    run_dir = train_run(tiny_config, tmp_path, DAG_GENOTYPE)
    result = export_run(run_dir, tmp_path / "export")
    out = result.folder
    recipe = json.loads((out / "backbone.json").read_text())
    assert (result.backbone_format, recipe["module"], recipe["class"]) == (
        "source",
        "backbone_model.py",
        "SmallCNN",
    )
    assert recipe["kwargs"] == {"in_channels": 1, "width": 4}
    source = (out / "backbone_model.py").read_text()
    imports = [ln for ln in source.splitlines() if ln.startswith(("import ", "from "))]
    assert imports and not any("nasiam" in ln for ln in imports)  # torch alone
    assert not (out / "backbone.pt2").exists()

    x = torch.randn(3, 1, 28, 28)
    with torch.no_grad():
        expected = _nasiam_backbone(run_dir, "small_cnn", width=4)(x)
    loader = import_by_path(out / "load_backbone.py", "load_backbone")
    backbone = loader.load_backbone(out)
    with torch.no_grad():
        torch.testing.assert_close(backbone(x), expected)
    # an ordinary module: it fine-tunes (BatchNorm in training mode, gradients, a step)
    backbone.train()
    before = backbone.features[0].weight.detach().clone()
    optimizer = torch.optim.SGD(backbone.parameters(), lr=0.1)
    backbone(x).pow(2).mean().backward()
    optimizer.step()
    assert not torch.equal(before, backbone.features[0].weight)

    program = export_run(run_dir, tmp_path / "program", program=True).folder
    recipe = json.loads((program / "backbone.json").read_text())
    assert (recipe["format"], recipe["program"]) == ("torch.export", "backbone.pt2")
    assert recipe["example_input_shape"] == [2, 1, 28, 28]
    assert not (program / "backbone_model.py").exists()
    with torch.no_grad():  # another batch size than the example's
        torch.testing.assert_close(
            torch.export.load(program / "backbone.pt2").module()(x), expected
        )
        torch.testing.assert_close(loader.load_backbone(program)(x), expected)

    heads = _exported_heads(out, "heads_dag")
    assert result.sequential == {"projector": False, "predictor": True}
    source = (out / "heads.py").read_text()
    for written in ("c = a + b", "torch.cat([a, d], dim=1)", "(e + a) / 2", "F.max_pool1d(a"):
        assert written in source
    _assert_heads_match(heads, _nasiam_heads(run_dir, DAG_GENOTYPE, 16), expected)
    assert (out / "genotype.nas").read_text() == DAG_GENOTYPE


def test_a_second_export_needs_an_empty_folder_or_overwrite(tiny_config, tmp_path, one_thread):
    from nasiam_dsl.usage import UsageProblem

    run_dir = train_run(tiny_config, tmp_path, CHAIN_GENOTYPE)
    out = tmp_path / "export"
    export_run(run_dir, out)
    with pytest.raises(UsageProblem, match="is not empty"):
        export_run(run_dir, out)
    again = export_run(run_dir, out, overwrite=True)
    assert sorted(p.name for p in out.iterdir()) == sorted(again.files)


def test_a_search_exports_its_derived_genotype_with_the_chosen_weights(tiny_config, tmp_path):
    from nasiam_dsl.run.runner import start
    from tests.export.conftest import QuietUI

    config = tiny_config(epochs=1, steps_per_epoch=2, batch_size=8, data={"limit": 64})
    run_dir = start(config, QuietUI()).run_dir
    result = export_run(run_dir, tmp_path / "export")
    out = result.folder
    assert (out / "genotype.nas").read_text() == (run_dir / "genotype.nas").read_text()
    heads = _exported_heads(out, "heads_searched")
    # the predictor's chosen width keeps the leading rows of the supernet's widest linear
    supernet = torch.load(run_dir / "model.pt", weights_only=True)
    widest = supernet["framework.heads.predictor.nodes.h.stages.0.weight"]
    chosen = heads["predictor"].h_linear.weight
    assert chosen.shape[0] in (8, 16)
    torch.testing.assert_close(chosen, widest[: chosen.shape[0]])
    with torch.no_grad():
        features = torch.randn(4, result.feature_dim)
        assert heads["predictor"](heads["projector"](features)).shape == (4, 32)


DEPTH_SPACE = """\
space deep for simsiam {
  block layer(x, w) { linear(x, w, bias=false) | bn | act{relu, gelu} }
  head projector(x: backbone) {
    h = repeat {1, 2} layer(x, 32)
    z = linear(h, 16, bias=frozen) | bn(affine=false)
  }
  head predictor(z: projector) {
    h = linear(z, 8, bias=false) | bn | relu
    p = linear(h, 16)
  }
  constraint params(projector) <= 1200
}
"""


def test_a_search_that_keeps_the_shallower_depth_exports(tiny_config, tmp_path):
    """The genotype leaves out the layer past its depth; export, weight transfer and
    `check --space` all take it as the member it is."""
    from nasiam_dsl.lang import parse_file
    from nasiam_dsl.membership import membership
    from nasiam_dsl.run.runner import start
    from tests.export.conftest import QuietUI

    space = tmp_path / "deep.nas"
    space.write_text(DEPTH_SPACE)
    config = tiny_config(spec=str(space), epochs=1, steps_per_epoch=2, batch_size=8)
    run_dir = start(config, QuietUI()).run_dir
    genotype = parse_file(run_dir / "genotype.nas")
    assert [n.name for n in genotype.head("projector").nodes] == ["h1", "h", "z"]
    assert membership(genotype, parse_file(space)).ok
    result = export_run(run_dir, tmp_path / "export")
    heads = _exported_heads(result.folder, "heads_deep")
    supernet = torch.load(run_dir / "model.pt", weights_only=True)
    kept = heads["projector"].h1_linear.weight
    torch.testing.assert_close(
        kept, supernet["framework.heads.projector.nodes.h1.stages.0.weight"][: kept.shape[0]]
    )
    with torch.no_grad():
        out = heads["predictor"](heads["projector"](torch.randn(4, result.feature_dim)))
    assert out.shape == (4, 16)
