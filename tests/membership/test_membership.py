# ruff: noqa: E501  (the catalogue quotes whole messages)
"""Genotypes against spaces: members with their decisions, non-members with every mismatch."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from nasiam_dsl import registry
from nasiam_dsl.lang import ast, check, parse, parse_file, print_document
from nasiam_dsl.lang.walk import candidate_count, is_open, iter_choices
from nasiam_dsl.membership import (
    MembershipError,
    member_document,
    membership,
    raise_unless_member,
    visible_keys,
)

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).parent
SPACES = sorted((ROOT / "spaces").glob("*.nas"))
STANDARD = sorted((ROOT / "spaces" / "standard").glob("*.nas"))


def test_standard_simsiam_is_a_member_of_a_space_that_holds_it():
    genotype = parse_file(ROOT / "spaces/standard/simsiam.nas")
    space = parse_file(HERE / "simsiam_family.nas")
    result = membership(genotype, space)
    assert result.ok, result.render()
    assert result.decisions == {
        "projector.h1.norm": (0,),
        "projector.h1.act": (0,),
        "projector.h2.op": (0,),
        "projector.h2.act": (0,),
        "projector.z.norm": (0,),
        "predictor.h.width": (1,),
        "predictor.h.act": (0,),
    }


def _opened(doc: ast.Document) -> ast.Document:
    """A space around a genotype: every activation and `bn` a choice, every integer width
    one of two."""

    def stage(s: ast.Stage) -> ast.Stage:
        spec = registry.get_op(s.name) if isinstance(s, ast.Call) else None
        if spec is not None and spec.kind == "act":
            items = (
                ast.Term(name="gelu"),
                ast.Term(name=s.name, kwargs=()),
                ast.Term(name="identity"),
            )
            return ast.ActChoice(options=ast.SetLiteral(items=items))
        if isinstance(s, ast.Call) and s.name == "bn" and not s.args:
            items = (ast.Term(name="layernorm"), ast.Term(name="bn"), ast.Term(name="none"))
            return ast.NormChoice(options=ast.SetLiteral(items=items))
        if isinstance(s, ast.Call) and s.args and isinstance(s.args[0], ast.IntLit):
            w = s.args[0].value
            widths = ast.SetLiteral(items=(ast.IntLit(value=w * 2), ast.IntLit(value=w)))
            return s.model_copy(update={"args": (ast.WidthChoice(options=widths), *s.args[1:])})
        return s

    heads = tuple(
        h.model_copy(
            update={
                "nodes": tuple(
                    n.model_copy(
                        update={
                            "expr": n.expr.model_copy(
                                update={"stages": tuple(stage(s) for s in n.expr.stages)}
                            )
                        }
                    )
                    for n in h.nodes
                )
            }
        )
        for h in doc.heads
    )
    return doc.model_copy(update={"kind": "space", "heads": heads})


@pytest.mark.parametrize("path", STANDARD, ids=lambda p: p.stem)
def test_every_standard_genotype_is_a_member_of_a_space_around_it(path):
    genotype = parse_file(path)
    space = _opened(genotype)
    assert check(space).ok
    assert any(True for _ in iter_choices(space))
    result = membership(genotype, space)
    assert result.ok, result.render()
    assert (
        print_document(member_document(space, result.decisions)).split("\n")[5:]
        == (print_document(member_document(genotype, {})).split("\n")[5:])
    )


def _random_decisions(space: ast.Document, rng: random.Random) -> dict[str, tuple[int, ...]]:
    lets = {let.name: let for let in space.lets}
    decisions: dict[str, tuple[int, ...]] = {}
    for site in iter_choices(space):
        if site.key in decisions or not is_open(site.choice, lets):
            continue
        n = candidate_count(site.choice, lets)
        pick = site.choice.pick if isinstance(site.choice, ast.Combine) else None
        decisions[site.key] = (
            tuple(sorted(rng.sample(range(n), pick))) if pick else (rng.randrange(n),)
        )
    return decisions


def _candidate_text(space: ast.Document, key: str, index: int) -> str:
    from nasiam_dsl.pin import candidate_texts

    lets = {let.name: let for let in space.lets}
    site = next(s for s in iter_choices(space) if s.key == key)
    return candidate_texts(site.choice, lets)[index]


@pytest.mark.parametrize("path", SPACES, ids=lambda p: p.stem)
def test_derived_genotypes_are_members_with_their_decisions(path):
    from nasiam_dsl.compile.derive import genotype_document

    space = parse_file(path)
    rng = random.Random(7)
    for _ in range(8):
        decisions = _random_decisions(space, rng)
        probs = {k: [0.5] * 64 for k in decisions}
        genotype = parse(print_document(genotype_document(space, decisions, probs)))
        result = membership(genotype, space, space_file=path)
        assert result.ok, result.render()
        for key in visible_keys(space, decisions):
            got, want = result.decisions[key], decisions[key]
            # equal candidates (the seed space has them) are one member: the first is taken
            assert got == want or _candidate_text(space, key, got[0]) == _candidate_text(
                space, key, want[0]
            )


SPACE = """\
space cat for simsiam {
  let acts = {relu, gelu}
  head projector(x: backbone) {
    h1 = linear(x, width{256, 512} as hidden, bias=false) | bn | act(acts) as a
    h2 = choose(linear(h1, 512) | bn, identity(h1), avgpool(h1) | bn)
    h3 = sum(pick 1 of {h1, h2})
    z = linear(h3, 128) | norm{bn, none} | act(acts) as a
  }
  head predictor(z: projector) {
    p = linear(z, width{256, 512} as hidden)
  }
}
"""

MEMBER = """\
genotype g {
  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | bn | gelu
    h2 = identity(h1)
    h3 = sum(pick 1 of {h2})
    z = linear(h3, 128) | gelu
  }
  head predictor(z: projector) {
    p = linear(z, 512)
  }
}
"""

LABEL_HINT = "choices with one label make one decision: use the same candidate everywhere"

NON_MEMBERS = {
    "missing head": (
        ("  head predictor(z: projector) {\n    p = linear(z, 512)\n  }\n", ""),
        [
            (
                "missing_head",
                "the genotype has no head 'predictor', which the space has at cat.nas:9:3",
                None,
            )
        ],
    ),
    "extra head": (
        ("  head predictor(", "  head probe(v: 8) { y = linear(v, 4) }\n  head predictor("),
        [("extra_head", "the genotype's head 'probe' is not a head of the space", None)],
    ),
    "width": (
        ("p = linear(z, 512)", "p = linear(z, 1024)"),
        [
            (
                "width",
                "the genotype's width 1024 is not in the space's set {256, 512} at cat.nas:10:19",
                "use one of 256, 512",
            )
        ],
    ),
    "act": (
        ("| bn | gelu", "| bn | silu"),
        [
            (
                "act",
                "the genotype's activation `silu` is not in the space's set {relu, gelu} at cat.nas:4:66",
                "the set is {relu, gelu}",
            )
        ],
    ),
    "norm": (
        ("linear(h3, 128) | gelu", "linear(h3, 128) | layernorm | gelu"),
        [
            (
                "norm",
                "the genotype's norm `layernorm` is not in the space's set {bn, none} at cat.nas:7:27",
                "the set is {bn, none}",
            )
        ],
    ),
    "candidate": (
        ("h2 = identity(h1)", "h2 = linear(h1, 1024) | bn"),
        [
            (
                "not_a_candidate",
                "the genotype's node 'h2' uses `linear(h1, 1024) | bn`, which is not a candidate of the space's choice at cat.nas:5:10",
                "candidates: `linear(h1, 512) | bn`; `identity(h1)`; `avgpool(h1) | bn`; did you mean `linear(h1, 512) | bn`?",
            )
        ],
    ),
    "pick": (
        ("sum(pick 1 of {h2})", "sum(h1, h2)"),
        [
            (
                "inputs",
                "the genotype combines {h1, h2}, which is not a pick of 1 of the space's {h1, h2} at cat.nas:6:10",
                "pick exactly 1 of {h1, h2}",
            )
        ],
    ),
    "closed value": (
        ("linear(h3, 128)", "linear(h3, 256)"),
        [
            (
                "value",
                "the genotype's `linear(256)` differs from the space's `linear(128)` at cat.nas:7:9",
                None,
            )
        ],
    ),
    "label": (
        ("linear(h3, 128) | gelu", "linear(h3, 128) | relu"),
        [
            (
                "label",
                "the shared decision 'shared.a' takes `relu` here but `gelu` at the genotype's 3:44",
                LABEL_HINT,
            )
        ],
    ),
    "label across heads": (
        ("p = linear(z, 512)", "p = linear(z, 256)"),
        [
            (
                "label",
                "the shared decision 'shared.hidden' takes `256` here but `512` at the genotype's 3:10",
                LABEL_HINT,
            )
        ],
    ),
    "missing node": (
        ("    h3 = sum(pick 1 of {h2})\n", ""),
        [
            (
                "missing_node",
                "the genotype's head 'projector' has no node 'h3', which the space has at cat.nas:6:5",
                None,
            )
        ],
    ),
    "input": (
        ("linear(x, 512, bias=false)", "linear(h1, 512, bias=false)"),
        [("value", "the genotype reads `h1` where the space reads `x` at cat.nas:4:17", None)],
    ),
    "structure": (
        ("p = linear(z, 512)", "p = linear(z, 512) | relu"),
        [
            (
                "structure",
                "the genotype's node 'predictor.p' is `linear(z, 512) | relu`, which is not the space's `linear(z, width{256, 512} as hidden)` at cat.nas:10:9",
                "a member has the space's ops in the space's order; only choices can differ",
            )
        ],
    ),
    "head input": (
        ("predictor(z: projector)", "predictor(z: 2048)"),
        [
            (
                "head_input",
                "the genotype's head 'predictor' reads `2048` where the space's reads `projector` at cat.nas:9:3",
                None,
            )
        ],
    ),
    "open choice": (
        ("h2 = identity(h1)", "h2 = choose(identity(h1), avgpool(h1) | bn)"),
        [("open_choice", "the genotype leaves this op choice open", "keep one candidate")],
    ),
}


def test_the_catalogue_member_is_a_member():
    result = membership(parse(MEMBER), parse(SPACE))
    assert result.ok
    assert result.decisions == {
        "shared.hidden": (1,),
        "shared.a": (1,),
        "projector.h2.op": (1,),
        "projector.h3.inputs": (1,),
        "projector.z.norm": (1,),
    }


@pytest.mark.parametrize("name", NON_MEMBERS)
def test_non_members_say_what_differs(name):
    (old, new), expected = NON_MEMBERS[name]
    assert old in MEMBER
    result = membership(parse(MEMBER.replace(old, new)), parse(SPACE), space_file="cat.nas")
    assert not result.ok
    assert [(m.kind, m.message, m.hint) for m in result.mismatches] == expected


def test_every_mismatch_is_reported_at_once():
    text = MEMBER.replace("| bn | gelu", "| bn | silu").replace(
        "p = linear(z, 512)", "p = linear(z, 64)"
    )
    result = membership(parse(text), parse(SPACE), space_file="cat.nas")
    assert [m.kind for m in result.mismatches] == ["act", "width"]


def test_mismatches_render_both_files_with_carets():
    text = MEMBER.replace("h2 = identity(h1)", "h2 = linear(h1, 1024) | bn")
    result = membership(parse(text), parse(SPACE), space_file="cat.nas")
    with pytest.raises(MembershipError) as caught:
        raise_unless_member(result, text, "g.nas", SPACE, "cat.nas")
    assert str(caught.value) == (
        "g.nas:4:10: error: the genotype's node 'h2' uses `linear(h1, 1024) | bn`, which is not "
        "a candidate of the space's choice at cat.nas:5:10\n"
        "    4 |     h2 = linear(h1, 1024) | bn\n"
        "      |          ^^^^^^^^^^^^^^^^^^^^^\n"
        "      = help: candidates: `linear(h1, 512) | bn`; `identity(h1)`; `avgpool(h1) | bn`; "
        "did you mean `linear(h1, 512) | bn`?\n"
        "cat.nas:5:10: note: the space's side\n"
        "    5 |     h2 = choose(linear(h1, 512) | bn, identity(h1), avgpool(h1) | bn)\n"
        "      |          " + "^" * 60
    )


def test_derived_forms_and_probabilities_are_accepted():
    text = (
        MEMBER.replace("h2 = identity(h1)", "h2 = choose(identity(h1) @0.61)")
        .replace("| bn | gelu", "| bn | act{gelu @0.7}")
        .replace("linear(h3, 128) | gelu", "linear(h3, 128) | norm{none @0.5} | act{gelu @0.7}")
    )
    assert (
        membership(parse(text), parse(SPACE)).decisions
        == membership(parse(MEMBER), parse(SPACE)).decisions
    )


def test_a_2048_wide_space_checks_in_milliseconds():
    space = parse_file(ROOT / "spaces/nasiam.nas")
    genotype = member_document(space, _random_decisions(space, random.Random(0)))
    assert membership(genotype, space, backbone_dim=2048).ok
    start = time.perf_counter()
    for _ in range(10):
        membership(genotype, space, backbone_dim=2048)
    per_check = (time.perf_counter() - start) / 10
    assert per_check < 0.05, per_check
