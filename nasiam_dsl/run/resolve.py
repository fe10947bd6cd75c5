"""The one merge of a run's config: model defaults < a TOML file < options given on top.

`nasiam search/train` (typed flags on top of `--config`) and `api.search/train` (keyword
overrides on top of a config, a mapping, a TOML file or a spec path) both resolve here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.usage import UsageProblem


def load_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A TOML config file as a mapping; unreadable or invalid files are messages."""
    import tomllib

    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except OSError as e:
        raise UsageProblem(f"--config: cannot read {path}: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageProblem(f"--config {path}: invalid TOML: {e}") from None


def merge(base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """`top` over `base`; a mapping on both sides is merged key by key."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge(out[key], value)
        elif isinstance(value, Mapping) and key in out and not isinstance(out[key], Mapping):
            raise UsageProblem(f"config key '{key}' must be a table")
        else:
            out[key] = value
    return out


def plain(value: Any) -> Any:
    """Paths as strings, recursively, so `spec=Path(...)` validates."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    return value


def base_mapping(config: RunConfig | Mapping[str, Any] | str | os.PathLike[str] | None) -> dict:
    """What a run starts from: a config, a mapping, a `.toml` file, or the spec's path."""
    if config is None:
        return {}
    if isinstance(config, RunConfig):
        return config.model_dump()
    if isinstance(config, Mapping):
        return dict(config)
    if Path(config).suffix == ".toml":
        return load_toml(config)
    return {"spec": config}


def resolve(command: str, base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """The merged, unvalidated mapping of a `command` run (`validated` checks it)."""
    return plain(merge(base, {**top, "command": command}))


def validated(data: Mapping[str, Any], origin: str | None = None) -> RunConfig:
    """A `RunConfig`, or a message naming the bad key, its flag and `origin` (a TOML file)."""
    from nasiam_dsl.run.options import flag_of

    try:
        return RunConfig.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "config"
        within = f" in {origin}" if origin else ""
        if first["type"] == "extra_forbidden":
            raise UsageProblem(
                f"unknown config key '{where}'{within}", "`--print-config` shows every key"
            ) from None
        if where == "spec" and first["type"] == "missing":
            raise UsageProblem("no spec file given", "name it on the command line") from None
        flag = flag_of(tuple(map(str, first["loc"])))
        name = f"{flag} ({where})" if flag else f"'{where}'"
        raise UsageProblem(f"bad value for {name}{within}: {first['msg']}") from None
