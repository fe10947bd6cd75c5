"""Semantic checks: one test per check, each with its exact message and position."""

from __future__ import annotations

from pathlib import Path

import pytest

from nasiam_dsl import registry
from nasiam_dsl.lang import DSLError, check, check_or_raise, loads, parse
from nasiam_dsl.lang.errors import Diagnostic

ROOT = Path(__file__).resolve().parents[2]


def result(text: str, **kwargs):
    return check(parse(text), **kwargs)


def the_error(text: str, **kwargs) -> Diagnostic:
    errors = result(text, **kwargs).errors
    assert len(errors) == 1, [e.message for e in errors]
    return errors[0]


def the_warning(text: str) -> Diagnostic:
    res = result(text)
    assert res.errors == []
    assert len(res.warnings) == 1, [w.message for w in res.warnings]
    return res.warnings[0]


def at(d: Diagnostic) -> tuple[int, int]:
    assert d.pos is not None
    return d.pos.line, d.pos.column


def space(*body: str, kind: str = "space", width: str = "512") -> str:
    """A document with one projector; `body` lines become its nodes (line 3 onwards)."""
    nodes = "\n".join(f"    {line}" for line in body)
    return f"{kind} s {{\n  head projector(x: {width}) {{\n{nodes}\n  }}\n}}\n"


# ---- names -------------------------------------------------------------------------------


def test_undefined_name_with_did_you_mean():
    d = the_error(space("hidden = linear(x, 256)", "z = linear(hiden, 256)"))
    assert d.message == "undefined name 'hiden'"
    assert at(d) == (4, 16)
    assert d.hint == "did you mean 'hidden'?"


def test_undefined_name_without_a_close_match_lists_the_scope():
    d = the_error(space("h = linear(x, 256)", "z = linear(qqq, 256)"))
    assert d.message == "undefined name 'qqq'"
    assert d.hint == "names in scope: x, h"


def test_duplicate_node_name():
    d = the_error(space("h = linear(x, 256)", "h = linear(h, 256)"))
    assert d.message == "duplicate name 'h' in head 'projector'"
    assert at(d) == (4, 5)
    assert d.hint == "first defined on line 3"


def test_node_named_like_the_head_input():
    d = the_error(space("x = linear(x, 256)"))
    assert d.message == "duplicate name 'x' in head 'projector'"
    assert d.hint == "this is the head's input name"


def test_duplicate_let():
    d = the_error(
        "space s {\n  let a = {relu}\n  let a = 5\n  head p(x: 8) {\n    z = x | act(a)\n  }\n}"
    )
    assert d.message == "duplicate name 'a'"
    assert at(d) == (3, 3)
    assert d.hint == "first defined on line 2"


def test_duplicate_head():
    d = the_error("space s {\n  head p(x: 8) { z = x }\n  head p(x: 8) { z = x }\n}")
    assert d.message == "duplicate head 'p'"
    assert at(d) == (3, 3)
    assert d.hint == "first defined on line 2"


def test_reference_to_a_later_node():
    d = the_error(space("h = linear(z, 256)", "z = linear(x, 256)"))
    assert d.message == "node 'h' reads 'z', which is defined later (line 4)"
    assert at(d) == (3, 16)


def test_self_reference():
    d = the_error(space("h = sum(x, h)"))
    assert d.message == "node 'h' reads itself"
    assert at(d) == (3, 16)


def test_names_are_per_head():
    text = "space s {\n  head a(x: 8) { h = x }\n  head b(x: 8) { z = h }\n}"
    assert the_error(text).message == "undefined name 'h'"


# ---- ops, activations, norms -------------------------------------------------------------


