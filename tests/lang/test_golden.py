"""Golden files: `tests/golden/NAME.nas` formats to `NAME.expected`, byte for byte.

The inputs cover comments, a BOM with CRLF line endings, tabs and odd spacing, every
construct of the language, long `choose` lines broken one candidate per line, number
suffixes and floats, genotype probabilities, keywords used as names, and string escapes.
To add a case, write `NAME.nas` and its canonical `NAME.expected` (review it by eye).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nasiam_dsl.lang import check, parse, parse_file, print_document

GOLDEN = Path(__file__).resolve().parents[1] / "golden"
INPUTS = sorted(GOLDEN.glob("*.nas"))


def _expected(path: Path) -> str:
    # bytes, not read_text: newline translation would hide a CRLF in the output
    return path.with_suffix(".expected").read_bytes().decode("utf-8")


def test_there_are_enough_golden_pairs():
    assert len(INPUTS) >= 8
    names = {p.stem for p in INPUTS}
    assert names == {p.stem for p in GOLDEN.glob("*.expected")}, "every input needs its output"


def test_golden_inputs_are_really_messy():
    """The inputs that claim odd encodings or layouts really have them (no editor cleaned them)."""
    raw = {p.stem: p.read_bytes() for p in INPUTS}
    assert raw["crlf_bom"].startswith(b"\xef\xbb\xbf")
    assert raw["crlf_bom"].count(b"\r\n") == raw["crlf_bom"].count(b"\n") > 3
    assert b"\t" in raw["tabs_and_spacing"]
    assert raw["one_line"].count(b"\n") == 0
    assert all(x in raw["number_suffixes"] for x in (b"5k", b"2M", b"1G", b"2_048", b"4K"))
    assert b"#" in raw["comments"]


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_golden_output(path: Path):
    assert print_document(parse_file(path)) == _expected(path)


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_golden_output_is_a_fixed_point(path: Path):
    expected = _expected(path)
    doc = parse(expected)
    assert doc == parse_file(path), "formatting changed the meaning"
    assert print_document(doc) == expected


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_golden_output_is_canonical_text(path: Path):
    expected = _expected(path)
    assert "\r" not in expected and "\t" not in expected and not expected.startswith("\ufeff")
    assert expected.endswith("}\n") and not expected.endswith("\n\n")
    assert all(line == line.rstrip() for line in expected.split("\n"))


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_golden_inputs_are_valid(path: Path):
    result = check(parse_file(path))
    assert result.errors == []


def _comments(text: str) -> list[str]:
    """`#` comments of a text, skipping '#' inside strings (a small scanner, not the parser's)."""
    found = []
    for line in text.splitlines():
        in_string = escaped = False
        for i, ch in enumerate(line):
            if in_string:
                escaped, in_string = (ch == "\\" and not escaped), not (ch == '"' and not escaped)
            elif ch == '"':
                in_string = True
            elif ch == "#":
                found.append(line[i:].rstrip())
                break
    return found


def test_comment_scanner_skips_strings():
    assert _comments('a = "x # y \\" # z" # real\n# two') == ["# real", "# two"]


@pytest.mark.parametrize("path", INPUTS, ids=lambda p: p.stem)
def test_golden_keeps_every_comment(path: Path):
    comments = _comments(path.read_bytes().decode("utf-8-sig"))
    assert sorted(comments) == sorted(_comments(_expected(path)))
