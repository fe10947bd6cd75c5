"""The parser: positions, names, numbers, strings, encodings, limits and syntax errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from nasiam_dsl.lang import DSLError, ast, check, parse, parse_file, print_document
from nasiam_dsl.lang.parser import MAX_NESTING, parse_int

SMALL = """space s {
  head projector(x: 512) {
    z = linear(x, 256)
  }
}
"""


def syntax_error(text: str, **kwargs) -> DSLError:
    with pytest.raises(DSLError) as info:
        parse(text, "bad.nas", **kwargs)
    assert len(info.value.diagnostics) == 1
    return info.value


def where(err: DSLError) -> tuple[int, int]:
    pos = err.first.pos
    assert pos is not None
    return pos.line, pos.column


def one_node(expr: str, source: str = "512") -> ast.Pipeline:
    doc = parse(f"space s {{ head p(x: {source}) {{ z = {expr} }} }}")
    return doc.heads[0].nodes[0].expr


# ---- positions ---------------------------------------------------------------------------


def test_every_statement_knows_its_line_and_column():
    text = """space s for simsiam {
  meta {
    seed = 1
  }
  let acts = {relu, gelu}
  head projector(x: backbone) {
    h = linear(x, 512) | act(acts)
    z = sum(h, x)
  }
  constraint params <= 5M
}
"""
    doc = parse(text)
    assert (doc.pos.line, doc.pos.column) == (1, 1)
    assert (doc.pos.end_line, doc.pos.end_column) == (11, 2)
    assert (doc.meta.pos.line, doc.meta.pos.column) == (2, 3)
    assert (doc.meta.entries[0].pos.line, doc.meta.entries[0].pos.column) == (3, 5)
    assert (doc.lets[0].pos.line, doc.lets[0].pos.column) == (5, 3)
    head = doc.heads[0]
    assert (head.pos.line, head.pos.column, head.pos.end_line) == (6, 3, 9)
    h, z = head.nodes
    assert (h.pos.line, h.pos.column, h.pos.end_column) == (7, 5, 35)
    assert (z.pos.line, z.pos.column) == (8, 5)
    assert (doc.constraints[0].pos.line, doc.constraints[0].pos.column) == (10, 3)


def test_expressions_know_their_columns():
    doc = parse(
        "space s {\n  head p(x: 512) {\n    z = linear(x, 256) | bn | act{relu, gelu}\n  }\n}"
    )
    expr = doc.heads[0].nodes[0].expr
    ref = expr.source
    linear, bn, act = expr.stages
    assert (ref.pos.line, ref.pos.column, ref.pos.end_column) == (3, 16, 17)
    assert (linear.pos.column, linear.pos.end_column) == (9, 23)
    assert (bn.pos.column, bn.pos.end_column) == (26, 28)
    assert act.pos.column == 31
    relu, gelu = act.options.items
    assert (relu.pos.column, gelu.pos.column) == (35, 41)


def test_positions_do_not_count_for_equality():
    a = parse(SMALL)
    b = parse(SMALL.replace("\n", "\n\n").replace("  ", "      "))
    assert a.heads[0].pos != b.heads[0].pos
    assert a == b
    assert hash(a) == hash(b)


# ---- names and keywords ------------------------------------------------------------------


def test_keywords_are_names_where_no_keyword_fits():
    doc = parse(
        """space s {
  let head = {relu, gelu}
  head projector(x: 512) {
    summary = linear(x, 256) | act(head)
  }
}"""
    )
    assert doc.lets[0].name == "head"
    node = doc.heads[0].nodes[0]
    assert node.name == "summary"
    assert node.expr.stages[1] == ast.ActChoice(options=ast.SetRef(name="head"))
    assert check(doc).ok


def test_almost_every_keyword_can_name_a_node_and_be_read():
    names = ["count", "params", "flops", "in", "of", "pick", "width", "meta", "let", "per"]
    names += ["space", "genotype", "for", "choose", "constraint", "true", "false", "as"]
    lines = [
        f"    {name} = identity({prev})" for prev, name in zip(["x", *names], names, strict=False)
    ]
    text = "space space for for {\n  head head(head: 64) {\n" + "\n".join(lines) + "\n  }\n}\n"
    doc = parse(text)
    assert (doc.name, doc.framework, doc.heads[0].name, doc.heads[0].input) == (
        "space",
        "for",
        "head",
        "head",
    )
    assert [n.name for n in doc.heads[0].nodes] == names
    assert parse(print_document(doc)) == doc


def test_a_keyword_where_a_keyword_fits_is_the_keyword():
    # after '|' `act` starts an activation choice, so it cannot name an op there
    err = syntax_error("space s { head p(x: 5) { z = identity(x) | act } }")
    assert err.first.message == "unexpected '}'"


def test_unicode_names():
    doc = parse("space größe { head 層(α_1: 64) { ширина = identity(α_1) } }")
    assert doc.name == "größe"
    assert doc.heads[0].nodes[0].name == "ширина"


# ---- numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2048", 2048),
        ("2_048", 2048),
        ("5k", 5_000),
        ("5K", 5_000),
        ("2M", 2_000_000),
        ("1G", 1_000_000_000),
        ("1_5k", 15_000),
    ],
)
def test_parse_int_suffixes(text, value):
    assert parse_int(text) == value


def test_number_suffixes_everywhere_an_integer_goes():
    doc = parse(
        """space s {
  meta { n = 5k }
  let dim = 2k
  let widths = {1k, 4K}
  head p(x: 2_048) { z = linear(x, 1k) }
  constraint params <= 2M
  constraint flops < 1G
}"""
    )
    assert doc.meta.get("n") == 5000
    assert doc.lets[0].value.value == 2000
    assert [i.value for i in doc.lets[1].value.items] == [1000, 4000]
    assert doc.heads[0].source == 2048
    assert doc.heads[0].nodes[0].expr.stages[0].args[0].value == 1000
    assert [c.bound for c in doc.constraints] == [2_000_000, 1_000_000_000]
    assert all(type(c.bound) is int for c in doc.constraints)


def test_floats():
    doc = parse(
        "space s { meta { a = 0.25 b = 1.5e3 c = 2e-4 d = 1_000.5 } "
        "head p(x: 8) { z = bn(x, eps=1e-5) | act{gelu @0.71, relu @1} } }"
    )
    assert [e.value for e in doc.meta.entries] == [0.25, 1500.0, 0.0002, 1000.5]
    assert all(type(e.value) is float for e in doc.meta.entries)
    bn, act = doc.heads[0].nodes[0].expr.stages
    assert bn.args[0] == ast.KwArg(name="eps", value=1e-5)
    assert [i.prob for i in act.options.items] == [0.71, 1.0]


def test_meta_booleans_and_strings():
    doc = parse('space s { meta { on = true off = false s = "x" } head p(x: 8) { z = x } }')
    assert [e.value for e in doc.meta.entries] == [True, False, "x"]
    assert type(doc.meta.entries[0].value) is bool


def test_string_escapes_in_meta():
    doc = parse(r'space s { meta { s = "q\"b\\n\nt\tu\é" } head p(x: 8) { z = x } }')
    assert doc.meta.get("s") == 'q"b\\n\nt\tué'


def test_a_number_with_a_bad_suffix():
    err = syntax_error(SMALL.replace("256", "256x"))
    assert err.first.message == "bad number '256x'"
    assert where(err) == (3, 19)
    assert "5k" in err.first.hint and "2M" in err.first.hint


# ---- syntax errors -----------------------------------------------------------------------


def test_missing_closing_brace_is_unexpected_end_of_file():
    err = syntax_error(SMALL.rstrip().removesuffix("}"))
    assert err.first.message == "unexpected end of file (is a '}' missing?)"
    assert where(err) == (4, 4)
    assert "'}'" in err.first.hint


def test_missing_comma_names_the_token_and_what_was_expected():
    err = syntax_error(SMALL.replace("x, 256", "x 256"))
    assert err.first.message == "unexpected '256'"
    assert where(err) == (3, 18)
    assert err.first.hint == "expected ')', ','"


def test_unexpected_character():
    err = syntax_error(SMALL.replace("| ", "").replace("256)", "256) ; bn"))
    assert err.first.message == "unexpected character ';'"
    assert where(err) == (3, 24)
    assert err.first.hint


def test_unterminated_string():
    err = syntax_error('space s {\n  meta { a = "open\n  }\n}\n')
    assert err.first.message == "unterminated string"
    assert where(err) == (2, 14)


def test_a_misspelt_keyword():
    err = syntax_error(SMALL.replace("head", "haed"))
    assert err.first.message == "unexpected 'haed'"
    assert where(err) == (2, 3)
    assert err.first.hint == "expected 'block', 'constraint', 'head', 'let', 'meta', '}'"


def test_empty_file():
    for text in ("", "\n\n", "# only a comment\n"):
        assert syntax_error(text).first.message == "empty file: no space or genotype in it"


def test_syntax_error_renders_like_a_compiler():
    err = syntax_error(SMALL.replace("x, 256", "x 256"))
    assert str(err).splitlines() == [
        "bad.nas:3:18: error: unexpected '256'",
        "    3 |     z = linear(x 256)",
        "      |                  ^^^",
        "      = help: expected ')', ','",
    ]


def test_two_meta_blocks():
    err = syntax_error("space s { meta { a = 1 }\n  meta { b = 2 } head p(x: 8) { z = x } }")
    assert err.first.message == "a document has at most one meta block"
    assert where(err) == (2, 3)


def test_parse_is_syntax_only():
    doc = parse(SMALL.replace("linear(x, 256)", "nonsense(y, 0) | act{}"))
    assert not check(doc).ok


# ---- bytes, encodings, limits ------------------------------------------------------------


def test_nul_byte_is_refused_with_its_position():
    err = syntax_error(SMALL.replace("z =", "z\x00="))
    assert err.first.message == "NUL byte in text"
    assert where(err) == (3, 6)


def test_invalid_utf8_via_parse_file(tmp_path: Path):
    path = tmp_path / "latin1.nas"
    path.write_bytes(SMALL.replace("256", "25\xe96").encode("latin-1"))
    with pytest.raises(DSLError) as info:
        parse_file(path)
    assert info.value.first.message == "file is not valid UTF-8"
    assert where(info.value) == (3, 21)
    assert info.value.filename == str(path)


def test_unreadable_file_is_a_dsl_error(tmp_path: Path):
    with pytest.raises(DSLError) as info:
        parse_file(tmp_path / "missing.nas")
    assert info.value.first.message.startswith("cannot read file")
    with pytest.raises(DSLError):
        parse_file(tmp_path)  # a directory


def test_bom_is_skipped(tmp_path: Path):
    assert parse("\ufeff" + SMALL) == parse(SMALL)
    assert parse("\ufeff" + SMALL).pos.column == 1
    path = tmp_path / "bom.nas"
    path.write_bytes(b"\xef\xbb\xbf" + SMALL.encode())
    assert parse_file(path) == parse(SMALL)


def test_crlf_and_tabs_parse_like_lf_and_spaces(tmp_path: Path):
    crlf = SMALL.replace("\n", "\r\n")
    assert parse(crlf) == parse(SMALL)
    assert parse(crlf).heads[0].nodes[0].pos.line == 3
    assert parse(SMALL.replace("  ", "\t")) == parse(SMALL)
    path = tmp_path / "crlf.nas"
    path.write_bytes(crlf.encode())
    assert parse_file(path) == parse(SMALL)


def test_crlf_errors_point_at_the_right_place():
    err = syntax_error(SMALL.replace("x, 256", "x 256").replace("\n", "\r\n"))
    assert where(err) == (3, 18)


def test_size_limit():
    err = syntax_error(SMALL, max_bytes=50)
    assert err.first.message == f"file is {len(SMALL)} bytes, over the 50-byte limit"
    assert "--max-bytes" not in err.first.hint, "the CLI has no such option"
    assert parse(SMALL, max_bytes=len(SMALL)) == parse(SMALL)
    assert parse(SMALL, max_bytes=None) == parse(SMALL)
    with pytest.raises(DSLError):
        parse(SMALL.replace("z", "ż"), max_bytes=len(SMALL))  # bytes, not characters


def test_size_limit_with_max_bytes_100():
    big = SMALL.replace(
        "z = linear(x, 256)", "z = linear(x, 256) | bn | relu | linear(256) | bn | relu"
    )
    assert len(big.encode()) > 100
    assert syntax_error(big, max_bytes=100).first.message.endswith("over the 100-byte limit")


def _nested(depth: int) -> str:
    return "space s { head p(x: 8) { z = " + "choose(" * depth + "x" + ")" * depth + " } }"


def test_deep_nesting_is_refused_cleanly():
    for depth in (MAX_NESTING, 500, 50_000):
        err = syntax_error(_nested(depth))  # a DSLError, not a RecursionError
        assert err.first.message == f"brackets nest more than {MAX_NESTING} deep"
        assert err.first.pos.line == 1
        assert err.first.hint


def test_nesting_just_under_the_limit_parses_checks_and_prints():
    doc = parse(_nested(MAX_NESTING - 2))  # `space {` and `head {` are two levels
    check(doc)
    assert parse(print_document(doc)) == doc


def test_brackets_in_strings_and_comments_do_not_nest():
    deep = "{" * (MAX_NESTING + 10)
    doc = parse(f'space s {{ meta {{ a = "{deep}" }} # {deep}\n head p(x: 8) {{ z = x }} }}')
    assert doc.meta.get("a") == deep


# ---- structure ---------------------------------------------------------------------------


def test_call_with_input_becomes_source_and_first_stage():
    expr = one_node("linear(x, 256, bias=false) | bn")
    assert expr.source == ast.Ref(name="x")
    assert expr.stages[0] == ast.Call(
        name="linear", args=(ast.IntLit(value=256), ast.KwArg(name="bias", value=False))
    )
    assert expr.stages[1] == ast.Call(name="bn")


def test_choose_with_probabilities_label_and_trailing_comma():
    expr = one_node("choose(identity(x) @0.2, linear(x, 512) | relu @0.8,) as op")
    choose = expr.source
    assert isinstance(choose, ast.Choose)
    assert choose.label == "op"
    assert [c.prob for c in choose.candidates] == [0.2, 0.8]
    assert choose.candidates[1].stages[-1] == ast.Call(name="relu")


def test_combines_and_pick():
    expr = one_node("concat(pick 2 of {x @0.5, x}) as skip")
    assert expr.source == ast.Combine(
        mode="concat",
        inputs=(ast.Ref(name="x", prob=0.5), ast.Ref(name="x")),
        pick=2,
        label="skip",
    )
    assert one_node("mean(x, x)").source == ast.Combine(
        mode="mean", inputs=(ast.Ref(name="x"), ast.Ref(name="x"))
    )


def test_width_choices_and_set_terms():
    expr = one_node("linear(x, width{256, 512} as w) | norm{bn(affine=false), none} | act(a)")
    width = expr.stages[0].args[0]
    assert width == ast.WidthChoice(
        options=ast.SetLiteral(items=(ast.IntLit(value=256), ast.IntLit(value=512))), label="w"
    )
    norm = expr.stages[1]
    assert norm.options.items[0] == ast.Term(
        name="bn", kwargs=(ast.KwArg(name="affine", value=False),)
    )
    assert expr.stages[2] == ast.ActChoice(options=ast.SetRef(name="a"))


def test_constraints():
    doc = parse(
        "space s { head p(x: 8) { z = x }\n"
        "  constraint count(identity, zero) <= 2 per head\n"
        "  constraint params(p) > 0\n"
        "  constraint flops == 1.5 in p }"
    )
    a, b, c = doc.constraints
    assert (a.metric, a.ops, a.cmp, a.bound, a.scope) == (
        "count",
        ("identity", "zero"),
        "<=",
        2,
        ast.PerHead(),
    )
    assert (b.metric, b.target, b.cmp, b.bound, b.scope) == ("params", "p", ">", 0, ast.Whole())
    assert (c.metric, c.cmp, c.bound, c.scope) == ("flops", "==", 1.5, ast.InHead(name="p"))


def test_a_head_named_per_head_is_not_per_head():
    """`in per_head` bounds the head named per_head; `per head` bounds every head."""
    doc = parse(
        "space s { head per_head(x: 8) { z = x } head q(y: 8) { z = y }\n"
        "  constraint count(identity) <= 0 in per_head\n"
        "  constraint count(identity) <= 0 per head }"
    )
    named, each = doc.constraints
    assert named.scope == ast.InHead(name="per_head") and each.scope == ast.PerHead()
    text = print_document(doc)
    assert "constraint count(identity) <= 0 in per_head" in text
    assert "constraint count(identity) <= 0 per head" in text
    assert parse(text) == doc


def test_sections_in_any_order():
    doc = parse(
        "space s { constraint params <= 1M head p(x: 8) { z = x } let a = {relu} meta { k = 1 } }"
    )
    assert doc.meta.get("k") == 1 and doc.lets[0].name == "a" and doc.heads and doc.constraints


def test_comments_are_attached_not_parsed():
    doc = parse(
        """# lead