def test_unknown_op_suggests_registry_names():
    d = the_error(space("z = linear(x, 256) | gelu2"))
    assert d.message == "unknown op 'gelu2'"
    assert at(d) == (3, 26)
    assert d.hint == "did you mean 'gelu' or 'elu' or 'relu'?"
    assert the_error(space("z = layernrm(x)")).hint == "did you mean 'layernorm'?"


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("batchnorm", "bn"),
        ("BatchNorm1d", "bn"),
        ("LayerNorm", "layernorm"),
        ("ReLU", "relu"),
        ("swish", "silu"),
        ("LeakyReLU", "leaky_relu"),
        ("Linear(x, 8)", "linear"),
        ("AvgPool1d", "avgpool"),
    ],
)
def test_an_op_called_by_its_pytorch_or_common_name_suggests_the_languages_name(written, meant):
    call = written if "(" in written else f"{written}(x)"
    assert the_error(space(f"z = {call}")).hint == f"did you mean '{meant}'?"


def test_other_names_in_choices_and_constraints_suggest_the_languages_name():
    d = the_error(space("z = linear(x, 8) | norm{batchnorm, none}"))
    assert (d.message, d.hint) == ("unknown norm 'batchnorm'", "did you mean 'bn'?")
    d = the_error(space("z = linear(x, 8) | act{relu, swish}"))
    assert (d.message, d.hint) == ("unknown activation 'swish'", "did you mean 'silu'?")
    # an activation's other name is not offered where a norm is wanted
    d = the_error(space("z = linear(x, 8) | norm{ReLU, none}"))
    assert d.hint != "did you mean 'relu'?"


def test_every_other_name_means_one_op():
    for spec in registry.all_ops():
        for name in registry.also_called(spec) - set(registry.op_names()):  # a name wins
            assert registry.meant_op(name) == spec.name, name
            assert registry.meant_op(name.upper()) == spec.name, name
    assert registry.meant_op("Identity") == "identity"  # though `none` builds nn.Identity
    assert registry.meant_op("dropout") is None


def test_unknown_op_without_close_match_points_at_nasiam_ops():
    assert the_error(space("z = quux(x)")).hint == (
        "`nasiam ops` lists the ops, norms and activations"
    )


def test_unknown_activation():
    d = the_error(space("z = linear(x, 256) | act{relu, gelu2}"))
    assert d.message == "unknown activation 'gelu2'"
    assert at(d) == (3, 36)
    assert d.hint == "did you mean 'gelu' or 'elu' or 'relu'?"


def test_a_norm_is_not_an_activation():
    d = the_error(space("z = linear(x, 256) | act{relu, bn}"))
    assert d.message == "unknown activation 'bn'"


def test_unknown_norm():
    d = the_error(space("z = linear(x, 256) | norm{bn, layernrm}"))
    assert d.message == "unknown norm 'layernrm'"
    assert at(d) == (3, 35)
    assert d.hint == "did you mean 'layernorm'?"


def test_an_activation_is_not_a_norm():
    d = the_error(space("z = linear(x, 256) | norm{bn, relu}"))
    assert d.message == "unknown norm 'relu'"
    assert d.hint == "norms: bn, layernorm, none"


def test_registered_activation_is_known_and_suggested(monkeypatch):
    monkeypatch.setattr(registry, "_OPS", dict(registry._OPS))
    registry.register_activation("squareplus", factory=lambda: None)
    assert result(space("z = linear(x, 256) | act{relu, squareplus}")).ok
    assert result(space("z = linear(x, 256) | squareplus")).ok
    d = the_error(space("z = linear(x, 256) | squarepls"))
    assert d.hint == "did you mean 'squareplus'?"


def test_none_only_inside_a_norm_choice():
    d = the_error(space("z = linear(x, 256) | none"))
    assert d.message == "'none' is only a candidate of a norm choice"
    assert result(space("z = linear(x, 256) | norm{bn, none}")).ok


def test_linear_takes_one_width():
    d = the_error(space("z = linear(x) | bn"))
    assert d.message == "'linear' takes one width, got 0"
    d = the_error(space("z = linear(x, 256, 128)"))
    assert d.message == "'linear' takes one width, got 2"


def test_only_linear_takes_a_width():
    d = the_error(space("z = linear(x, 256) | relu(256)"))
    assert d.message == "'relu' takes no width"
    assert at(d) == (3, 31)


