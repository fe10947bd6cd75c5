"""Fuzzing the language (CI sample): every input parses or raises a DSLError inside it.

The harness is `benchmarks/fuzz_language.py` (run it with `--n 100000` for the full fuzz);
here it runs on a 2,000-input sample, and each special input is its own test.
"""

from __future__ import annotations

import functools
import importlib.util
import sys
from pathlib import Path

import pytest

from nasiam_dsl.lang import DSLError, check, format_text, parse, parse_file, print_document
from nasiam_dsl.lang.parser import DEFAULT_MAX_BYTES, MAX_DIGITS, MAX_NESTING

ROOT = Path(__file__).resolve().parents[2]


def _load_harness():
    path = ROOT / "benchmarks" / "fuzz_language.py"
    spec = importlib.util.spec_from_file_location("fuzz_language", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


F = _load_harness()


@functools.cache
def specials() -> dict[str, object]:
    return {s.name: s for s in F.special_inputs()}


SPECIAL_NAMES = [s.name for s in F.special_inputs()]


def dsl_error(text: str, **kwargs) -> DSLError:
    with pytest.raises(DSLError) as info:
        parse(text, "fuzz.nas", **kwargs)
    return info.value


def where(err: DSLError) -> tuple[int, int]:
    assert err.first.pos is not None
    return err.first.pos.line, err.first.pos.column


# ---- the harness on a sample ---------------------------------------------------------------


def test_a_2000_input_sample_holds_the_oracle():
    tally = F.fuzz(2000, seed=20240607, specials=False)
    assert tally.total == 2000
    assert tally.others == 0, tally.counts
    assert not tally.failures, tally.failures[:5]
    # the sample exercises every path: clean documents, check errors, syntax and io errors
    kinds = {status.split(":")[0] for status in tally.counts}
    assert {"ok", "check", "error"} <= kinds
    assert tally.counts["error:io"] > 0  # invalid UTF-8 through parse_file
    assert set(tally.by_source) == {
        "grammar",
        "grammar+tokens",
        "grammar+bytes",
        "spaces+bytes",
        "spaces+tokens",
        "splice",
    }


def test_mutations_are_seeded():
    a = list(F.generate(50, seed=3, grammar_share=0))
    b = list(F.generate(50, seed=3, grammar_share=0))
    c = list(F.generate(50, seed=4, grammar_share=0))
    assert a == b != c


def test_the_oracle_rejects_a_position_outside_the_input():
    from nasiam_dsl.lang import ast
    from nasiam_dsl.lang.errors import Diagnostic

    def err(line: int, column: int) -> DSLError:
        pos = ast.Pos(line=line, column=column, end_line=line, end_column=column + 1)
        return DSLError([Diagnostic("x", pos)], "ab\ncd\n")

    assert F.position_problem(err(3, 1), None) is None  # just past the last line
    assert F.position_problem(err(2, 3), None) is None  # just past the line's end
    assert "line 5" in F.position_problem(err(5, 1), None)
    assert "column 4" in F.position_problem(err(1, 4), None)
    assert "no position" in F.position_problem(DSLError([Diagnostic("x")], ""), None)


def test_the_benchmark_prints_its_table(capsys):
    assert F.main(["--n", "40", "--sizes", "0.03,0.06", "--no-specials"]) == 0
    out = capsys.readouterr().out
    assert "other exceptions (must be 0)" in out and "µs/KiB" in out
    assert out.rstrip().endswith("PASS")


# ---- special inputs, each with its expected outcome ----------------------------------------
# (times are the benchmark's business: benchmarks/fuzz_language.py checks the 1 s bound and
# linear growth; tests here assert outcomes only, so a loaded CI machine cannot fail them)


@pytest.mark.parametrize("name", SPECIAL_NAMES)
def test_special_input(name: str, tmp_path: Path):
    special = specials()[name]
    outcome = F.run_one(special.data, tmp_path / "special.nas")
    assert outcome.problem is None, outcome.problem
    assert F.meets(special.expect, outcome), (special.expect, outcome)


def test_empty_and_comment_only_files_say_so():
    for text in ("", "# only\n# comments\n", "\ufeff", "   \n\t\n"):
        err = dsl_error(text)
        assert err.first.message == "empty file: no space or genotype in it"
        line, column = where(err)
        assert line == max(1, text.count("\n")) and column >= 1


def test_bom_crlf_tabs_and_form_feeds_read_like_the_plain_file(tmp_path: Path):
    demo = (ROOT / "spaces" / "demo.nas").read_text("utf-8")
    plain = parse(demo)
    path = tmp_path / "bom.nas"
    path.write_bytes(b"\xef\xbb\xbf" + demo.replace("\n", "\r\n").encode())
    assert parse_file(path) == plain
    for variant in (
        "\ufeff" + demo,
        demo.replace("\n", "\r\n"),
        demo.replace("  ", "\t"),
        demo.replace("\n\n", "\n\x0c\n"),
    ):
        assert parse(variant) == plain


def test_nul_bytes_are_refused_where_they_are(tmp_path: Path):
    err = dsl_error("space s {\n  head p(x: 8) {\x00 }\n}")
    assert err.first.message == "NUL byte in text" and where(err) == (2, 17)
    path = tmp_path / "zeros.nas"
    path.write_bytes(b"\x00" * 100)
    with pytest.raises(DSLError, match="NUL byte"):
        parse_file(path)


def test_invalid_utf8_column_counts_characters(tmp_path: Path):
    path = tmp_path / "bad.nas"
    path.write_bytes("space größe {\n  # ünïcödé ".encode() + b"\xff")
    with pytest.raises(DSLError) as info:
        parse_file(path)
    assert info.value.first.message == "file is not valid UTF-8"
    assert where(info.value) == (2, 13)  # after 12 characters (16 bytes) on line 2
    rendered = str(info.value).splitlines()
    assert rendered[2].index("^") == rendered[1].index("\ufffd")


def test_a_10_mb_file_is_refused_before_parsing(tmp_path: Path):
    text = F.big_space(10 * 2**20)
    path = tmp_path / "big.nas"
    path.write_text(text, "utf-8")
    for load in (lambda: parse(text), lambda: parse_file(path)):
        with pytest.raises(DSLError) as info:
            load()
        assert info.value.first.code == "size"
        assert info.value.first.message == (
            f"file is {len(text.encode()):,} bytes, over the {DEFAULT_MAX_BYTES:,}-byte limit"
        )


def test_10000_deep_nesting_is_refused_at_the_first_bracket_too_deep():
    err = dsl_error(F._nested(10_000))
    assert err.first.message == f"brackets nest more than {MAX_NESTING} deep"
    # `space {` and `head {` are two levels: the 99th `choose(` is one too many
    assert where(err) == (1, len("space s { head p(x: 8) { z = ") + 7 * (MAX_NESTING - 2) + 7)


def test_huge_integers_are_errors_with_positions_not_crashes():
    width_10_400 = F._one_node("linear(x, 1" + "0" * 400 + ")")
    result = check(parse(width_10_400))
    assert [e.message[:6] for e in result.errors] == ["width "]
    assert result.errors[0].message.endswith("out of range 1..1048576")
    # at the limit a number still reads; past it, it is a syntax error at the number
    assert parse(F._one_node("linear(x, " + "9" * MAX_DIGITS + "G)")) is not None
    err = dsl_error(F._one_node("linear(x, " + "9" * (MAX_DIGITS + 1) + ")"))
    assert err.first.message == f"number too long ({MAX_DIGITS + 1:,} digits)"
    assert where(err) == (3, 19)
    err = dsl_error(F._one_node("x | act{relu @1" + "0" * 400 + "}", "genotype"))
    assert err.first.message.startswith("probability too large") and where(err) == (3, 23)
    for text in (
        "genotype g { meta { a = 1e999 } head p(x: 8) { z = x } }",
        "space s { head p(x: 8) { z = x } constraint params <= 1e999 }",
        F._one_node("x | act{relu @1e999}", "genotype"),
    ):
        assert dsl_error(text).first.message == "number too large: 1e999"


def test_huge_numbers_that_parse_print_back_the_same():
    text = "space s { head p(x: 8) { z = x } constraint params <= 1" + "0" * 400 + " }"
    doc = parse(text)
    assert doc.constraints[0].bound == 10**400
    assert parse(format_text(text)) == doc


def test_unicode_names_round_trip():
    text = "space größe for 層 { head 層(α_1: 64) { ширина = identity(α_1) | 𝔵 } }"
    doc = parse(text)
    assert (doc.name, doc.framework, doc.heads[0].input) == ("größe", "層", "α_1")
    assert parse(print_document(doc)) == doc
    err = check(doc).errors[0]
    assert err.message.startswith("unknown op '𝔵'") or "𝔵" in err.message


# Where a keyword cannot be a name: it is refused (a DSLError) or read as the keyword.
KEYWORDS_THAT_ARE_NOT_NAMES = {
    "ref": {"choose", "sum", "mean", "concat"},
    "call-with-input op": {"choose", "sum", "mean", "concat"},
    "stage op": {"act", "norm"},
    "call input": {"sum", "mean", "concat"},
    "kwarg name": {"width"},
    "kwarg value": {"true", "false"},
    "width name": {"width"},
}
_NOT_NAME_KEYS = {"kind", "mode", "metric", "cmp"}


def _strings(value, key=None):
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in _NOT_NAME_KEYS:
                yield from _strings(v, k)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v, key)
    elif isinstance(value, str):
        yield value


