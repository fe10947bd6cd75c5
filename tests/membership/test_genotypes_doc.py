"""docs/genotypes.md: its space and genotype give the report the page shows."""

from __future__ import annotations

import re
from pathlib import Path

from nasiam_dsl.lang import parse
from nasiam_dsl.membership import membership

PAGE = Path(__file__).resolve().parents[2] / "docs" / "genotypes.md"


def test_the_page_shows_what_membership_reports():
    text = PAGE.read_text()
    space, genotype = re.findall(r"```nasiam\n(.*?)```", text, re.S)
    (report,) = re.findall(r"```text\n(.*?)\n```", text, re.S)
    result = membership(parse(genotype), parse(space), space_file="heads.nas")
    assert result.render(genotype, "mine.nas", space, "heads.nas") == report