def test_width_out_of_range():
    assert (
        the_error(space("z = linear(x, 2G)")).message == "width 2000000000 out of range 1..1048576"
    )
    d = the_error(space("z = identity(x)", width="2G"))
    assert d.message == "input width 2000000000 out of range 1..1048576"


def test_pool_kernel_must_be_odd():
    d = the_error(space("z = avgpool(x, kernel=4)"))
    assert d.message == "avgpool kernel must be odd and positive, got 4"
    assert result(space("z = maxpool(x, kernel=5)")).ok


# ---- options -----------------------------------------------------------------------------


def test_bad_option_value_lists_the_allowed_values():
    d = the_error(space("z = linear(x, 256, bias=maybe)"))
    assert d.message == "bad value maybe for 'linear' option 'bias'"
    assert at(d) == (3, 24)
    assert d.hint == "expected true, false, frozen"


def test_bad_option_type():
    d = the_error(space("z = linear(x, 256) | bn(affine=3)"))
    assert d.message == "bad value 3 for 'bn' option 'affine'"
    assert d.hint == "expected true or false"
    d = the_error(space("z = linear(x, 256) | gelu(approximate=fast)"))
    assert d.message == "bad value fast for 'gelu' option 'approximate'"
    assert d.hint == "expected none, tanh"


def test_an_integer_is_a_fine_float_option():
    assert result(space("z = linear(x, 256) | elu(alpha=1) | bn(eps=1)")).ok


def test_unknown_option_with_did_you_mean():
    d = the_error(space("z = linear(x, 256) | bn(afine=false)"))
    assert d.message == "'bn' has no option 'afine'"
    assert at(d) == (3, 29)
    assert d.hint == "did you mean 'affine'?"


def test_unknown_option_of_an_op_without_options():
    d = the_error(space("z = linear(x, 256) | relu(inplace=true)"))
    assert d.message == "'relu' has no option 'inplace'"
    assert d.hint == "'relu' takes no options"


def test_option_given_twice():
    d = the_error(space("z = linear(x, 256, bias=false, bias=true)"))
    assert d.message == "option 'bias' given twice"


def test_options_inside_sets_are_checked():
    d = the_error(space("z = linear(x, 256) | act{relu, gelu(approximate=fast)}"))
    assert d.message == "bad value fast for 'gelu' option 'approximate'"


# ---- widths ------------------------------------------------------------------------------


def test_width_mismatch_where_inputs_are_summed():
    d = the_error(space("a = linear(x, 256)", "b = linear(x, 128)", "z = sum(a, b)"))
    assert d.message == "width mismatch: inputs of sum have widths 256, 128"
    assert at(d) == (5, 9)
    assert d.hint == "summed or chosen outputs must have the same width"
    d = the_error(space("a = linear(x, 256)", "z = mean(a, x)"))
    assert d.message == "width mismatch: inputs of mean have widths 256, 512"


def test_concat_adds_widths():
    res = result(space("a = linear(x, 256)", "z = concat(a, x) | linear(128)"))
    assert res.ok
    assert res.node_widths[("projector", "z")] == 128
    assert check(parse(space("a = linear(x, 256)", "z = concat(a, x)"))).head_widths == {
        "projector": 768
    }


def test_width_mismatch_among_choose_candidates():
    d = the_error(space("z = choose(linear(x, 256) | relu, identity(x))"))
    assert d.message == "width mismatch: candidates of this choice have widths 256, 512"
    assert at(d) == (3, 9)


def test_width_mismatch_in_a_picked_concat():
    d = the_error(space("a = linear(x, 256)", "z = concat(pick 1 of {a, x})"))
    assert d.message == "width mismatch: inputs of a picked concat have widths 256, 512"


MEMBER_HINT = (
    "every member of the space (one candidate per choice) must agree here: "
    "share the width decision (`width{...} as LABEL` on both) or fix the widths"
)


