"""`architecture_text`: one text for every spelling of the same heads, another for other heads."""

from __future__ import annotations

import pytest

from nasiam_dsl.lang import parse
from nasiam_dsl.lang.same import architecture_text

# What a search over a space writes: closed choices with probabilities, a let width, a meta block.
FOUND = """\
genotype found for simsiam {{
  meta {{
    seed = {seed}
  }}

  let dim = 256

  # the projector
  head projector(x: backbone) {{
    h1 = linear(x, width{{512 @{p}}}, bias=false) | norm{{bn @0.9}} | act{{relu @0.8}}
    h2 = choose(identity(h1) @0.96)
    z = linear(h2, dim, bias=frozen) | norm{{none @0.7}}
  }}

  head predictor(z: projector) {{
    h = linear(z, 64, bias=false) | bn | act{{{act} @0.4}}
    p = linear(h, dim)
  }}
}}
"""

# The same heads written by hand.
PLAIN = """\
genotype member for simsiam {
  head projector(x: backbone) {
    h1 = linear(x, 512, bias=false) | bn | relu
    h2 = identity(h1)
    z = linear(h2, 256, bias=frozen)
  }

  head predictor(z: projector) {
    h = linear(z, 64, bias=false) | bn | relu
    p = linear(h, 256)
  }
}
"""


def found(seed: int = 0, p: float = 0.6, act: str = "relu") -> str:
    return FOUND.format(seed=seed, p=p, act=act)


def test_two_seeds_and_a_hand_written_member_are_one_architecture() -> None:
    a, b = parse(found(0, 0.6)), parse(found(1, 0.99))
    assert a != b
    assert architecture_text(a) == architecture_text(b) == architecture_text(parse(PLAIN))


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("width{512 @0.6}", "width{2048 @0.6}"),
        ("norm{bn @0.9}", "norm{layernorm @0.9}"),
        ("choose(identity(h1) @0.96)", "choose(linear(h1, 512) @0.96)"),
        ("norm{none @0.7}", "norm{bn(affine=false) @0.7}"),
        ("let dim = 256", "let dim = 128"),
    ],
)
def test_any_other_choice_is_another_architecture(old: str, new: str) -> None:
    text = found()
    assert old in text
    assert architecture_text(parse(text.replace(old, new))) != architecture_text(parse(text))


def test_the_text_has_no_probability_comment_or_meta() -> None:
    text = architecture_text(parse(found()))
    assert "@" not in text and "#" not in text and "meta" not in text and "seed" not in text