def test_every_keyword_as_a_name_in_every_position(tmp_path: Path):
    not_names: dict[str, set[str]] = {}
    for word, slot, text in F.keyword_inputs():
        outcome = F.run_one(text, tmp_path / "kw.nas")
        assert outcome.problem is None, (word, slot, outcome.problem)
        assert not outcome.status.startswith("other"), (word, slot, outcome)
        if outcome.status.startswith("error:"):
            assert outcome.status == "error:syntax", (word, slot, outcome)
            not_names.setdefault(slot, set()).add(word)
        elif word not in set(_strings(parse(text).model_dump())):
            not_names.setdefault(slot, set()).add(word)
    assert not_names == KEYWORDS_THAT_ARE_NOT_NAMES
    assert len(F.NAME_SLOTS) * len(F.KEYWORDS) == 25 * 24


# ---- regressions the fuzzer found ----------------------------------------------------------


def test_lone_cr_and_form_feed_do_not_move_the_end_of_file_past_the_input():
    for text in ("space s {\r\r\r", "space s {\x0c\x0c", "space s {\u2028\n"):
        err = dsl_error(text)
        line, column = where(err)
        lines = text.split("\n")
        assert line <= len(lines) and column <= len(lines[line - 1]) + 1


def test_a_diagnostic_shows_its_own_line_when_comments_hold_odd_breaks():
    # '\r' ends a comment (old Mac files); form feed and U+2028 do not, nor do they end lines
    text = "# a\x0cb\u2028c d\nspace s { head p(x: 8) { z = x | } }\n"
    err = dsl_error(text)
    assert where(err) == (2, 34)
    shown = str(err).splitlines()
    assert shown[1].endswith("space s { head p(x: 8) { z = x | } }")
    assert shown[2].index("^") - shown[1].index("space") == 33


@pytest.mark.parametrize("word", ["choose", "sum", "mean", "concat"])
def test_an_op_named_like_a_keyword_prints_back_as_a_stage(word: str):
    text = f"space s {{ head p(x: 8) {{ z = x | {word} }} }}"
    assert parse(format_text(text)) == parse(text)
    assert f"x | {word}" in format_text(text)
