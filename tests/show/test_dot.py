"""DOT text of genotypes and spaces (always), and rendering it (when `dot` is installed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from nasiam_dsl.lang import parse
from nasiam_dsl.show import dot as dot_module
from nasiam_dsl.show.dot import document_dot, head_dot, quote, render_dot
from nasiam_dsl.usage import UsageProblem
from tests.show.conftest import FINAL, GENOTYPE, SPACE

HAS_DOT = shutil.which("dot") is not None


def node_line(text: str, node_id: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip().startswith(node_id + " [")]
    assert len(lines) == 1, (node_id, text)
    return lines[0]


def test_genotype_graph_nodes_labels_and_edges() -> None:
    text = document_dot(parse(GENOTYPE))
    assert text.startswith('digraph "tiny_derived" {\n')
    assert text.endswith("}\n")
    assert 'label="genotype tiny_derived for simsiam";' in text
    assert 'subgraph "cluster_projector" {' in text
    assert 'subgraph "cluster_predictor" {' in text
    # the head input, with its source
    assert node_line(text, '"projector/x"').startswith('"projector/x" [label="x: 64\\l"')
    assert node_line(text, '"predictor/z"').startswith(
        '"predictor/z" [label="z: projector\\lwidth 16\\l"'
    )
    # a node: name, output width, pipeline text with its probabilities
    assert node_line(text, '"projector/h1"') == (
        '"projector/h1" [label="h1  [32]\\llinear(x, 32) | bn | act{gelu @0.71}\\l"];'
    )
    assert "choose(identity(h1) @0.6)" in node_line(text, '"projector/h2"')
    assert "h  [16]" in node_line(text, '"predictor/h"')
    # the output of each head has a double border, and only it
    assert node_line(text, '"projector/z"').endswith("peripheries=2];")
    assert text.count("peripheries=2") == 2
    # reads: plain edges; a kept pick input carries its probability
    assert '"projector/x" -> "projector/h1";' in text
    assert '"projector/h1" -> "projector/h2";' in text
    assert '"projector/h2" -> "projector/h3" [label="@0.55"];' in text
    assert '"projector/h3" -> "projector/z";' in text
    assert "style=dashed" not in text  # a genotype has no open choice
    # the predictor reads the projector's output
    assert '"projector/z" -> "predictor/z" [style=bold];' in text
    assert text.count("->") == 7


def test_space_graph_marks_optional_reads() -> None:
    text = document_dot(parse(SPACE))
    assert '"projector/h1" -> "projector/h2" [style=dashed];' in text
    assert '"projector/h1" -> "projector/h3" [style=dashed];' in text
    assert '"projector/h2" -> "projector/h3" [style=dashed];' in text
    assert '"predictor/z" -> "predictor/h";' in text
    # a width choice shows its options; an op choice is one candidate a line
    assert "h  [{8|16}]" in node_line(text, '"predictor/h"')
    h2 = node_line(text, '"projector/h2"')
    assert "choose(\\l  linear(h1, 32) | bn | act(acts),\\l  identity(h1),\\l" in h2


def test_probabilities_annotate_a_space() -> None:
    text = document_dot(parse(SPACE), probabilities=FINAL)
    h1 = node_line(text, '"projector/h1"')
    assert "act: gelu 0.71, relu 0.19, silu 0.10\\l" in h1
    h = node_line(text, '"predictor/h"')
    assert "width: 16 0.80, 8 0.20\\l" in h
    assert "norm: bn 0.90, layernorm 0.10\\l" in h
    assert "shared.hidden: gelu 0.70, relu 0.30\\l" in h


def test_backbone_width() -> None:
    doc = parse(
        "genotype g for simsiam { head projector(x: backbone) { "
        "h = linear(x, backbone) | bn\n z = linear(h, 32) } }"
    )
    assert "h  [backbone]" in document_dot(doc)
    text = document_dot(doc, backbone_dim=512)
    assert "x: backbone\\lwidth 512\\l" in text
    assert "h  [512]" in text
    assert "z  [32]" in text


def test_concat_and_pass_through_widths() -> None:
    doc = parse(
        "genotype g for simsiam { head projector(x: 16) { a = linear(x, 8)\n "
        "b = identity(x)\n c = concat(a, b) | bn\n z = mean(a, a) } }"
    )
    text = document_dot(doc)
    assert "b  [16]" in text
    assert "c  [24]" in text
    assert "z  [8]" in text
    assert text.count('"projector/a" -> "projector/c";') == 1


def test_head_dot_is_one_head() -> None:
    text = head_dot(parse(GENOTYPE), "predictor")
    assert "projector/" not in text
    assert "subgraph" not in text
    assert "z: projector\\lwidth 16\\l" in text  # the width comes from the earlier head
    assert '"predictor/h" -> "predictor/p";' in text


def test_head_dot_unknown_head() -> None:
    with pytest.raises(UsageProblem, match=r"has no head 'nope' \(heads: projector, predictor\)"):
        head_dot(parse(GENOTYPE), "nope")


def test_quoting() -> None:
    assert quote('a"b\\c') == '"a\\"b\\\\c"'
    doc = parse(
        'genotype g for simsiam { meta { note = "x" } head projector(x: 8) { z = linear(x, 8) } }'
    )
    assert document_dot(doc).count('"') % 2 == 0


def test_long_stages_are_wrapped() -> None:
    doc = parse(
        "space s for simsiam { head projector(x: 8) { z = linear(x, 8, bias=false) "
        "| norm{bn, layernorm} | act{relu, gelu, silu, elu, hardswish} } }"
    )
    label = node_line(document_dot(doc), '"projector/z"')
    assert "linear(x, 8, bias=false) | norm{bn, layernorm}\\l  | act{" in label


def test_render_dot_without_graphviz(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(dot_module.shutil, "which", lambda name: None)
    out = tmp_path / "g.png"
    assert render_dot(document_dot(parse(GENOTYPE)), out) is None
    assert not out.exists()


def test_render_dot_refuses_unknown_formats(tmp_path: Path) -> None:
    with pytest.raises(UsageProblem, match=r"cannot render a graph as 'jpg'"):
        render_dot("digraph g {}", tmp_path / "g.jpg")


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz `dot` is not installed")
def test_render_png_and_svg(tmp_path: Path) -> None:
    from PIL import Image

    text = document_dot(parse(SPACE), probabilities=FINAL)
    png = render_dot(text, tmp_path / "space.png")
    assert png == tmp_path / "space.png"
    with Image.open(png) as image:
        assert image.format == "PNG"
        width, height = image.size
        assert width > 200 and height > 400  # two heads, top to bottom
    svg = render_dot(document_dot(parse(GENOTYPE)), tmp_path / "sub" / "g.out", fmt="svg")
    assert svg is not None
    content = svg.read_text()
    assert "<svg" in content and "act{gelu @0.71}" in content


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz `dot` is not installed")
def test_render_reports_dot_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageProblem, match=r"Graphviz `dot` failed"):
        render_dot("digraph {", tmp_path / "bad.png")


def test_the_graph_is_drawn_without_graphviz(tmp_path: Path, monkeypatch) -> None:
    """No `dot` on the machine: `nasiam show` draws the same boxes and edges with matplotlib."""
    from click.testing import CliRunner

    from nasiam_dsl.cli import main
    from nasiam_dsl.show.dot import head_graphs
    from nasiam_dsl.show.graph_figure import draw_graph, graph_size

    graphs = head_graphs(parse(SPACE))
    assert [g.name for g in graphs] == ["projector", "predictor"]
    assert graphs[1].reads_head == "projector" and graphs[0].boxes[-1].kind == "output"
    assert sum(e.optional for e in graphs[0].edges) == 3  # as the DOT text's dashed edges
    path = draw_graph(parse(SPACE), tmp_path / "space.png", dpi=100)
    assert path.read_bytes()[:4] == b"\x89PNG"
    from PIL import Image

    assert Image.open(path).size == graph_size(parse(SPACE))
    monkeypatch.setattr(dot_module.shutil, "which", lambda name: None)
    genotype = tmp_path / "g.nas"
    genotype.write_text(GENOTYPE)
    result = CliRunner().invoke(main, ["show", str(genotype), "--format", "svg"])
    assert result.exit_code == 0, result.output
    assert f"graph: {tmp_path / 'g.svg'}" in result.output.replace("\n", "")
    assert (tmp_path / "g.svg").read_text().startswith("<?xml")
    assert (tmp_path / "g.dot").read_text().startswith('digraph "tiny_derived"')
