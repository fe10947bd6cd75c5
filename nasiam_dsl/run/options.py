"""The run commands' options, generated from the config models (`run/config.py`).

Every field of `RunConfig` and its sections becomes one click option: `--field-name` (or its
`flag`), its help from the field's description (and, for `names`, the registered names),
its default shown from the model, its choices from a `Literal`; a `bool | None` field (None:
decided by the run) is a `--x/--no-x` switch. Only values typed on the
command line reach the config (`typed_overrides`), so the model's defaults and a `--config`
file stay in force for the rest.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import click
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.known_names import known_names

#: registries whose names an option's help lists: their declarations, read without torch
NAMES: dict[str, tuple[str, ...]] = {
    "datasets": ("data", "dataset"),
    "frameworks": ("framework",),
    "backbones": ("backbone",),
    "samplers": ("search", "sampler"),
}


@dataclass(frozen=True)
class ConfigOption:
    """One config field as a command-line option."""

    path: tuple[str, ...]  # where the value lands in a RunConfig
    param: str  # click's parameter name
    flag: str  # without the dashes
    field: FieldInfo
    annotation: Any
    commands: tuple[str, ...]
    sets: Any = None  # the value a bare flag sets (None: the option takes a value)
    is_flag: bool = False
    negatable: bool = False  # a `--x/--no-x` switch of a `bool | None` field

    @property
    def default(self) -> Any:
        return self.field.get_default(call_default_factory=True)


def _extra(info: FieldInfo | BaseModel | type[BaseModel]) -> dict[str, Any]:
    extra = (
        info.json_schema_extra
        if isinstance(info, FieldInfo)
        else info.model_config.get("json_schema_extra")
    )
    return dict(extra) if isinstance(extra, dict) else {}


def _walk(
    model: type[BaseModel], prefix: tuple[str, ...], inherited: dict[str, Any]
) -> Iterator[ConfigOption]:
    for name, info in model.model_fields.items():
        extra = {**inherited, **_extra(info)}
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _walk(annotation, (*prefix, name), {**inherited, **_extra(annotation)})
            continue
        if extra.get("cli") is False:
            continue
        flag = extra.get("flag", name.replace("_", "-"))
        negatable = _optional(annotation) == (bool, True) and "sets" not in extra
        is_flag = "sets" in extra or annotation is bool or negatable
        sets = extra.get("sets", True) if is_flag and not negatable else None
        commands = tuple(extra.get("commands", ("search", "train")))
        yield ConfigOption(
            (*prefix, name),
            flag.replace("-", "_"),
            flag,
            info,
            annotation,
            commands,
            sets,
            is_flag,
            negatable,
        )


def config_options(command: str | None = None) -> list[ConfigOption]:
    """The options of `command` (every option when None), in the models' field order."""
    found = list(_walk(RunConfig, (), {}))
    return [o for o in found if command is None or command in o.commands]


def _optional(annotation: Any) -> tuple[Any, bool]:
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0], True
    return annotation, False


def is_optional(annotation: Any) -> bool:
    """Whether a field may be None."""
    return _optional(annotation)[1]


class NoneOr(click.ParamType):
    """A number, or `none` for an optional field whose default is not None."""

    def __init__(self, base: click.ParamType) -> None:
        self.base = base
        self.name = f"{base.name}|none"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, str) and value.lower() == "none":
            return None
        return self.base.convert(value, param, ctx)


class JsonObject(click.ParamType):
    name = "json"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, dict):
            return value
        try:
            parsed = json.loads(value)
        except ValueError as e:
            self.fail(f"not JSON: {e}", param, ctx)
        if not isinstance(parsed, dict):
            self.fail('expected a JSON object like {"width": 4}', param, ctx)
        return parsed


def cli_spelling(value: str) -> str:
    """How a choice is typed: underscores as dashes (`one_level` -> `one-level`)."""
    return value.replace("_", "-")


def _click_type(option: ConfigOption) -> tuple[Any, int]:
    base, optional = _optional(option.annotation)
    if typing.get_origin(base) is Literal:
        return click.Choice([cli_spelling(str(v)) for v in typing.get_args(base)]), 1
    if typing.get_origin(base) is tuple:
        return float, len(typing.get_args(base))
    if typing.get_origin(base) is dict:
        return JsonObject(), 1
    simple = {int: click.INT, float: click.FLOAT, str: click.STRING}.get(base, click.STRING)
    if optional and option.default is not None and base in (int, float):
        return NoneOr(simple), 1
    return simple, 1


class ConfigClickOption(click.Option):
    """A click option whose help lists a registry's names, read only when help is shown."""

    def __init__(self, *args: Any, names: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.names = names

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        if self.names is not None and not getattr(self, "_named", False):
            names = ", ".join(known_names(NAMES[self.names]))
            self.help = f"{self.help or ''} One of: {names}.".strip()
            self._named = True
        return super().get_help_record(ctx)


def cli_default(option: ConfigOption) -> Any:
    """The model's default as the option spells it (None: no default to show)."""
    value = option.default
    if value is None or value == {}:
        return None
    base, _ = _optional(option.annotation)
    if typing.get_origin(base) is Literal:
        return cli_spelling(str(value))
    return value


def click_option(option: ConfigOption) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The click decorator of one config option."""
    help_text = option.field.description
    names = _extra(option.field).get("names")
    if option.negatable:
        return click.option(
            f"--{option.flag}/--no-{option.flag}",
            option.param,
            default=None,
            help=help_text,
            cls=ConfigClickOption,
        )
    if option.is_flag:
        return click.option(
            f"--{option.flag}", option.param, is_flag=True, help=help_text, cls=ConfigClickOption
        )
    kind, nargs = _click_type(option)
    default = cli_default(option)
    return click.option(
        f"--{option.flag}",
        option.param,
        type=kind,
        nargs=nargs,
        default=default,
        show_default=default is not None,
        help=help_text,
        cls=ConfigClickOption,
        names=names,
    )


def add_config_options(command: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a click command with every config option of `command`."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        for option in reversed(config_options(command)):
            fn = click_option(option)(fn)
        return fn

    return decorate


def _value(option: ConfigOption, typed: Any) -> Any:
    if option.negatable:
        return typed
    if option.is_flag:
        return option.sets
    base, _ = _optional(option.annotation)
    if typing.get_origin(base) is Literal:
        spelled = {cli_spelling(str(v)): v for v in typing.get_args(base)}
        return spelled.get(typed, typed)
    if typing.get_origin(base) is tuple:
        return list(typed)
    return typed


def typed_overrides(ctx: click.Context, values: dict[str, Any], command: str) -> dict[str, Any]:
    """The config options typed on the command line (or in the environment), as a nested
    mapping of config values."""
    found: dict[str, Any] = {}
    for option in config_options(command):
        source = ctx.get_parameter_source(option.param)
        if source is None or source.name not in ("COMMANDLINE", "ENVIRONMENT"):
            continue
        given = values.get(option.param)
        if option.is_flag and (given is None if option.negatable else not given):
            continue
        section = found
        for key in option.path[:-1]:
            section = section.setdefault(key, {})
        section[option.path[-1]] = _value(option, values[option.param])
    return found


def flag_of(path: tuple[str, ...]) -> str | None:
    """The flag that sets the config value at `path` (None: only TOML sets it)."""
    for option in config_options():
        if option.path == path:
            return f"--{option.flag}"
    return None
