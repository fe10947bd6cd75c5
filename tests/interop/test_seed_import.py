"""Coming from NASiam: the seed's genotype text read safely and imported as a member."""

from __future__ import annotations

from pathlib import Path

import pytest

from nasiam_dsl.interop import import_seed_genotype, parse_seed_genotype
from nasiam_dsl.lang import DSLError, check, parse, parse_file, print_document
from nasiam_dsl.membership import membership

ROOT = Path(__file__).resolve().parents[2]

SIMSIAM = (
    "Genotype(encoder=[['linear_relu'], ['linear_relu'], ['identity'], ['linear_elu'], "
    "['avgpool_3x3'], ['linear_silu']], predictor=[['linear_relu'], ['linear_hardswish'], "
    "['maxpool_3x3'], ['linear_relu']])"
)
MOCO = "Genotype(encoder=[['linear_relu'], ['maxpool_3x3'], [\"identity\"], ['linear_hardswish']])"
SIMCLR = (
    "Genotype(predictor=[['avgpool_3x3'], ['linear_hardswish'], ['identity'], "
    "['linear_silu'], ['maxpool_3x3'], ['identity']])"
)


def _imported(text: str, space_file: str):
    space = parse_file(ROOT / "spaces" / space_file)
    genotype = parse(print_document(import_seed_genotype(text, space)))
    assert check(genotype).ok
    result = membership(genotype, space)
    assert result.ok, result.render()
    return genotype, result.decisions


def test_simsiam_fields_and_the_expanding_layer():
    genotype, decisions = _imported(SIMSIAM, "nasiam.nas")
    assert [decisions[f"projector.h{i}.op"] for i in range(1, 7)] == [
        (3,),
        (3,),
        (2,),
        (6,),
        (1,),
        (4,),
    ]
    text = print_document(genotype)
    assert "h3 = identity(h2)" in text
    assert "h5 = avgpool(h4) | bn" in text
    # contracting: linear_relu is linear | bn | relu; expanding: every linear op is linear(h3, dim)
    assert "h1 = linear(z, pred, bias=false) | bn | relu" in text
    assert "h3 = maxpool(h2) | bn" in text
    assert "h4 = linear(h3, dim)\n" in text


def test_moco_encoder_is_the_projector():
    _, decisions = _imported(MOCO, "nasiam_moco.nas")
    assert decisions == {
        "projector.h1.op": (3,),
        "projector.h2.op": (0,),
        "projector.h3.op": (2,),
        "projector.h4.op": (5,),
    }


def test_simclr_predictor_is_the_projector_mapped_by_structure():
    genotype, decisions = _imported(SIMCLR, "nasiam_simclr.nas")
    text = print_document(genotype)
    # the seed's SimCLR copy orders its activations relu, hardswish, silu, elu: names decide
    assert "h2 = linear(h1, hidden, bias=false) | bn | hardswish" in text
    assert "h4 = linear(h3, hidden, bias=false) | bn | silu" in text
    # at a contracting layer a pool follows linear | bn | relu, and identity is linear_relu
    assert "h1 = linear(x, hidden, bias=false) | bn | relu | avgpool | bn" in text
    assert "h6 = linear(h5, dim, bias=false) | bn | relu\n" in text
    assert decisions["projector.h2.op"] == (5,)


def test_the_seed_text_is_kept_in_meta():
    space = parse_file(ROOT / "spaces/nasiam_moco.nas")
    genotype = import_seed_genotype(MOCO, space)
    assert genotype.meta is not None
    assert genotype.meta.get("imported_from") == "NASiam"
    assert genotype.meta.get("seed_genotype") == MOCO


MALFORMED = {
    "unbalanced": (
        "Genotype(encoder=[['linear_relu']]",
        "<nasiam genotype>:1:35: error: expected ',' or ')' after a field, found the end of "
        "the text",
    ),
    "too many closing": (
        "Genotype(encoder=[['linear_relu']]))",
        "<nasiam genotype>:1:36: error: expected the end of the text, found ')'",
    ),
    "a call": (
        "Genotype(encoder=[[op()]])",
        "<nasiam genotype>:1:20: error: expected a quoted op name such as 'linear_relu', "
        "found a name",
    ),
    "attribute access": (
        "os.system('rm')",
        "<nasiam genotype>:1:3: error: expected '(' after the genotype's name, found '.'",
    ),
    "a number": (
        "Genotype(encoder=[[1]])",
        "<nasiam genotype>:1:20: error: expected a quoted op name such as 'linear_relu', "
        "found a number",
    ),
    "a bare list": (
        "[['linear_relu']]",
        "<nasiam genotype>:1:1: error: expected 'Genotype(', found '['",
    ),
}


@pytest.mark.parametrize("name", MALFORMED)
def test_malformed_text_is_a_located_error(name):
    text, first_line = MALFORMED[name]
    with pytest.raises(DSLError) as caught:
        parse_seed_genotype(text)
    assert str(caught.value).split("\n")[0] == first_line


def test_no_code_runs():
    with pytest.raises(DSLError):
        parse_seed_genotype("__import__('os').system('echo hacked')")


REFUSED = {
    "edge mode": (
        "Genotype(encoder=[['linear_relu', 'identity'], ['identity'], ['identity'], ['identity']])",
        "layer 1 of 'encoder' holds 2 ops: an 'edge' genotype (two ops a layer) has no member;"
        " only 'sparse' genotypes (one op a layer) can be imported",
    ),
    "unknown op": (
        "Genotype(encoder=[['linear_relux'], ['identity'], ['identity'], ['identity']])",
        "unknown NASiam op 'linear_relux'",
    ),
    "unknown field": (
        "Genotype(encodr=[['identity'], ['identity'], ['identity'], ['identity']])",
        "unknown field 'encodr' for a mocov2 space",
    ),
    "layer count": (
        "Genotype(encoder=[['identity'], ['identity']])",
        "field 'encoder' has 2 layers, but the space's head 'projector' has 4 searched "
        "layers (h1, h2, h3, h4)",
    ),
}


@pytest.mark.parametrize("name", REFUSED)
def test_refused_genotypes_name_what_is_wrong(name):
    text, message = REFUSED[name]
    space = parse_file(ROOT / "spaces/nasiam_moco.nas")
    with pytest.raises(DSLError) as caught:
        import_seed_genotype(text, space)
    assert caught.value.first.message == message


def test_hints_suggest_the_closest_names():
    space = parse_file(ROOT / "spaces/nasiam_moco.nas")
    with pytest.raises(DSLError) as caught:
        import_seed_genotype(REFUSED["unknown op"][0], space)
    assert caught.value.first.hint == "did you mean 'linear_relu' or 'linear_elu' or 'linear_silu'?"
    with pytest.raises(DSLError) as caught:
        import_seed_genotype(REFUSED["unknown field"][0], space)
    assert caught.value.first.hint == "did you mean 'encoder'?"
