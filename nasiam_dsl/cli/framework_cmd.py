"""`nasiam frameworks`: each registered framework's head slots, momentum copies, options with
their defaults, and its loss in one line (read from the registry and the config models)."""

from __future__ import annotations

import json
from typing import Any

import click

from nasiam_dsl.cli.app import main, out, user_errors


def framework_facts(name: str) -> dict[str, Any]:
    """What `nasiam frameworks` says of framework `name`, as data (`--json`)."""
    from nasiam_dsl.frameworks.registry import get_framework

    cls = get_framework(name)
    doc = (cls.__doc__ or "").strip()
    options = {
        field: {"default": info.get_default(call_default_factory=True), "about": info.description}
        for field, info in cls.Config.model_fields.items()
    }
    return {
        "name": cls.name,
        "about": doc.splitlines()[0] if doc else "",
        "head_slots": list(cls.head_slots),
        "momentum": list(cls.momentum_slots),
        "options": options,
    }


def _lines(facts: dict[str, Any]) -> list[str]:
    lines = [f"{facts['name']}: {facts['about']}", f"  heads: {', '.join(facts['head_slots'])}"]
    if facts["momentum"]:
        lines.append(f"  momentum (EMA) copies: {', '.join(facts['momentum'])}")
    defaults = {option: info["default"] for option, info in facts["options"].items()}
    lines.append(f"  options (--framework-options, defaults): {json.dumps(defaults)}")
    lines += [
        f"    {option}: {info['about']}"
        for option, info in facts["options"].items()
        if info["about"]
    ]
    return lines


@main.command()
@click.argument("names", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the facts as JSON.")
@user_errors
def frameworks(names: tuple[str, ...], as_json: bool) -> None:
    """List the frameworks (or NAMES): head slots, momentum copies, options with defaults and
    the loss in one line. Set options with --framework-options '{"temperature": 0.2}'."""
    from nasiam_dsl.frameworks.registry import available_frameworks, get_framework
    from nasiam_dsl.names import UnknownNameError
    from nasiam_dsl.usage import UsageProblem

    for name in names:
        try:
            get_framework(name)
        except UnknownNameError as e:
            raise UsageProblem(f"nasiam frameworks {name}: {e}") from None
    found = [framework_facts(n) for n in (names or available_frameworks())]
    if as_json:
        click.echo(json.dumps(found, indent=2))
        return
    text = "\n\n".join("\n".join(_lines(f)) for f in found)
    out.print(text, markup=False, highlight=False, soft_wrap=True)
