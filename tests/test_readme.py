"""The README's language tour checks, and its test command is the one CI runs."""

import re
from pathlib import Path

from nasiam_dsl.lang import check, parse

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text("utf-8")


def test_the_language_tour_is_a_valid_space():
    block = re.search(r"## A short tour of the language\n\n```\n(.*?)```", README, re.S)
    assert block, "the tour block moved"
    result = check(parse(block.group(1)), backbone_dim=512)
    assert result.ok, [d.message for d in result.errors]


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```bash\n(.*?)\n```", README, re.S)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command in (ROOT / ".ci" / "run").read_text("utf-8")
    assert any("nasiam search spaces/demo.nas" in c for c in commands)
