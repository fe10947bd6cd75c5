"""The one merge of a run's config: model defaults < a TOML file < options given on top.

`nasiam search/train` (typed flags on top of `--config`) and `api.search/train` (keyword
overrides on top of a config, a mapping, a TOML file or a spec path) both resolve here.
Validation reports every problem at once (unknown keys and registry names with their
closest spellings) before torch is imported. On `--resume`, only `MAY_CHANGE` may differ
from the run's own config.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.usage import UsageProblem


def load_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A config file as a mapping: TOML, or a run's `config.json`; unreadable or invalid
    files are messages. `"none"` reads as None where the option's flag accepts `none`."""
    import json

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # the same parser, from PyPI, before Python 3.11
        import tomli as tomllib

    try:
        with open(path, "rb") as f:
            data = json.load(f) if Path(path).suffix == ".json" else tomllib.load(f)
    except OSError as e:
        raise UsageProblem(f"--config: cannot read {path}: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageProblem(f"--config {path}: invalid TOML: {e}") from None
    except ValueError as e:
        raise UsageProblem(f"--config {path}: invalid JSON: {e}") from None
    if not isinstance(data, dict):
        raise UsageProblem(f"--config {path}: expected a table of options")
    return with_nones(data)


def with_nones(data: dict[str, Any]) -> dict[str, Any]:
    """`data` with `"none"` read as None where the option's flag accepts `none`."""
    for at in spelled_none():
        section: Any = data
        for key in at[:-1]:
            section = section.get(key) if isinstance(section, dict) else None
        if isinstance(section, dict) and section.get(at[-1]) == "none":
            section[at[-1]] = None
    return data


def spelled_none() -> frozenset[tuple[str, ...]]:
    """Paths of optional fields whose default is a value: `none` is how a file unsets them."""
    from nasiam_dsl.run.options import config_options, is_optional

    return frozenset(
        o.path for o in config_options() if is_optional(o.annotation) and o.default is not None
    )


def config_toml(config: RunConfig) -> str:
    """`config` as the TOML `--config` reads back to the same config (`--print-config`),
    from any directory: the spec and a data folder are written as absolute paths."""
    from nasiam_dsl.resources import spec_path
    from nasiam_dsl.run.toml_text import to_toml

    data = config.model_dump(mode="json")
    data["spec"] = str(spec_path(config.spec).resolve())
    folder = data.get("data", {}).get("data_dir")
    if folder:
        data["data"]["data_dir"] = str(Path(folder).resolve())
    return to_toml(data, spelled_none())


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
    """What a run starts from: a config, a mapping, a `.toml` file (or a run's
    `config.json`), or the spec's path."""
    if config is None:
        return {}
    if isinstance(config, RunConfig):
        return config.model_dump()
    if isinstance(config, Mapping):
        return dict(config)
    if Path(config).suffix in (".toml", ".json"):
        return load_toml(config)
    return {"spec": config}


def resolve(command: str, base: Mapping[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """The merged, unvalidated mapping of a `command` run (`validated` checks it)."""
    return plain(merge(base, {**top, "command": command}))


def _name(path: tuple[str, ...]) -> str:
    from nasiam_dsl.run.options import flag_of

    where = ".".join(path) or "config"
    flag = flag_of(path)
    return f"{flag} ({where})" if flag else f"'{where}'"


def _at(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, Mapping) or key not in data:
            return None
        data = data[key]
    return data


def _unknown_key(loc: tuple[str, ...]) -> str:
    from nasiam_dsl.names import suggest

    model: Any = RunConfig
    for key in loc[:-1]:
        annotation = model.model_fields[key].annotation if key in model.model_fields else None
        model = annotation if isinstance(annotation, type) else None
        if model is None:
            break
    known = list(model.model_fields) if model is not None else []
    close = suggest(loc[-1], known)
    spelled = [repr(".".join((*loc[:-1], c))) for c in close]
    hint = f"; did you mean {' or '.join(spelled)}?" if close else ""
    return f"unknown config key '{'.'.join(loc)}'{hint}"


def problems_of(data: Mapping[str, Any]) -> list[str]:
    """Every problem of a merged config mapping, names first (torch-free)."""
    from nasiam_dsl.run.known_names import ENTRIES, name_problem

    found = []
    for path in ENTRIES:
        problem = name_problem(path, _at(data, path))
        if problem is not None:
            found.append(f"{_name(path)}: {problem}")
    try:
        RunConfig.model_validate(data)
    except ValidationError as e:
        for error in e.errors():
            loc = tuple(str(x) for x in error["loc"])
            if loc in ENTRIES:
                continue  # said above, with the closest names
            if error["type"] == "extra_forbidden":
                found.append(_unknown_key(loc))
            elif loc == ("spec",) and error["type"] == "missing":
                found.append("no spec file given; name it on the command line")
            else:
                found.append(f"bad value for {_name(loc)}: {error['msg']}")
    return found


def validated(data: Mapping[str, Any], origin: str | None = None) -> RunConfig:
    """A `RunConfig`, or one message listing every problem (each naming its key and flag;
    `origin` is the config file the values came from)."""
    problems = problems_of(data)
    if problems:
        within = f" (values from {origin})" if origin else ""
        if len(problems) == 1:
            raise UsageProblem(problems[0] + within, "`--print-config` shows every key")
        listed = "\n".join(f"  - {p}" for p in problems)
        raise UsageProblem(
            f"{len(problems)} problems in the run's options{within}:\n{listed}",
            "`--print-config` shows every key",
        )
    return RunConfig.model_validate(data)


#: what `--resume` may change: the length of the run and where and how it runs
MAY_CHANGE: frozenset[tuple[str, ...]] = frozenset(
    {
        ("epochs",),
        ("device",),
        ("data", "workers"),
        ("tensorboard",),
        ("wandb",),
        ("knn_every",),
        ("knn",),
    }
)


#: what changes where and how a run runs, not what it computes: a comparison may resume with
#: other values of these
NOT_THE_BUDGET: frozenset[tuple[str, ...]] = MAY_CHANGE - {("epochs",)}


def option_name(path: tuple[str, ...]) -> str:
    """How a user names a config value: `--lr (optim.lr)`, or its TOML key."""
    return _name(path)


def leaves(data: Mapping[str, Any]) -> dict[tuple[str, ...], Any]:
    """Every value of a config mapping by its path (option tables kept whole)."""
    return _leaves(data)


def _leaves(data: Mapping[str, Any], at: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    found: dict[tuple[str, ...], Any] = {}
    for key, value in data.items():
        if isinstance(value, Mapping) and key not in ("framework_options", "backbone_options"):
            found.update(_leaves(value, (*at, key)))
        else:
            found[(*at, key)] = value
    return found


def resume_changes(
    saved: RunConfig, given: Mapping[str, Any], spec_copy: Path | None = None
) -> dict[str, Any]:
    """The values `given` with `--resume` that change the run (only `MAY_CHANGE` may); any
    other value that differs from the run's own is refused, naming the flag and both values.
    A spec is the run's when it is its file or has its text (`spec_copy`: the run's copy)."""
    own = saved.model_dump()
    conflicts, changes = [], {}
    for path, value in _leaves(plain(given)).items():
        if path in (("command",),):
            continue
        before = _at(own, path)
        if path == ("spec",):
            conflict = _other_spec(str(value), saved.spec, spec_copy)
            if conflict:
                conflicts.append(conflict)
            continue
        if _equal(before, value):
            continue
        if path in MAY_CHANGE:
            section = changes
            for key in path[:-1]:
                section = section.setdefault(key, {})
            section[path[-1]] = value
            continue
        conflicts.append(f"{_name(path)} {value!r} differs from the run's {before!r}")
    if conflicts:
        listed = "\n".join(f"  - {c}" for c in conflicts)
        allowed = ", ".join(_name(p).split(" ")[0] for p in sorted(MAY_CHANGE))
        raise UsageProblem(
            f"--resume continues the run with its own config; refused:\n{listed}",
            f"on resume only these may change: {allowed}, --quiet; start a new run otherwise",
        )
    return changes


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return list(a) == list(b)
    return a == b


def _other_spec(given: str, saved: str, copy: Path | None) -> str | None:
    """Why the SPACE (or GENOTYPE) given with `--resume` is not the run's, or None: the run
    reads its own copy, so a file given beside it must have the copy's text."""
    import hashlib

    from nasiam_dsl.resources import spec_path

    path = spec_path(given)
    if copy is None or not copy.is_file():  # an older run without its copy: the path decides
        return None if path.resolve() == Path(saved).resolve() else f"{given} is not {saved}"
    try:
        text, own = path.read_bytes(), copy.read_bytes()
    except OSError:
        return f"{given} cannot be read; the run reads its own copy, {copy}"
    if text == own:
        return None

    def digest(data: bytes) -> str:
        return hashlib.sha256(data).hexdigest()[:12]

    return (
        f"{given} (sha256 {digest(text)}) is not the run's space: it differs from the run's "
        f"own copy {copy} (sha256 {digest(own)}), which --resume reads; leave SPACE out"
    )
