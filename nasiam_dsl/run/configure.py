"""The one way a run's config is built: `api.run_config`, which the CLI and compare call.

Defaults < a base (a TOML file, a run's config.json, a mapping) < overrides, merged by
`resolve`, then validated with every problem named by its flag. What the run will use is
then written out, so that `config.json` and `--print-config` say it: a run without
`--framework` takes the one its file names (`space NAME for FRAMEWORK`), a `train` run without
heads gets its framework's standard genotype, the framework's options their defaults, and
the augmentation the framework's recipe where the config leaves it unset. A dataset that
needs a folder and has none is refused here, before a run directory exists.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.resolve import resolve, validated
from nasiam_dsl.usage import UsageProblem

__all__ = ["build_config", "with_framework_options"]


def build_config(
    command: str,
    base: Mapping[str, Any],
    overrides: Mapping[str, Any] | None = None,
    *,
    origin: str | None = None,
) -> RunConfig:
    """The config of a `command` run (`origin`: the file `base` was read from, for messages)."""
    data = resolve(command, base, overrides or {})
    if data.get("framework") is None and data.get("spec") is not None:
        from nasiam_dsl.lang.parser import declared_framework

        declared = declared_framework(str(data["spec"]))
        if declared is not None:  # `space NAME for FRAMEWORK`, when --framework is not given
            data["framework"] = declared
    if command == "train" and data.get("spec") is None:
        validated({**data, "spec": "-"}, origin)  # every other problem said before torch
        standard = _standard_heads(data.get("framework", "simsiam"))
        if standard is not None:
            data["spec"] = standard
    config = validated(data, origin)
    from nasiam_dsl.data import root_problem  # torch, once the names are good
    from nasiam_dsl.run.streams import with_augmentation

    problem = root_problem(config.data.dataset, config.data.data_dir)
    if problem is not None:
        raise UsageProblem(problem, "give the folder (created if missing with --download)")
    return with_augmentation(with_framework_options(config))


def _standard_heads(framework: Any) -> str | None:
    """The framework's standard genotype, or None when the name is unknown (validation
    then says so, with the closest names)."""
    from nasiam_dsl.frameworks.registry import get_framework
    from nasiam_dsl.names import UnknownNameError
    from nasiam_dsl.resources import standard_genotype

    try:
        return str(standard_genotype(get_framework(str(framework)).default_genotype))
    except (UnknownNameError, ImportError):
        return None


def with_framework_options(config: RunConfig) -> RunConfig:
    """`config` with its framework's options filled in with their defaults (shown by
    `--print-config`, kept in `config.json`)."""
    from pydantic import ValidationError

    from nasiam_dsl.frameworks.base import options_problem
    from nasiam_dsl.frameworks.registry import get_framework
    from nasiam_dsl.names import UnknownNameError

    try:
        fw = get_framework(config.framework)
    except (UnknownNameError, ImportError):
        return config  # the run's build says what is wrong, naming the option
    try:
        options = fw.make_config(config.framework_options or None).model_dump(mode="json")
    except ValidationError as e:
        raise UsageProblem(
            f"--framework-options: {options_problem(fw.name, fw.Config, e)}",
            f"`nasiam frameworks` lists {fw.name}'s options",
        ) from None
    return config.model_copy(update={"framework_options": options})
