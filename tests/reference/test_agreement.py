"""Every tool that computes a fact about a space agrees with the reference enumerator.

Each generated space (tests/reference/generator.py: blocks calling blocks, `repeat`, depth
choices, `each`, `* N`, labels across repetitions and heads, widths passed to blocks,
constraints) is enumerated by `nasiam_dsl.reference` and then asked of every tool:

- `check` refuses exactly the constraints that no member keeps, and nothing else;
- `nasiam compile` counts the distinct architectures, and its decisions are the reference's;
- every member `sample` draws is a (feasible) member, members are distinct, and asking for
  more than there are is refused;
- `derive` / top-k equal the brute-force ranking by the documented score (a member scores
  its best decision vector: visible options' probabilities times every hidden decision's
  largest), feasible members only, distinct architectures;
- `pin` of every member's visible decisions writes that member and asks for nothing hidden;
- `check --space` (membership) accepts every member, its decisions write it back, and a
  member changed outside the space is refused; `show` aligns the member with the same
  decisions (margins and seed tables read them);
- `fmt` round-trips.
"""

from __future__ import annotations

import math
import random
import re

import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nasiam_dsl.compile.count import count_architectures
from nasiam_dsl.compile.derive import rank_members
from nasiam_dsl.compile.sample import sample_members
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.check import check
from nasiam_dsl.lang.infer import plan_document
from nasiam_dsl.lang.parser import parse
from nasiam_dsl.lang.printer import print_document
from nasiam_dsl.lang.same import architecture_text
from nasiam_dsl.lang.walk import is_open, iter_choices
from nasiam_dsl.membership import member_document, membership
from nasiam_dsl.membership.chosen import align_genotype
from nasiam_dsl.pin import PinError, candidate_texts, pin
from nasiam_dsl.reference import TooManyMembers, architectures, enumerate_members
from nasiam_dsl.usage import UsageProblem
from tests.conftest import examples
from tests.reference.generator import BACKBONE_DIM, spaces

