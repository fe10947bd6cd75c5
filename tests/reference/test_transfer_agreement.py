"""Export's weight transfer and `check --space` accept exactly the same members: the
reference's. On generated spaces with depth choices (and blocks, copies, labels), every
enumerated member compiles to fixed heads that take the supernet's weights on its path and
compute what the supernet computes with one-hot weights there; a member changed outside the
space is refused by both."""

from __future__ import annotations

import re

import torch
from hypothesis import HealthCheck, assume, given, settings

from nasiam_dsl.compile import compile_genotype, compile_space, load_chosen_weights, match_genotype
from nasiam_dsl.lang import parse
from nasiam_dsl.lang.check import check
from nasiam_dsl.lang.printer import print_document
from nasiam_dsl.membership import membership
from nasiam_dsl.reference import TooManyMembers, enumerate_members
from tests.reference.generator import BACKBONE_DIM, spaces


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
@given(spaces())
def test_transfer_and_membership_take_the_enumerated_members(space) -> None:
    assume("repeat {" in space.text)
    doc = parse(space.text).model_copy(update={"constraints": ()})
    assume(check(doc, backbone_dim=BACKBONE_DIM).ok)
    try:
        members = enumerate_members(doc, BACKBONE_DIM, limit=60)
    except TooManyMembers:
        assume(False)
    torch.manual_seed(0)
    supernet = compile_space(doc, BACKBONE_DIM, seed=0).eval()
    features = torch.randn(4, BACKBONE_DIM)
    for member in members[:: max(1, len(members) // 8)]:
        genotype = parse(print_document(member.document))
        assert membership(genotype, doc, backbone_dim=BACKBONE_DIM).ok
        decisions = match_genotype(supernet, genotype)
        fixed = compile_genotype(genotype, BACKBONE_DIM).eval()
        load_chosen_weights(fixed, supernet, decisions)
        with torch.no_grad(), supernet.arch.pinned(decisions):
            expected = supernet(features)
            got = fixed(features)
        for head in expected:  # a narrower chosen width: the supernet's leading features
            width = got[head].shape[-1]
            torch.testing.assert_close(got[head], expected[head][..., :width], msg=space.text)
        changed = re.sub(r"linear\((\w+), \d+", r"linear(\1, 5", print_document(genotype), count=1)
        if changed != print_document(genotype):
            other = parse(changed)
            assert not membership(other, doc, backbone_dim=BACKBONE_DIM).ok
            try:
                match_genotype(supernet, other)
            except ValueError:
                pass
            else:
                raise AssertionError(f"transfer took a non-member:\n{changed}\n{space.text}")
