"""The names a run config gives (framework, backbone, dataset, sampler), checked before torch is
imported, so a misspelt `--framework` is refused at once. The built-in names are the registries'
own declarations, read from their modules' source (`names.declared_names`); a name registered
from Python (a plugin module imported first) is taken from the live registry. A
`module:Class` framework or backbone is checked when the run is built."""

from __future__ import annotations

import sys

from nasiam_dsl.names import declared_classes, declared_names, is_dotted_path, suggest

#: config path -> (what it names, the package that registers it, its registrar, the live
#: registry module and its function listing the names)
ENTRIES: dict[tuple[str, ...], tuple[str, str, str, str, str]] = {
    ("framework",): (
        "framework",
        "frameworks",
        "register_framework",
        "nasiam_dsl.frameworks.registry",
        "available_frameworks",
    ),
    ("backbone",): (
        "backbone",
        "backbones",
        "register_backbone",
        "nasiam_dsl.backbones.registry",
        "available_backbones",
    ),
    ("data", "dataset"): (
        "dataset",
        "data",
        "register_dataset",
        "nasiam_dsl.data.datasets",
        "list_datasets",
    ),
    ("search", "sampler"): (
        "sampler",
        "search",
        "register_sampler",
        "nasiam_dsl.search.samplers",
        "available_samplers",
    ),
}

#: entries that accept `module:Class` plugins
PLUGGABLE = {("framework",), ("backbone",)}


def known_names(path: tuple[str, ...]) -> tuple[str, ...]:
    """The names at `path`: the built-in declarations, and whatever was registered in this
    process when its registry is already loaded (never importing it here)."""
    _, package, registrar, module, lister = ENTRIES[path]
    names = set(declared_names(package, registrar))
    live = sys.modules.get(module)
    if live is not None:
        names.update(getattr(live, lister)())
    return tuple(sorted(names))


def name_problem(path: tuple[str, ...], value: object) -> str | None:
    """Why `value` is not a name at `path` (with did-you-mean), or None when it is."""
    kind = ENTRIES[path][0]
    names = known_names(path)
    if not isinstance(value, str) or value in names:
        return None
    if path in PLUGGABLE and is_dotted_path(value):
        return None
    close = suggest(value, names) or [n for n in names if value.lower() in n.lower()][:3]
    hint = (
        f"did you mean {' or '.join(map(repr, close))}?" if close else f"one of: {', '.join(names)}"
    )
    return f"unknown {kind} {value!r}; {hint}"


def head_slots(framework: str) -> tuple[str, ...] | None:
    """The heads framework `framework` needs, in order, without importing torch when its
    registry is not loaded (the built-in classes' declarations, read from source); None for
    a name no declaration or loaded registry knows."""
    live = sys.modules.get(ENTRIES[("framework",)][3])
    if live is not None and framework in live.available_frameworks():
        return tuple(live.get_framework(framework).head_slots)
    slots = declared_classes("frameworks", "register_framework").get(framework, {})
    found = slots.get("head_slots")
    return tuple(found) if isinstance(found, tuple) else None


def head_slot_problem(
    heads: list[str], framework: str, slots: tuple[str, ...]
) -> tuple[str, str | None, str | None] | None:
    """Why heads named `heads` do not fill framework `framework`'s `slots`: (message, hint,
    the head the message is about), or None when they do. `build` and `check` both ask."""
    missing = [s for s in slots if s not in heads]
    extra = [n for n in heads if n not in slots]
    listed = f"slots: {', '.join(slots)}"
    if missing:
        return (
            f"no head {', '.join(map(repr, missing))}, which framework {framework} needs "
            f"({listed})",
            f"add `head {missing[0]}(...) {{ ... }}`, or pick another framework",
            None,
        )
    if extra:
        return (
            f"head {', '.join(map(repr, extra))} is not a slot of framework {framework} ({listed})",
            None,
            extra[0],
        )
    return None
