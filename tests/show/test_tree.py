"""The genotype (or space) as a rich tree."""

from __future__ import annotations

from rich.console import Console
from rich.tree import Tree

from nasiam_dsl.lang import parse
from nasiam_dsl.search.genotype_margins import genotype_with_margins
from nasiam_dsl.show.tree import document_tree
from tests.show.conftest import FINAL, GENOTYPE, SPACE


def render(tree: Tree) -> list[str]:
    console = Console(width=200, record=True, color_system=None)
    console.print(tree)
    return [line.rstrip() for line in console.export_text().splitlines()]


def test_genotype_tree() -> None:
    lines = render(document_tree(parse(GENOTYPE)))
    assert lines[0] == "genotype tiny_derived for simsiam"
    assert lines[1:3] == ["├── meta", "│   └── seed = 0"]
    assert lines[3] == "├── head projector(x: 64)"
    assert lines[4] == "│   ├── h1 = linear(x, 32) | bn | act{gelu @0.71}"
    assert lines[5] == "│   │   └── act: gelu 0.71"
    assert "│   ├── h2 = choose(identity(h1) @0.6)" in lines
    assert "│   │   └── op: identity(h1) 0.60" in lines
    assert "│   │   └── inputs: h2 0.55" in lines
    assert "│   └── z = linear(h3, 16) | bn(affine=false)  (output)" in lines
    assert "└── head predictor(z: projector)" in lines
    h = lines.index(
        "    ├── h = linear(z, width{16 @0.8}) | norm{bn @0.9} | act{gelu @0.7} as hidden"
    )
    assert lines[h + 1 : h + 4] == [
        "    │   ├── width: 16 0.80",
        "    │   ├── norm: bn 0.90",
        "    │   └── shared.hidden: gelu 0.70",
    ]
    assert lines[-1] == "    └── p = linear(h, 16)  (output)"


def test_space_tree_lists_candidates() -> None:
    lines = render(document_tree(parse(SPACE)))
    assert lines[0] == "space tiny for simsiam"
    assert "│   │   └── act: relu, gelu, silu" in lines
    op = "│   │   ├── op: linear(h1, 32) | bn | act(acts), identity(h1), avgpool(h1) | bn"
    assert op in lines
    assert "│   │   └── inputs: h1, h2" in lines


def test_space_tree_with_probabilities_best_first() -> None:
    lines = render(document_tree(parse(SPACE), probabilities=FINAL))
    assert "│   │   └── act: gelu 0.71, relu 0.19, silu 0.10" in lines
    assert (
        "│   │   ├── op: identity(h1) 0.60, linear(h1, 32) | bn | act(acts) 0.30, "
        "avgpool(h1) | bn 0.10" in lines
    )
    assert "    │   └── shared.hidden: gelu 0.70, relu 0.30" in lines


def test_probabilities_are_not_coloured_as_findings() -> None:
    """A probability alone says nothing of a decision: only a margin verdict is coloured."""
    tree = document_tree(parse(GENOTYPE))
    act = tree.children[1].children[0].children[0].label
    assert act.plain == "act: gelu 0.71"  # type: ignore[union-attr]
    assert all(span.style != "green" for span in act.spans)  # type: ignore[union-attr]


def test_a_genotype_with_margins_says_each_verdict() -> None:
    space = parse(SPACE)
    final = {**FINAL, "projector.h3.inputs": [0.48, 0.52]}
    genotype = genotype_with_margins(space, parse(GENOTYPE), final)
    tree = document_tree(genotype)
    meta = [child.label.plain for child in tree.children[0].children]  # type: ignore[union-attr]
    assert "decided = 5" in meta and "undecided = 1" in meta
    assert not any(line.startswith("margin_") for line in meta)
    h1_act = tree.children[1].children[0].children[0].label
    assert h1_act.plain == "act: gelu 0.71  decided: 3.73x the runner-up relu 0.190"  # type: ignore[union-attr]
    assert h1_act.spans[-1].style == "green"  # type: ignore[union-attr]
    h3 = tree.children[1].children[2].children[0].label
    assert h3.plain == "inputs: h2 0.55  undecided: 1.08x the runner-up h1 0.480"  # type: ignore[union-attr]
