"""One declaration per option: every config field is an option of `nasiam search` (and the
shared ones of `nasiam train`) and a TOML key, with the model's default, and both reach the
resolved config."""

from __future__ import annotations

import json
import typing
from pathlib import Path
from typing import Any, Literal

import click
import pytest
from click.testing import CliRunner
from pydantic import BaseModel

from nasiam_dsl.cli import main
from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.options import ConfigOption, cli_default, config_options
from nasiam_dsl.run.resolve import load_toml, merge, validated, with_nones

NOT_OPTIONS = {("command",), ("spec",)}
#: a valid value other than the default, where the type alone does not give one
OTHER = {
    ("framework",): "byol",
    ("backbone",): "resnet18",
    ("data", "dataset"): "fashion-mnist",  # cifar10 would need --data-dir as well
    ("search", "sampler"): "gumbel",
    ("device",): "cpu",
}


def _leaves(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, info in model.model_fields.items():
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            found += _leaves(info.annotation, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


def _at(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key] if isinstance(data, dict) else getattr(data, key)
    return data


def _other(option: ConfigOption) -> tuple[list[str], Any]:
    """Command-line words setting a non-default value, and that value in the config."""
    if option.negatable:  # None: decided by the run; sgd and one process decide off
        return [f"--{option.flag}"], True
    if option.is_flag:
        return [f"--{option.flag}"], option.sets
    if option.path in OTHER:
        return [f"--{option.flag}", OTHER[option.path]], OTHER[option.path]
    base = typing.get_args(option.annotation)[0] if option.default is None else None
    kind = base or type(option.default)
    if typing.get_origin(option.annotation) is Literal:
        value = next(v for v in typing.get_args(option.annotation) if v != option.default)
        return [f"--{option.flag}", value.replace("_", "-")], value
    if kind is tuple or typing.get_origin(kind) is tuple:
        values = (
            [0.4, 0.9] if kind is tuple else [0.4, 0.9, 0.3, 0.05][: len(typing.get_args(kind))]
        )
        return [f"--{option.flag}", *map(str, values)], values
    if kind is dict and option.path == ("framework_options",):  # checked against simsiam's
        return [f"--{option.flag}", '{"fix_pred_lr": false}'], {"fix_pred_lr": False}
    if kind is dict:
        return [f"--{option.flag}", '{"width": 4}'], {"width": 4}
    if kind is int:
        value = (option.default or 1) + 1
        return [f"--{option.flag}", str(value)], value
    if kind is float:
        value = option.default / 2 if option.default else 0.25
        return [f"--{option.flag}", str(value)], value
    return [f"--{option.flag}", "somewhere"], "somewhere"


def test_every_config_field_is_one_search_option() -> None:
    options = {o.path: o for o in config_options("search")}
    assert set(options) == set(_leaves(RunConfig)) - NOT_OPTIONS
    flags = [o.flag for o in options.values()]
    assert len(flags) == len(set(flags))
    shared = {o.path for o in config_options("train")}
    assert ("search", "sampler") not in shared and ("epochs",) in shared


def test_cli_defaults_are_the_model_defaults() -> None:
    search = next(c for c in main.commands.values() if c.name == "search")
    params = {p.name: p for p in search.params}
    ctx = click.Context(search)
    defaults = RunConfig(spec="x")
    for option in config_options("search"):
        default = _at(defaults, option.path)
        if option.negatable:
            assert params[option.param].get_default(ctx) is None
            assert cli_default(option) is None and option.default is None
            continue
        if option.is_flag:
            assert params[option.param].get_default(ctx) is False and option.sets != default
            continue
        shown = params[option.param].get_default(ctx)
        assert shown == cli_default(option), option.path
        if shown is not None and not isinstance(default, str):
            assert tuple(shown) == default if isinstance(default, tuple) else shown == default


def printed(output: str) -> dict[str, Any]:
    """What `--print-config` printed (TOML), read as `--config` reads it."""
    import tomllib

    return RunConfig.model_validate(with_nones(tomllib.loads(output))).model_dump(mode="json")


@pytest.mark.parametrize("option", config_options("search"), ids=lambda o: o.flag)
def test_each_option_reaches_the_config_from_the_cli(option: ConfigOption, tmp_path) -> None:
    words, value = _other(option)
    result = CliRunner().invoke(main, ["search", str(tmp_path / "s.nas"), *words, "--print-config"])
    assert result.exit_code == 0, result.output
    resolved = printed(result.output)
    if option.path == ("data", "data_dir"):  # a printed config resolves from any directory
        value = str(Path(value).resolve())
    assert _at(resolved, option.path) == value
    default = RunConfig(spec="x").model_dump(mode="json")
    assert resolved != {**default, "spec": str(tmp_path / "s.nas")}


def _toml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def test_each_option_reaches_the_config_from_toml(tmp_path) -> None:
    lines, expected = [], {}
    for option in config_options("search"):
        _, value = _other(option)
        if option.path in (("engine", "order"), ("recipe",)):
            # second order needs the bilevel mode the `mode` line changes; a recipe fills
            # framework options this file leaves unset
            continue
        if option.path == ("engine", "mode"):
            value = "bilevel"  # --rank-weight (set below) acts on bilevel steps only
        lines.append(f"{'.'.join(option.path)} = {_toml_value(value)}")
        expected[option.path] = value
    path = tmp_path / "all.toml"
    path.write_text("\n".join(lines) + "\n")
    config = validated(merge(load_toml(path), {"spec": "s.nas", "command": "search"}))
    dumped = config.model_dump(mode="json")
    for key, value in expected.items():
        assert _at(dumped, key) == value, key
    empty = tmp_path / "empty.toml"
    empty.write_text("")
    assert validated({**load_toml(empty), "spec": "x"}) == RunConfig(spec="x")


def test_a_bad_value_names_the_flag(tmp_path) -> None:
    result = CliRunner().invoke(
        main, ["search", str(tmp_path / "s.nas"), "--sampler", "nope", "--print-config"]
    )
    assert result.exit_code == 2
    assert "--sampler (search.sampler)" in result.output and "gumbel" in result.output


@pytest.mark.parametrize("flag", ["sync-bn", "exclude-bias-norm"])
def test_a_bool_decided_by_the_run_is_a_switch(flag: str, tmp_path) -> None:
    """`--x` and `--no-x` both reach the config; neither leaves the run to decide (None)."""
    option = next(o for o in config_options("search") if o.flag == flag)
    spec = str(tmp_path / "s.nas")
    for words, value in (([f"--{flag}"], True), ([f"--no-{flag}"], False)):
        result = CliRunner().invoke(main, ["search", spec, *words, "--print-config"])
        assert result.exit_code == 0, result.output
        assert _at(printed(result.output), option.path) is value
    result = CliRunner().invoke(main, ["search", spec, "--print-config", "--optimizer", "lars"])
    assert _at(printed(result.output), ("optim", "exclude_bias_norm")) is True
    result = CliRunner().invoke(
        main, ["search", spec, "--print-config", "--optimizer", "lars", "--no-exclude-bias-norm"]
    )
    assert _at(printed(result.output), ("optim", "exclude_bias_norm")) is False