MAX_MEMBERS = 400
SPACES_PER_RUN = examples(500)  # 2,000 with NASIAM_TEST_DEPTH=4
SETTINGS = settings(
    max_examples=SPACES_PER_RUN,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


class Case:
    """One generated space, read by the parser and enumerated by the reference."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.doc = parse(text, "gen.nas")
        unconstrained = self.doc.model_copy(update={"constraints": ()})
        assume(check(unconstrained, backbone_dim=BACKBONE_DIM).ok)
        try:
            self.members = enumerate_members(self.doc, BACKBONE_DIM, limit=MAX_MEMBERS)
        except TooManyMembers:
            assume(False)
        self.archs = architectures(self.members)
        self.feasible = {t: ms for t, ms in self.archs.items() if ms[0].feasible}
        self.lets = {let.name: let for let in self.doc.lets}

    def fail(self, what: str) -> str:
        return f"{what}\n--- space ---\n{self.text}"


@st.composite
def cases(draw: st.DrawFn) -> tuple[Case, random.Random]:
    space = draw(spaces())
    return Case(space.text), random.Random(draw(st.integers(0, 2**32 - 1)))


@SETTINGS
@given(cases())
def test_every_tool_agrees_with_the_reference(case_rng: tuple[Case, random.Random]) -> None:
    case, rng = case_rng
    _check_refuses_exactly_the_unsatisfiable(case)
    if not case.feasible:
        return
    plan = plan_document(case.doc, BACKBONE_DIM)
    _count_and_decisions(case, plan)
    _sample(case, rng)
    _ranking(case, plan, rng)
    for member in rng.sample(case.members, min(6, len(case.members))):
        _pin(case, member)
        _membership(case, member)
    _mutations(case, rng)
    _fmt_round_trip(case)


# ---- the properties -------------------------------------------------------------------------


def _check_refuses_exactly_the_unsatisfiable(case: Case) -> None:
    result = check(case.doc, backbone_dim=BACKBONE_DIM)
    refused = {e.pos.line for e in result.errors if e.pos is not None}
    others = [e for e in result.errors if e.pos is None or "constraint" not in e.message]
    assert not others, case.fail(f"check refuses for another reason: {others[0].message}")
    unsatisfiable = set()
    for c in case.doc.constraints:
        if not any(_keeps(m, c) for m in case.members):
            unsatisfiable.add(c.pos.line)
    if not unsatisfiable and not case.feasible:  # each alone, but not all together
        unsatisfiable.add(case.doc.constraints[-1].pos.line)
    assert refused == unsatisfiable, case.fail(
        f"check refuses the constraints on lines {sorted(refused)}; no member keeps those on "
        f"lines {sorted(unsatisfiable)}"
    )
    assume(result.ok)


def _keeps(member, constraint: ast.Constraint) -> bool:
    from nasiam_dsl.reference.cost import satisfies

    return satisfies(member.costs, constraint)


def _count_and_decisions(case: Case, plan) -> None:
    counted = count_architectures(plan)
    assert counted == len(case.archs), case.fail(
        f"compile counts {counted} architectures, the reference {len(case.archs)}"
    )
    reference_keys = {k for m in case.members for k in m.decisions}
    assert set(plan.choices) == reference_keys, case.fail(
        f"compile's decisions {sorted(plan.choices)} != the reference's {sorted(reference_keys)}"
    )


def _sample(case: Case, rng: random.Random) -> None:
    n = min(len(case.feasible), 4)
    drawn = sample_members(case.doc, n, rng.randrange(1000), backbone_dim=BACKBONE_DIM)
    texts = [architecture_text(m.genotype) for m in drawn]
    for text in texts:
        assert text in case.feasible, case.fail(f"sample drew a non-member or infeasible:\n{text}")
    assert len(set(texts)) == len(texts), case.fail("sample drew one architecture twice")
    if not case.doc.constraints:
        with pytest.raises(UsageProblem):
            sample_members(case.doc, len(case.archs) + 1, 0, backbone_dim=BACKBONE_DIM)


def _probabilities(plan, rng: random.Random) -> dict[str, torch.Tensor]:
    probs = {}
    for key, info in plan.choices.items():
        logits = torch.tensor([rng.gauss(0, 1.5) for _ in range(info.size)], dtype=torch.float64)
        probs[key] = torch.softmax(logits, 0)
    return probs


def _score(decisions: dict, probs: dict[str, torch.Tensor], plan) -> float:
    """The documented score of one decision vector (log): visible options times the best
    option of every hidden decision."""
    total = 0.0
    for key, info in plan.choices.items():
        p = probs[key].tolist()
        if key in decisions:
            total += sum(math.log(p[i]) for i in decisions[key])
        else:
            total += sum(math.log(x) for x in sorted(p, reverse=True)[: info.pick])
    return total


def _ranking(case: Case, plan, rng: random.Random) -> None:
    probs = _probabilities(plan, rng)
    best = {
        text: max(_score(m.decisions, probs, plan) for m in ms)
        for text, ms in case.feasible.items()
    }
    expected = sorted(best.values(), reverse=True)
    k = min(4, len(best))
    ranked = rank_members(case.doc, plan, probs, k)
    texts = [architecture_text(r.genotype) for r in ranked]
    assert len(ranked) == k, case.fail(f"top-{k} gave {len(ranked)}")
    assert len(set(texts)) == k, case.fail("top-k repeats an architecture")
    for i, (r, text) in enumerate(zip(ranked, texts, strict=True)):
        assert text in best, case.fail(f"rank {i + 1} is not a feasible member:\n{text}")
        assert math.isclose(math.log(r.probability), best[text], abs_tol=1e-9), case.fail(
            f"rank {i + 1} scores {math.log(r.probability)}, its best vector {best[text]}"
        )
        assert math.isclose(best[text], expected[i], abs_tol=1e-9), case.fail(
            f"rank {i + 1} scores {best[text]}, the brute-force rank {i + 1} {expected[i]}"
        )


def _pin_values(case: Case, decisions: dict) -> dict[str, str | int]:
    sites = {s.key: s for s in iter_choices(case.doc) if is_open(s.choice, case.lets)}
    values: dict[str, str | int] = {}
    for key, chosen in decisions.items():
        choice = sites[key].choice
        texts = candidate_texts(choice, case.lets)
        if isinstance(choice, ast.Combine):
            values[key] = ", ".join(texts[i] for i in chosen)  # a pick by names, a depth by its own
        else:
            values[key] = chosen[0]
    return values


def _pin(case: Case, member) -> None:
    values = _pin_values(case, member.decisions)
    try:
        pinned = pin(case.doc, values)
    except PinError as err:
        raise AssertionError(case.fail(f"pin {values} refused: {err}")) from None
    assert architecture_text(pinned) == member.text, case.fail(
        f"pin {values} wrote\n{architecture_text(pinned)}\ninstead of\n{member.text}"
    )
    for key in values:  # every visible decision is needed
        rest = {k: v for k, v in values.items() if k != key}
        with pytest.raises(PinError, match=re.escape(key)):
            pin(case.doc, rest)


def _membership(case: Case, member) -> None:
    text = print_document(member.document)
    genotype = parse(text, "member.nas")
    found = membership(genotype, case.doc, backbone_dim=BACKBONE_DIM)
    assert found.ok, case.fail(f"check --space refuses a member:\n{text}\n{found.render()}")
    again = member_document(case.doc, found.decisions)
    assert architecture_text(again) == member.text, case.fail(
        f"the decisions membership found write\n{architecture_text(again)}\nnot\n{member.text}"
    )
    shown = {k: c.indices for k, c in align_genotype(case.doc, genotype).items()}
    aligned = member_document(case.doc, shown)
    assert architecture_text(aligned) == member.text, case.fail(
        f"the decisions show aligns write\n{architecture_text(aligned)}\nnot\n{member.text}"
    )


MUTATIONS = [
    (r"linear\((\w+), \d+", r"linear(\1, 5"),  # a width no space here has
    (r"\| (relu|gelu)\b", "| sigmoid"),  # an activation no set here has
    (r"\bn0\b", "m0"),  # a node renamed
    (r"\| bn\b", "| layernorm"),
    (r"identity\((\w+)\)", r"\1 | maxpool"),
]


def _mutations(case: Case, rng: random.Random) -> None:
    member = rng.choice(case.members)
    text = print_document(member.document)
    for pattern, replacement in MUTATIONS:
        changed = re.sub(pattern, replacement, text, count=1)
        if changed == text:
            continue
        try:
            genotype = parse(changed, "changed.nas")
        except Exception:
            continue
        expected = architecture_text(genotype) in case.archs
        found = membership(genotype, case.doc, backbone_dim=BACKBONE_DIM)
        assert found.ok == expected, case.fail(
            f"check --space {'refuses' if expected else 'accepts'} the changed member\n{changed}"
        )


def _fmt_round_trip(case: Case) -> None:
    printed = print_document(case.doc)
    again = parse(printed, "fmt.nas")
    assert again == case.doc, case.fail("fmt changed the document")
    assert print_document(again) == printed, case.fail("fmt is not idempotent")
