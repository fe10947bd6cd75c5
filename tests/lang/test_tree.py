"""The generic walk: every node, the nodes of a type, a rebuild, a copy without probabilities."""

from __future__ import annotations

from nasiam_dsl.lang import ast, parse, print_document
from nasiam_dsl.lang.tree import descendants, find_all, rebuild, strip_probs
from nasiam_dsl.lang.walk import iter_choices
from tests.show.conftest import GENOTYPE, SPACE


def test_find_all_meets_every_choice_the_choice_walk_meets() -> None:
    doc = parse(SPACE)
    choices = (ast.Choose, ast.Combine, ast.ActChoice, ast.NormChoice, ast.WidthChoice)
    found = [n for n in find_all(doc.heads, *choices) if not isinstance(n, ast.Combine) or n.pick]
    assert sorted(n.key for n in found) == sorted(s.key for s in iter_choices(doc))
    assert all(isinstance(n, ast.Node) for n in descendants(doc))
    assert next(descendants(doc)) is doc  # pre-order: the node itself first


def test_rebuild_is_bottom_up_and_keeps_what_it_does_not_change() -> None:
    doc = parse(SPACE)
    assert rebuild(doc, lambda n: n) is doc
    renamed = rebuild(
        doc,
        lambda n: (
            n.model_copy(update={"name": "x9"}) if isinstance(n, ast.Ref) and n.name == "h1" else n
        ),
    )
    assert "h1" not in {r.name for r in find_all(renamed.heads, ast.Ref)}


def test_strip_probs_removes_every_annotation() -> None:
    doc = parse(GENOTYPE)
    bare = strip_probs(doc)
    assert "@" in print_document(doc)
    assert "@" not in print_document(bare)
    assert strip_probs(bare) == bare