def test_every_width_candidate_is_checked_where_inputs_are_summed():
    text = space("h1 = linear(x, width{256, 512})", "h2 = linear(x, 512)", "h3 = sum(h1, h2)")
    d = the_error(text)
    assert d.message == (
        "width mismatch in node 'h3': inputs of sum have widths 256, 512 when 'h1' takes "
        "width 256 of width{256, 512} (line 3, column 20)"
    )
    assert at(d) == (5, 10) and d.hint == MEMBER_HINT
    d = the_error(space("a = linear(x, width{8, 512})", "z = mean(x, a)"))
    assert d.message.startswith("width mismatch in node 'z': inputs of mean have widths 512, 8")


def test_one_shared_width_decision_agrees_with_itself():
    shared = space(
        "a = linear(x, width{8, 16} as w)", "b = linear(x, width{8, 16} as w)", "z = sum(a, b)"
    )
    assert result(shared).ok
    # two decisions with the same candidates still disagree in some members
    d = the_error(
        space("a = linear(x, width{8, 16})", "b = linear(x, width{8, 16})", "z = sum(a, b)")
    )
    assert "have widths 8, 16 when 'a' takes width 8" in d.message
    assert "'b' takes width 16 of width{8, 16} (line 4, column 19)" in d.message
    # widths that follow the decision through later nodes agree with it
    assert result(space("a = linear(x, width{8, 16})", "b = a | relu", "z = sum(a, b)")).ok


def test_a_choose_keeps_one_candidate_per_member():
    # candidate 0 is 4 wide in some members, candidate 1 always 8: each member has one width
    assert result(space("a = linear(x, width{4, 8})", "z = choose(a | relu, linear(x, 8))")).ok
    # where that width meets another, the members that keep candidate 0 at 4 disagree
    d = the_error(
        space(
            "a = linear(x, width{4, 8})",
            "c = choose(a | relu, linear(x, 8))",
            "b = linear(x, 8)",
            "z = sum(c, b)",
        )
    )
    assert d.message.startswith("width mismatch in node 'z': inputs of sum have widths 4, 8 when")
    assert "'a' takes width 4 of width{4, 8} (line 3, column 19)" in d.message
    assert "'c' decides" in d.message


def test_every_width_candidate_is_checked_across_heads():
    text = (
        "space s {\n  head projector(x: 16) {\n    z = linear(x, width{4, 8})\n  }\n"
        "  head predictor(z: projector) {\n    h = linear(z, 8)\n    p = sum(z, h)\n  }\n}"
    )
    d = the_error(text)
    assert d.message == (
        "width mismatch in node 'p': inputs of sum have widths 4, 8 when 'projector.z' takes "
        "width 4 of width{4, 8} (line 3, column 19)"
    )
    assert at(d) == (7, 9)


def test_every_member_of_a_picked_concat_is_checked_downstream():
    text = space(
        "a = linear(x, width{4, 8})",
        "b = linear(x, 8)",
        "e = concat(pick 1 of {a, b})",
        "z = sum(e, b)",
    )
    d = the_error(text)
    assert "inputs of sum have widths 4, 8 when 'a' takes width 4" in d.message
    assert "'e' picks {a}" in d.message


def test_member_checks_wait_for_the_largest_widths():
    d = the_error(space("a = linear(x, width{8, 16})", "b = linear(x, 32)", "z = sum(a, b)"))
    assert d.message == "width mismatch: inputs of sum have widths 16, 32"


def test_backbone_width_is_checked_once_known():
    text = space("a = linear(x, 2048)", "z = sum(a, x)", width="backbone")
    assert result(text).ok  # `backbone` may be anything
    assert result(text, backbone_dim=2048).ok
    d = the_error(text, backbone_dim=512)
    assert d.message == "width mismatch: inputs of sum have widths 2048, 512"


def test_widths_flow_into_the_result():
    text = (
        "space s {\n  let dim = 128\n"
        "  head projector(x: backbone) {\n"
        "    h = linear(x, width{64, 256}) | relu\n    z = linear(h, dim)\n  }\n"
        "  head predictor(z: projector) { p = linear(z, 32) }\n}"
    )
    res = result(text, backbone_dim=512)
    assert res.node_widths[("projector", "h")] == 256  # the widest candidate
    assert res.head_widths == {"projector": 128, "predictor": 32}
    assert res.head_input_widths == {"projector": 512, "predictor": 128}


