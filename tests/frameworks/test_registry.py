"""Framework registry: names, did-you-mean, `module:Class` plugins."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from nasiam_dsl.frameworks import (
    Encoded,
    Framework,
    StepOutput,
    available_frameworks,
    build_framework,
    get_framework,
    register_framework,
)
from nasiam_dsl.frameworks.registry import UnknownNameError
from nasiam_dsl.frameworks.simsiam import SimSiam
from nasiam_dsl.names import import_object, suggest

PLUGIN = """
import torch
from nasiam_dsl.frameworks import Encoded, Framework, StepOutput


class MeanMatch(Framework):
    name = "meanmatch"
    head_slots = ("projector",)
    default_genotype = "meanmatch.nas"

    def head_loss(self, enc: Encoded) -> StepOutput:
        z1, z2 = self.heads["projector"](enc.f1), self.heads["projector"](enc.f2)
        loss = (z1 - z2).pow(2).mean()
        return StepOutput(loss, z1.detach(), z2.detach(), self._logs(loss, z1))


NotAFramework = torch.nn.Linear
"""


def test_lookup_by_name() -> None:
    assert get_framework("simsiam") is SimSiam
    assert available_frameworks() == sorted(available_frameworks())


def test_unknown_name_suggests_close_names() -> None:
    with pytest.raises(UnknownNameError) as info:
        get_framework("simsaim")
    err = info.value
    assert isinstance(err, LookupError)
    assert err.kind == "framework" and err.name == "simsaim"
    assert err.suggestions[0] == "simsiam"
    assert str(err) == "unknown framework 'simsaim'; did you mean 'simsiam'?"
    with pytest.raises(UnknownNameError) as info:
        get_framework("zzzz")
    assert info.value.suggestions == [] and "did you mean" not in str(info.value)


def test_dotted_path_plugin(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "my_ssl_plugin.py").write_text(PLUGIN)
    monkeypatch.syspath_prepend(str(tmp_path))
    cls = get_framework("my_ssl_plugin:MeanMatch")
    assert issubclass(cls, Framework) and cls.name == "meanmatch"
    backbone = nn.Sequential(nn.Flatten(), nn.Linear(12, 6))
    backbone.feature_dim = 6
    fw = build_framework("my_ssl_plugin:MeanMatch", backbone, {"projector": nn.Linear(6, 4)})
    out = fw.training_step(torch.randn(5, 12), torch.randn(5, 12))
    assert out.loss.ndim == 0 and out.z1.shape == (5, 4)
    with pytest.raises(TypeError, match="not a Framework"):
        get_framework("my_ssl_plugin:NotAFramework")
    with pytest.raises(UnknownNameError) as info:
        get_framework("my_ssl_plugin:MeanMatc")
    assert "my_ssl_plugin:MeanMatch" in info.value.suggestions
    with pytest.raises(ModuleNotFoundError):
        get_framework("no_such_plugin_module:X")
    assert "meanmatch" not in available_frameworks()  # plugins are not registered globally


def test_register_framework_rejects_conflicts() -> None:
    class Impostor(Framework):
        name = "simsiam"
        head_slots = ("projector",)
        default_genotype = "simsiam.nas"

        def head_loss(self, enc: Encoded) -> StepOutput:
            raise NotImplementedError

    with pytest.raises(ValueError, match="already registered"):
        register_framework(Impostor)
    assert register_framework(SimSiam) is SimSiam
    with pytest.raises(TypeError):
        register_framework(nn.Linear)  # type: ignore[arg-type]


def test_names_helpers() -> None:
    assert suggest("Resnet18", ["resnet18", "resnet34", "vgg"]) == ["resnet18", "resnet34"]
    assert import_object("math:pi") == pytest.approx(3.14159, abs=1e-5)
    assert import_object("os.path:join.__name__") == "join"
    with pytest.raises(ValueError):
        import_object("math.pi")
