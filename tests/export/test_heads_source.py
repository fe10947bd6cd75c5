"""Heads as Python source: the generated file is ruff clean, loads its state dict strictly and
computes what nasiam's compiled heads compute, whatever the genotype's names and options."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from nasiam_dsl.compile import compile_genotype
from nasiam_dsl.export import heads_source
from nasiam_dsl.usage import UsageProblem
from tests.export.conftest import DAG_GENOTYPE, import_by_path

# names Python or the generated file bind themselves, options away from their defaults
AWKWARD = """\
genotype awkward for simsiam {
  head projector(torch: backbone) {
    lambda = linear(torch, 12, bias=false) | bn(eps=0.001, momentum=0.2) | gelu(approximate=tanh)
    self = linear(lambda, 12) | layernorm(affine=false) | leaky_relu(negative_slope=0.2)
    F = sum(lambda, self) | elu(alpha=0.5) | zero
    z = concat(F, self) | linear(10, bias=frozen) | tanh
  }
  head predictor(z: projector) {
    p = linear(z, 10) | hardswish | mish | sigmoid | silu
  }
}
"""


def _randomised(net: nn.Module) -> nn.Module:
    """Non-trivial BatchNorm statistics and affine weights, then eval mode."""
    torch.manual_seed(1)
    for module in net.modules():
        if isinstance(module, nn.BatchNorm1d):
            module.running_mean.normal_()
            module.running_var.uniform_(0.5, 2.0)
        if isinstance(module, (nn.BatchNorm1d, nn.LayerNorm)) and module.weight is not None:
            module.weight.data.normal_()
            module.bias.data.normal_()
    return net.eval()


def _generate(genotype: str, width: int, tmp_path: Path, name: str):
    net = _randomised(compile_genotype(genotype, width, seed=0))
    written = heads_source(net, f"Heads of {name}.")
    path = tmp_path / "heads.py"
    path.write_text(written.text)
    heads = import_by_path(path, name).build_heads()
    heads.load_state_dict(written.state_dict, strict=True)
    return net, heads.eval(), written, path


@pytest.mark.parametrize(("genotype", "width"), [(DAG_GENOTYPE, 12), (AWKWARD, 6)])
def test_generated_heads_compute_the_compiled_heads(genotype, width, tmp_path):
    net, heads, _, _ = _generate(genotype, width, tmp_path, f"heads_{width}")
    x = torch.randn(5, width)
    with torch.no_grad():
        expected = net(x)
        z = heads["projector"](x)
        torch.testing.assert_close(z, expected["projector"], rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(heads["predictor"](z), expected["predictor"])


def test_awkward_names_stay_readable(tmp_path):
    _, _, written, path = _generate(AWKWARD, 6, tmp_path, "heads_names")
    text = path.read_text()
    # keywords and names the file binds get a trailing underscore, the rest stay as written
    for line in ("lambda_ = self.lambda_linear(torch_)", "self_ = self.self_linear(lambda_)"):
        assert line in text
    assert "F_ = torch.zeros_like(F_)" in text
    assert 'nn.GELU(approximate="tanh")' in text
    assert written.sequential == {"projector": False, "predictor": True}


@pytest.mark.parametrize("settings", [[], ["--isolated"]])
def test_generated_file_is_ruff_clean(settings, tmp_path):
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.skip("ruff is not installed")
    (tmp_path / "dag").mkdir()
    (tmp_path / "awkward").mkdir()
    _, _, _, path = _generate(DAG_GENOTYPE, 12, tmp_path / "dag", "heads_ruff")
    _, _, _, awkward = _generate(AWKWARD, 6, tmp_path / "awkward", "heads_ruff2")
    for file in (path, awkward):
        for command in (["check", *settings], ["format", "--check", *settings]):
            done = subprocess.run([ruff, *command, str(file)], capture_output=True, text=True)
            assert done.returncode == 0, done.stdout + done.stderr


def test_a_head_op_without_a_plain_pytorch_form_is_named(tmp_path):
    class Custom(nn.Module):
        def forward(self, x):
            return x * 2

    net = compile_genotype(DAG_GENOTYPE, 12)
    net.heads["projector"].nodes["b"].stages[2] = Custom()
    with pytest.raises(UsageProblem, match="head 'projector', node 'b': Custom is not a standard"):
        heads_source(net, "Heads.")
