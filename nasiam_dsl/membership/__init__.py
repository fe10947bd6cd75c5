"""Genotypes against their space: membership with every mismatch, and members from decisions.

>>> from nasiam_dsl.lang import parse
>>> space = parse("space s { head p(x: 8) { h = linear(x, 4) | act{relu, gelu} } }")
>>> genotype = parse("genotype g { head p(x: 8) { h = linear(x, 4) | gelu } }")
>>> membership(genotype, space).decisions
{'p.h.act': (1,)}
"""

from nasiam_dsl.membership.check import member_decisions, membership
from nasiam_dsl.membership.result import (
    Decisions,
    Membership,
    MembershipError,
    Mismatch,
    MismatchKind,
    raise_unless_member,
)
from nasiam_dsl.membership.select import member_document, visible_keys

__all__ = [
    "Decisions",
    "Membership",
    "MembershipError",
    "Mismatch",
    "MismatchKind",
    "member_decisions",
    "member_document",
    "membership",
    "raise_unless_member",
    "visible_keys",
]
