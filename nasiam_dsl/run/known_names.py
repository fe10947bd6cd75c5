"""The built-in names of the registries a run config names, without importing torch, so a
misspelt `--framework` is refused before torch loads (a test keeps them equal to the
registries). A `module:Class` plugin is checked when the run is built."""

from __future__ import annotations

from nasiam_dsl.names import is_dotted_path, suggest

#: config path -> (what it names, the built-in names)
BUILTIN: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = {
    ("framework",): (
        "framework",
        ("barlowtwins", "byol", "mocov2", "mocov3", "simclr", "simsiam", "vicreg"),
    ),
    ("backbone",): (
        "backbone",
        (
            "cifar_resnet18",
            "cifar_resnet34",
            "cifar_resnet50",
            "resnet18",
            "resnet34",
            "resnet50",
            "small_cnn",
        ),
    ),
    ("data", "dataset"): (
        "dataset",
        (
            "cifar10",
            "cifar100",
            "embedded",
            "fashion-mnist",
            "fashion-mnist-rgb",
            "imagefolder",
            "imagenet",
            "stl10",
            "stl10-64",
        ),
    ),
    ("search", "sampler"): ("sampler", ("dirichlet", "gumbel", "sigmoid", "softmax")),
}

#: entries that accept `module:Class` plugins
PLUGGABLE = {("framework",), ("backbone",)}


def name_problem(path: tuple[str, ...], value: object) -> str | None:
    """Why `value` is not a name at `path` (with did-you-mean), or None when it is."""
    kind, names = BUILTIN[path]
    if not isinstance(value, str) or value in names:
        return None
    if path in PLUGGABLE and is_dotted_path(value):
        return None
    close = suggest(value, names) or [n for n in names if value.lower() in n.lower()][:3]
    hint = (
        f"did you mean {' or '.join(map(repr, close))}?" if close else f"one of: {', '.join(names)}"
    )
    return f"unknown {kind} {value!r}; {hint}"
