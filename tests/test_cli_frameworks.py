"""`nasiam frameworks` and the framework page's table of built-in options both say what the
frameworks' config models declare."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from nasiam_dsl.cli import main
from nasiam_dsl.frameworks.registry import available_frameworks, get_framework

PAGE = Path(__file__).resolve().parents[1] / "docs" / "frameworks.md"
ROW = re.compile(r"^\| `([\w-]+)` \| `(\w+)` \| `([^`]*)` \|$", re.M)


def _model_defaults() -> dict[tuple[str, str], object]:
    return {
        (name, option): info.get_default(call_default_factory=True)
        for name in available_frameworks()
        for option, info in get_framework(name).Config.model_fields.items()
    }


def test_the_page_lists_every_option_with_its_default() -> None:
    text = PAGE.read_text("utf-8")
    table = {(fw, option): json.loads(default) for fw, option, default in ROW.findall(text)}
    assert table == _model_defaults()
    for name in available_frameworks():
        assert f"| `{name}` | {', '.join(get_framework(name).head_slots)}" in text


def test_frameworks_lists_slots_momentum_options_and_loss() -> None:
    result = CliRunner().invoke(main, ["frameworks"])
    assert result.exit_code == 0, result.output
    blocks = result.output.strip().split("\n\n")
    assert [b.split(":")[0] for b in blocks] == available_frameworks()
    byol = next(b for b in blocks if b.startswith("byol:"))
    assert "heads: projector, predictor" in byol
    assert "momentum (EMA) copies: backbone, projector" in byol
    assert '{"momentum_base": 0.99, "momentum_final": 1.0}' in byol
    simclr = next(b for b in blocks if b.startswith("simclr:"))
    assert "NT-Xent" in simclr.splitlines()[0] and "momentum" not in simclr


def test_frameworks_json_and_an_unknown_name() -> None:
    result = CliRunner().invoke(main, ["frameworks", "mocov2", "--json"])
    assert result.exit_code == 0, result.output
    (facts,) = json.loads(result.output)
    assert (
        facts["head_slots"] == ["projector"] and facts["options"]["queue_size"]["default"] == 4096
    )
    result = CliRunner().invoke(main, ["frameworks", "simsam"])
    assert result.exit_code == 2 and "did you mean 'simsiam'" in result.output