def test_undefined_width():
    d = the_error("space s {\n  let dim = 8\n  head p(x: 8) {\n    z = linear(x, dims)\n  }\n}")
    assert d.message == "undefined width 'dims'"
    assert at(d) == (4, 19)
    assert d.hint == "did you mean 'dim'?"


def test_a_width_set_holds_integers():
    d = the_error(space("z = linear(x, width{256, relu})"))
    assert d.message == "'relu' is not a width"


# ---- choices -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stage", "column"),
    [("act{}", 29), ("norm{}", 30), ("linear(width{})", 38)],
)
def test_empty_choice(stage, column):
    d = the_error(space(f"z = linear(x, 256) | {stage}"))
    assert d.message == "empty choice: a set needs at least one candidate"
    assert at(d) == (3, column)


def test_empty_let_set_is_reported_once_where_it_is_defined():
    text = "space s {\n  let acts = {}\n  head p(x: 8) {\n    z = x | act(acts) | act(acts)\n  }\n}"
    d = the_error(text)
    assert d.message == "empty choice: a set needs at least one candidate"
    assert at(d) == (2, 14)


def test_duplicate_in_let_set_is_reported_once():
    text = (
        "space s {\n  let a = {relu, relu}\n  head p(x: 8) {\n    z = x | act(a) | act(a)\n  }\n}"
    )
    d = the_error(text)
    assert d.message == "duplicate candidate 'relu'"
    assert at(d) == (2, 18)


def test_let_set_items_are_checked_against_their_use():
    text = "space s {\n  let a = {relu, gelu}\n  head p(x: 8) {\n    z = x | norm(a)\n  }\n}"
    errors = result(text).errors
    assert [(at(e), e.message) for e in errors] == [
        ((4, 17), "unknown norm 'relu'"),
        ((4, 17), "unknown norm 'gelu'"),
    ]


def test_duplicate_set_item_is_an_error():
    d = the_error(space("z = linear(x, 256) | act{relu, gelu, relu}"))
    assert d.message == "duplicate candidate 'relu'"
    assert at(d) == (3, 42)
    assert d.code == "duplicate"


def test_duplicate_set_item_ignores_probabilities_but_not_options():
    d = the_error(space("z = linear(x, width{256 @0.5, 256 @0.2})"))
    assert d.message == "duplicate candidate '256'"
    assert result(space("z = linear(x, 256) | act{gelu, gelu(approximate=tanh)}")).ok


def test_duplicate_op_choice_candidate_is_a_warning():
    w = the_warning(space("z = choose(identity(x), linear(x, 512), identity(x))"))
    assert w.severity == "warning"
    assert w.message == "duplicate candidate 'identity(x)'"
    assert at(w) == (3, 45)
    assert "random init" in w.hint


def test_undefined_set():
    d = the_error("space s {\n  let acts = {relu}\n  head p(x: 8) {\n    z = x | act(act)\n  }\n}")
    assert d.message == "undefined set 'act'"
    assert d.hint == "did you mean 'acts'?"


def test_a_let_width_is_not_a_set():
    d = the_error("space s {\n  let dim = 8\n  head p(x: 8) {\n    z = x | act(dim)\n  }\n}")
    assert d.message == "'dim' is a width, not a set"


def test_a_let_set_mixes_kinds():
    d = the_error("space s {\n  let m = {relu, bn}\n  head p(x: 8) { z = x }\n}")
    assert d.message == "a set mixes act and norm"
    assert at(d) == (2, 11)


def test_pick_k_out_of_range():
    base = ["a = linear(x, 256)", "b = linear(x, 256)"]
    for k in (0, 3):
        d = the_error(space(*base, f"z = sum(pick {k} of {{a, b}})"))
        assert d.message == f"cannot pick {k} of 2 inputs"
        assert at(d) == (5, 9)
        assert d.hint == "pick between 1 and 2"
    assert result(space(*base, "z = sum(pick 2 of {a, b})")).ok


