"""The `nasiam compile` report: JSON and a rich tree per head."""

from __future__ import annotations

import json

from rich.console import Console

from nasiam_dsl.compile import CompileReport, build_report, render_report
from nasiam_dsl.lang.parser import parse, parse_file

from .conftest import BACKBONE, DAG, SPACES


def test_report_of_the_seed_space() -> None:
    report = build_report(parse_file(SPACES / "nasiam.nas"), 512)
    assert report.kind == "space" and report.framework == "simsiam"
    # 7 distinct per layer, but 6 in the contracting layer (`lbr` is `lbn | relu`) and 3 in
    # the expanding one (five equal linears)
    assert report.decisions == 10 and report.architectures == 7**8 * 6 * 3
    projector = report.heads[0]
    assert [n.name for n in projector.nodes] == ["h1", "h2", "h3", "h4", "h5", "h6", "z"]
    assert projector.nodes[0].choices[0].key == "projector.h1.op"
    assert projector.nodes[0].choices[0].candidates == 7
    assert report.heads[1].params == 16_821_248
    data = json.loads(report.to_json())
    assert data["architectures"] == 7**8 * 6 * 3
    assert CompileReport.model_validate_json(report.to_json()) == report


def test_huge_counts_are_strings_in_json_and_render() -> None:
    nodes = "\n".join(f"h{i} = linear(h{i - 1}, 8) | act{{relu, gelu, silu}}" for i in range(1, 40))
    report = build_report(parse(f"space big {{ head p(h0: backbone) {{ {nodes} }} }}"), 8)
    assert report.architectures == 3**39
    assert json.loads(report.to_json())["architectures"] == str(3**39)
    assert CompileReport.model_validate_json(report.to_json()).architectures == 3**39
    console = Console(record=True, width=120)
    render_report(report, console)
    assert "19 digits" in console.export_text()


def test_render_shows_heads_nodes_and_choices() -> None:
    report = build_report(parse(DAG), BACKBONE)
    console = Console(record=True, width=140)
    render_report(report, console)
    text = console.export_text()
    assert "head projector(x: backbone)" in text and "head predictor(z: projector)" in text
    assert "shared.hidden_act: act, 3 candidates as hidden_act" in text
    assert "projector.h4.inputs: inputs, pick 2 of 3 candidates" in text
    assert f"{report.architectures:,} architectures" in text