space s {  # header
  head p(x: 8) {
    # before z
    z = x  # after z
  }
}
"""
    )
    assert doc.comments == ast.Comments(leading=("# lead",), trailing="# header")
    z = doc.heads[0].nodes[0]
    assert z.comments == ast.Comments(leading=("# before z",), trailing="# after z")
    assert doc.heads == parse("space s { head p(x: 8) {\n# before z\nz = x # after z\n} }").heads, (
        "comments belong to statements, whatever the layout"
    )


def test_hash_inside_a_string_is_not_a_comment():
    doc = parse('space s { meta { a = "x # y" } head p(x: 8) { z = x } }')
    assert doc.meta.get("a") == "x # y"
    assert doc.meta.entries[0].comments == ast.Comments()


# ---- scale ---------------------------------------------------------------------------------


def test_the_scaling_benchmark_runs(capsys):
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "parse_scaling.py"
    spec = importlib.util.spec_from_file_location("parse_scaling", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--sizes", "10,40", "--repeat", "1"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:2] == ["nodes", "KiB"]
    assert [row.split()[0] for row in table[2:4]] == ["10", "40"]


def test_a_thousand_node_space_parses_into_a_thousand_nodes():
    lines = [f"    n{i} = linear(n{i - 1}, 64) | bn | relu" for i in range(1, 1000)]
    text = (
        "space big {\n  head p(x: 64) {\n    n0 = identity(x)\n" + "\n".join(lines) + "\n  }\n}\n"
    )
    doc = parse(text)
    assert len(doc.heads[0].nodes) == 1000
    assert doc.heads[0].nodes[-1].pos.line == 1002
    assert check(doc).ok