def test_duplicate_input():
    d = the_error(space("a = linear(x, 256)", "z = sum(a, a)"))
    assert d.message == "duplicate input 'a'"


def test_label_shared_by_different_choices():
    d = the_error(
        space(
            "h = linear(x, 256) | act{relu, gelu} as hidden",
            "z = linear(h, 256) | act{relu, silu} as hidden",
        )
    )
    assert d.message == "label 'hidden' is shared by choices with different candidates"
    assert at(d) == (4, 26)
    assert "(line 3)" in d.hint


def test_label_shared_by_equal_choices_is_fine():
    text = space(
        "h = linear(x, 256) | act{relu, gelu} as hidden",
        "z = linear(h, 256) | act{relu, gelu} as hidden",
    )
    assert result(text).ok


# ---- heads -------------------------------------------------------------------------------


def test_head_cycle():
    d = the_error(
        "space s {\n  head a(x: b) {\n    z = x\n  }\n  head b(x: a) {\n    z = x\n  }\n}"
    )
    assert d.message == "heads feed each other in a cycle through 'a'"
    assert at(d) == (2, 3)


def test_head_reading_itself_is_a_cycle():
    d = the_error("space s {\n  head a(x: a) {\n    z = x\n  }\n}")
    assert d.message == "heads feed each other in a cycle through 'a'"


def test_undefined_head_source():
    d = the_error(
        "space s {\n  head projector(x: backbone) { z = x }\n  head p(z: projecter) { q = z }\n}"
    )
    assert d.message == "undefined input source 'projecter' of head 'p'"
    assert d.hint.startswith("did you mean 'projector'")


def test_a_document_needs_a_head():
    d = the_error("genotype g {\n  let a = {relu}\n}")
    assert d.message == "genotype 'g' has no head"
    assert at(d) == (1, 1)


def test_unused_node_is_a_warning():
    w = the_warning(space("h = linear(x, 256)", "z = linear(x, 256)"))
    assert w.message == "node 'h' is never used"
    assert at(w) == (3, 5)
    assert w.code == "unused"
    assert "('z')" in w.hint


def test_nodes_used_through_choices_and_picks_are_used():
    text = space(
        "a = linear(x, 512)",
        "b = choose(identity(a), linear(a, 512))",
        "z = sum(pick 1 of {x, b})",
    )
    res = result(text)
    assert res.ok and res.warnings == []


def test_predictor_that_can_become_parameter_free_is_warned():
    text = (
        "space s {\n  head predictor(x: 512) {\n    p = choose(linear(x, 512), identity(x))\n  }\n}"
    )
    w = the_warning(text)
    assert w.message == "head 'predictor' can become parameter-free (identity/pool ops only)"
    assert at(w) == (2, 3)
    assert w.code == "identity-predictor"
    assert "constraint params(predictor) > 0" in w.hint


def test_an_unused_node_does_not_hide_a_parameter_free_predictor():
    text = (
        "space s {\n  head predictor(x: 512) {\n    h = linear(x, 256)\n"
        "    p = choose(linear(x, 512), identity(x))\n  }\n}"
    )
    res = result(text)
    assert sorted(w.message for w in res.warnings) == [
        "head 'predictor' can become parameter-free (identity/pool ops only)",
        "node 'h' is never used",
    ]


def test_parameter_floor_silences_the_predictor_warning():
    text = (
        "space s {\n  head predictor(x: 512) {\n    p = choose(linear(x, 512), identity(x))\n  }\n"
        "  constraint params(predictor) > 0\n}"
    )
    res = result(text)
    assert res.ok and res.warnings == []


def test_only_predictors_get_the_parameter_free_warning():
    text = space("z = choose(linear(x, 512), identity(x))")
    res = result(text)
    assert res.ok and res.warnings == []


# ---- constraints -------------------------------------------------------------------------


