"""Shipped spaces and standard genotypes are named the same way in every command."""

from __future__ import annotations

from click.testing import CliRunner

from nasiam_dsl.cli import main


def test_sample_takes_a_shipped_space_by_name():
    result = CliRunner().invoke(main, ["sample", "demo", "-n", "1", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "genotype demo_sample01" in result.output


def test_compare_takes_shipped_names_for_space_and_candidates(tmp_path):
    args = [
        "compare",
        "standard/simsiam",
        "--random",
        "2",
        "--space",
        "demo",
        "--seeds",
        "0",
        "--epochs",
        "1",
        "--out",
        str(tmp_path / "cmp"),
        "--list-cells",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    cells = [line.split("\t")[1] for line in result.output.splitlines() if "\t" in line]
    assert cells[:3] == ["simsiam", "random-01", "random-02"]


def test_compile_takes_a_shipped_space_by_name():
    result = CliRunner().invoke(main, ["compile", "nasiam_moco", "--backbone-dim", "128"])
    assert result.exit_code == 0, result.output
    assert "space nasiam_moco for mocov2" in result.output
