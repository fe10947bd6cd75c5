"""What a space means, written apart from the tools: every member of a small space, enumerated.

This package is the executable definition of the language's meaning, kept independent of
the rooms that compute facts about spaces (expansion, the choice walk, plans, counting,
sampling, ranking, membership, pinning, export): it imports none of them, reads the text
as the user wrote it (blocks, `repeat`, `each`, `* N`) and expands it by the rules of
docs/language.md alone. Every tool is tested against it (`tests/reference/`); no tool calls it.

- **A decision** is one open choice of the expanded space: each place a choice stands after
  expansion (each layer of a `repeat`, each copy made by `each` or `* N`, each use of a
  block, each use of a width parameter in a block) is its own decision, named by its key
  (`HEAD.NODE.KIND[n]`), unless a label (`as LABEL`) makes every choice that carries it one
  decision, `shared.LABEL`.
- **A member** is a value of every *visible* decision: a decision inside a candidate that an
  op choice does not keep, or in a layer past a chosen depth, is hidden (any value builds
  the same heads), and only a depth can hide a node.
- **An architecture** is what a member builds, written as a plain genotype; two members are
  the same architecture when their texts are equal (`lang.same.architecture_text`).

`enumerate_members` lists every member (each visible decision vector once) with its plain
genotype, its architecture text and its cost (parameters, FLOPs and op counts per head, by
the conventions of `nasiam compile`). It is exponential by design: use it on small spaces.
"""

from nasiam_dsl.reference.members import (
    Member,
    TooManyMembers,
    architectures,
    enumerate_members,
)

__all__ = ["Member", "TooManyMembers", "architectures", "enumerate_members"]