def test_unsatisfiable_count_per_head():
    d = the_error(
        space("h = identity(x)", "z = identity(h)").replace(
            "  }\n}", "  }\n  constraint count(identity) <= 1 per head\n}"
        )
    )
    assert d.message == (
        "unsatisfiable constraint: every architecture has at least 2 identity op(s) in projector"
    )
    assert at(d) == (6, 3)
    assert d.hint == "the bound allows at most 1"


def test_unsatisfiable_count_over_all_heads_and_with_less_than():
    text = (
        "space s {\n  head a(x: 8) { z = identity(x) }\n  head b(x: 8) { z = identity(x) }\n"
        "  constraint count(identity) < 2\n}"
    )
    d = the_error(text)
    assert d.message == (
        "unsatisfiable constraint: every architecture has at least 2 identity op(s) in all heads"
    )
    assert d.hint == "the bound allows at most 1"


def test_a_choice_can_satisfy_a_count():
    text = space("h = choose(identity(x), linear(x, 512))", "z = identity(h)")
    text = text.replace("  }\n}", "  }\n  constraint count(identity) <= 1 in projector\n}")
    assert result(text).ok


def test_unsatisfiable_params_upper_bound():
    d = the_error(
        space("z = linear(x, 256)").replace("  }\n}", "  }\n  constraint params <= 100k\n}")
    )
    assert d.message == "unsatisfiable constraint: the smallest architecture has 131,328 parameters"
    assert at(d) == (5, 3)
    assert d.hint == "raise the bound to at least 131,328"


def test_unsatisfiable_params_lower_bound():
    text = space("z = linear(x, width{64, 256}, bias=false)").replace(
        "  }\n}", "  }\n  constraint params(projector) >= 1M\n}"
    )
    d = the_error(text)
    assert d.message == (
        "unsatisfiable constraint: the largest architecture has 131,072 parameters in projector"
    )
    assert d.hint == "lower the bound to at most 131,072"


def test_satisfiable_params_bound():
    text = space("z = linear(x, width{64, 256}, bias=false)").replace(
        "  }\n}", "  }\n  constraint params <= 40k\n  constraint params >= 10k\n}"
    )
    assert result(text).ok  # 32,768 .. 131,072


def test_constraints_that_no_architecture_keeps_together():
    # each alone is kept (width 64: 32,768; width 256: 131,072), both at once by none
    text = space("z = linear(x, width{64, 256}, bias=false)").replace(
        "  }\n}", "  }\n  constraint params <= 40k\n  constraint params >= 100k\n}"
    )
    d = the_error(text)
    assert d.message == (
        "unsatisfiable constraints: each is kept by some architecture, but none keeps them all"
    )
    assert at(d) == (6, 3)
    assert d.hint == "loosen one of the bounds: `params <= 40k`; `params >= 100k`"


def test_unknown_head_in_constraint():
    base = space("z = linear(x, 256)")
    d = the_error(base.replace("  }\n}", "  }\n  constraint count(identity) <= 1 in projetor\n}"))
    assert d.message == "constraint names unknown head 'projetor'"
    assert at(d) == (5, 3)
    assert d.hint == "did you mean 'projector'?"
    d = the_error(base.replace("  }\n}", "  }\n  constraint params(projecter) <= 1M\n}"))
    assert d.message == "constraint names unknown head 'projecter'"


def test_unknown_op_in_constraint():
    d = the_error(space("z = x").replace("  }\n}", "  }\n  constraint count(identiy) <= 1\n}"))
    assert d.message == "unknown op 'identiy' in constraint"
    assert d.hint == "did you mean 'identity'?"


# ---- genotypes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "kind"),
    [
        ("z = linear(x, 256) | act{relu, gelu}", "act"),
        ("z = linear(x, 256) | norm{bn, layernorm}", "norm"),
        ("z = linear(x, width{128, 256})", "width"),
        ("z = choose(identity(x), linear(x, 512))", "op"),
        ("a = linear(x, 512)\n    z = sum(pick 1 of {a, x})", "inputs"),
    ],
)
def test_genotype_with_an_open_choice(expr, kind):
    d = the_error(space(expr, kind="genotype"))
    assert d.message == f"a genotype has every choice closed, but this {kind} choice is open"
    assert "`space`" in d.hint


