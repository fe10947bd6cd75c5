"""A run config as TOML that `--config` reads back to the same config (`--print-config`).

TOML has no null: a field that is None is written as a comment (`# name = none`) and reads
back as its default (None), except the fields whose default is a value (`grad_clip`): those
are written `"none"`, which `resolve.load_config` reads back as None.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

Path = tuple[str, ...]


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{_key(k)} = {_scalar(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"no TOML form for {value!r}")


def _key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key)


def _lines(table: Mapping[str, Any], at: Path, spelled: frozenset[Path]) -> list[str]:
    lines = []
    for key, value in table.items():
        if isinstance(value, Mapping):
            continue
        if value is None:
            named = (*at, key) in spelled
            lines.append(f'{_key(key)} = "none"' if named else f"# {_key(key)} = none")
        else:
            lines.append(f"{_key(key)} = {_scalar(value)}")
    return lines


def to_toml(data: Mapping[str, Any], spelled_none: frozenset[Path] = frozenset()) -> str:
    """`data` (a config dumped as JSON-ready values) as TOML: top-level keys, then one table
    per section; a None at a path of `spelled_none` is written `"none"`."""
    out = _lines(data, (), spelled_none)
    for key, value in data.items():
        if isinstance(value, Mapping):
            out += ["", f"[{_key(key)}]", *_lines(value, (key,), spelled_none)]
            nested = {k: v for k, v in value.items() if isinstance(v, Mapping)}
            for inner, table in nested.items():
                out += [
                    "",
                    f"[{_key(key)}.{_key(inner)}]",
                    *_lines(table, (key, inner), spelled_none),
                ]
    return "\n".join(out) + "\n"
