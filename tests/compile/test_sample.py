"""Uniform members of a space: reproducible, uniform per visible decision, distinct,
constraint-respecting by rejection, and clear when they cannot be found."""

from __future__ import annotations

from collections import Counter

import pytest
from click.testing import CliRunner

from nasiam_dsl.api import load
from nasiam_dsl.cli import main
from nasiam_dsl.compile.sample import sample_members, violated_constraints
from nasiam_dsl.lang import print_document
from nasiam_dsl.lang.infer import plan_document
from nasiam_dsl.usage import UsageProblem

SPACE = """\
space s for simsiam {
  head projector(x: backbone) {
    h = choose(linear(x, backbone) | act{relu, silu, gelu, elu}, identity(x))
    z = linear(h, width{8, 16})
  }
}
"""

TWO_SKIPS = """\
space skips {
  head projector(x: 8) {
    a = choose(linear(x, 8) | relu, identity(x))
    b = choose(linear(a, 8) | relu, identity(a))
    z = linear(b, 8) | act{relu, silu}
  }
  constraint count(identity) <= 1 per head
}
"""

# chi-square critical values at p = 0.001 (a false alarm once in a thousand runs)
CHI2_999 = {1: 10.83, 3: 16.27}


def chi_square(counts: Counter, categories: list, total: int) -> float:
    expected = total / len(categories)
    return sum((counts[c] - expected) ** 2 / expected for c in categories)


def test_same_seed_same_members_other_seed_other_members() -> None:
    doc = load(SPACE)
    texts = [print_document(m.genotype) for m in sample_members(doc, 3, seed=5, backbone_dim=16)]
    again = [print_document(m.genotype) for m in sample_members(doc, 3, seed=5, backbone_dim=16)]
    other = [print_document(m.genotype) for m in sample_members(doc, 3, seed=6, backbone_dim=16)]
    assert texts == again
    assert texts != other
    assert len(set(texts)) == 3


def test_members_are_valid_genotypes_with_their_provenance() -> None:
    member = sample_members(load(SPACE), 1, seed=2, backbone_dim=16)[0]
    text = print_document(member.genotype)
    doc = load(text)
    assert doc.kind == "genotype" and doc.name == "s_sample01"
    meta = {e.key: e.value for e in doc.meta.entries}
    assert (meta["sampled_from"], meta["seed"], meta["index"]) == ("s", 2, 1)
    assert "@" not in text  # no search probabilities: nothing was searched


def test_each_visible_decision_is_uniform() -> None:
    """The op choice is a fair coin even though one candidate holds 4 activations (uniform
    per decision, not per architecture); the hidden activation is uniform when visible."""
    doc = load(SPACE)
    draws = 600
    ops, acts, widths = Counter(), Counter(), Counter()
    for seed in range(draws):
        d = sample_members(doc, 1, seed, backbone_dim=16)[0].decisions
        ops[d["projector.h.op"]] += 1
        widths[d["projector.z.width"]] += 1
        if d["projector.h.op"] == (0,):
            acts[d["projector.h.act"]] += 1
    assert chi_square(ops, [(0,), (1,)], draws) < CHI2_999[1]
    assert chi_square(widths, [(0,), (1,)], draws) < CHI2_999[1]
    n_act = sum(acts.values())
    assert chi_square(acts, [(i,) for i in range(4)], n_act) < CHI2_999[3]


def test_constraints_hold_for_every_member() -> None:
    doc = load(TWO_SKIPS)
    plan = plan_document(doc, 8)
    members = sample_members(doc, 6, seed=0)  # 3 skip patterns allowed x 2 activations
    assert all(not violated_constraints(doc, plan, m.decisions) for m in members)
    skips = [print_document(m.genotype).count("identity(") for m in members]
    assert max(skips) == 1


def test_fewer_architectures_than_asked_is_a_clear_error() -> None:
    with pytest.raises(UsageProblem, match=r"has only 10 architecture\(s\), fewer than the 11"):
        sample_members(load(SPACE), 11, seed=0, backbone_dim=16)


def test_giving_up_names_the_constraint_that_rejects() -> None:
    # 8 architectures, 6 feasible: asking for 7 can only fail, after a bounded number of draws
    with pytest.raises(UsageProblem) as caught:
        sample_members(load(TWO_SKIPS), 7, seed=0, max_tries=300)
    message = str(caught.value)
    assert "found only 6 of 7 distinct members" in message
    assert "`count(identity) <= 1 per head` rejected" in message


def test_cli_prints_or_writes_members(tmp_path) -> None:
    space = tmp_path / "s.nas"
    space.write_text(SPACE)
    runner = CliRunner()
    printed = runner.invoke(main, ["sample", str(space), "-n", "2", "--backbone-dim", "16"])
    assert printed.exit_code == 0, printed.output
    assert printed.output.count("genotype s_sample") == 2
    out = tmp_path / "members"
    written = runner.invoke(main, ["sample", str(space), "-n", "2", "--out", str(out)])
    assert written.exit_code == 0, written.output
    assert sorted(p.name for p in out.iterdir()) == ["sample-01.nas", "sample-02.nas"]
    assert print_document(load(out / "sample-01.nas")) in printed.output


def test_cli_errors_exit_2_without_traceback(tmp_path) -> None:
    space = tmp_path / "s.nas"
    space.write_text(SPACE)
    result = CliRunner().invoke(main, ["sample", str(space), "-n", "99"])
    assert result.exit_code == 2
    assert "has only 10 architecture(s)" in result.output and "Traceback" not in result.output
    genotype = tmp_path / "g.nas"
    genotype.write_text("genotype g { head h(x: 8) { y = linear(x, 4) } }")
    result = CliRunner().invoke(main, ["sample", str(genotype)])
    assert result.exit_code == 2 and "sampling needs a space" in result.output