def test_genotype_with_closed_choices_and_probabilities():
    text = space(
        "a = linear(x, width{512 @0.6}) | norm{bn @0.9} | act{gelu @0.71}",
        "b = choose(identity(a) @0.55)",
        "z = sum(pick 2 of {a, b})",
        kind="genotype",
    )
    assert result(text).ok


def test_genotype_open_through_a_let_set():
    text = (
        "genotype g {\n  let acts = {relu, gelu}\n  head p(x: 8) {\n    z = x | act(acts)\n  }\n}"
    )
    d = the_error(text)
    assert d.message == "a genotype has every choice closed, but this act choice is open"
    assert at(d) == (4, 13)


# ---- all at once -------------------------------------------------------------------------


THREE_ERRORS = """space s {
  head projector(x: 512) {
    h = linear(x, 256) | gelu2
    z = linear(hh, 256) | bn(afine=false)
  }
}
"""


def test_every_error_of_a_file_is_reported_at_once():
    res = result(THREE_ERRORS)
    assert [(at(e), e.message) for e in res.errors] == [
        ((3, 26), "unknown op 'gelu2'"),
        ((4, 16), "undefined name 'hh'"),
        ((4, 30), "'bn' has no option 'afine'"),
    ]


def test_check_or_raise_carries_every_error_in_order_and_the_warnings():
    with pytest.raises(DSLError) as info:
        check_or_raise(parse(THREE_ERRORS), THREE_ERRORS, "three.nas")
    err = info.value
    assert [d.message for d in err.diagnostics] == [
        "unknown op 'gelu2'",
        "undefined name 'hh'",
        "'bn' has no option 'afine'",
    ]
    assert [w.message for w in err.warnings] == ["node 'h' is never used"]
    text = str(err)
    assert text.startswith("three.nas:3:26: error: unknown op 'gelu2'")
    assert text.endswith("3 errors in three.nas")
    assert text.count(": error: ") == 3


def test_errors_are_sorted_by_position_whatever_the_check_order():
    text = (
        space("z = linear(x, 256) | act{}")
        .replace("  }\n}", "  }\n  constraint params(nope) <= 1M\n}")
        .replace("space s {", "space s {\n  let a = {relu, relu}")
    )
    with pytest.raises(DSLError) as info:
        check_or_raise(parse(text))
    lines = [d.pos.line for d in info.value.diagnostics]
    assert lines == sorted(lines) and len(lines) == 3


def test_loads_checks_too():
    with pytest.raises(DSLError):
        loads(THREE_ERRORS)
    doc, res = loads(space("z = linear(x, 256)"))
    assert doc.heads[0].name == "projector" and res.ok


def test_diagnostic_render_with_caret_and_help():
    d = the_error(space("z = linear(x, 256) | gelu2"))
    source = space("z = linear(x, 256) | gelu2")
    assert d.render(source, "s.nas").splitlines() == [
        "s.nas:3:26: error: unknown op 'gelu2'",
        "    3 |     z = linear(x, 256) | gelu2",
        "      |                          ^^^^^",
        "      = help: did you mean 'gelu' or 'elu' or 'relu'?",
    ]


def test_diagnostic_render_without_source():
    d = the_error(space("z = linear(x, 256) | gelu2"))
    assert d.render().splitlines()[0] == "<text>:3:26: error: unknown op 'gelu2'"


# ---- shipped spaces ----------------------------------------------------------------------


@pytest.mark.parametrize("path", sorted((ROOT / "spaces").rglob("*.nas")), ids=lambda p: p.stem)
def test_shipped_spaces_have_no_errors(path: Path):
    doc = parse(path.read_text("utf-8"))
    for dim in (None, 512, 2048):
        res = check(doc, backbone_dim=dim)
        assert res.errors == [], [e.render() for e in res.errors]
