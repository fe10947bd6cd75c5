"""A run that cannot fit is refused before its supernet is built: the estimate, its biggest
parts and what to reduce, exit 2 (never an allocation failure)."""

from __future__ import annotations

import time
from pathlib import Path

from click.testing import CliRunner

from nasiam_dsl.cli import main
from nasiam_dsl.lang import parse
from nasiam_dsl.lang.infer import plan_document
from nasiam_dsl.run.memory import MemoryEstimate, Part, estimate_memory, gib, refusal

WIDE = 1_000_000
HUGE_SPACE = f"""\
space huge for simsiam {{
  head projector(x: backbone) {{
    h = choose(linear(x, {WIDE}) | bn | act{{relu, silu}}, linear(x, {WIDE}) | bn)
    z = linear(h, {WIDE}) | bn(affine=false)
  }}
  head predictor(z: projector) {{
    h = linear(z, 64) | bn | relu
    p = linear(h, {WIDE})
  }}
}}
"""

SMALL_SPACE = """\
space small for simsiam {
  head projector(x: backbone) {
    h = choose(linear(x, 16) | bn | act{relu, silu}, identity(x))
    z = linear(h, 32)
  }
  head predictor(z: projector) {
    p = linear(z, 32)
  }
}
"""


def test_a_space_that_cannot_fit_is_refused_before_allocating(tmp_path: Path) -> None:
    space = tmp_path / "huge.nas"
    space.write_text(HUGE_SPACE)
    started = time.perf_counter()
    result = CliRunner().invoke(
        main,
        [
            *("search", str(space), "--device", "cpu", "--backbone-options", '{"width": 4}'),
            *("--limit", "64", "--batch-size", "16", "--out", str(tmp_path / "runs")),
        ],
    )
    elapsed = time.perf_counter() - started
    assert result.exit_code == 2, result.output
    assert elapsed < 20  # a 10^12-parameter supernet was never built
    text = " ".join(result.output.split())
    assert "error: this run needs about" in text and "TiB of memory" in text
    assert "projector.z" in text  # the biggest part: a 10^6 x 10^6 linear
    assert "make projector.z narrower" in text
    assert "internal error" not in text and "Traceback" not in text
    assert not (tmp_path / "runs").exists()


def _plan(text: str, dim: int = 16):
    return plan_document(parse(text), dim)


def test_the_estimate_counts_weights_state_and_activations() -> None:
    plan = _plan(SMALL_SPACE)
    sgd = estimate_memory(
        plan,
        batch=10,
        optimizer="sgd",
        activation_bytes=4,
        backbone_params=100,
        backbone_activations=50,
    )
    adam = estimate_memory(
        plan,
        batch=10,
        optimizer="adamw",
        activation_bytes=4,
        backbone_params=100,
        backbone_activations=50,
    )
    parts = {p.name: p for p in sgd.parts}
    assert set(parts) == {"backbone", "projector.h", "projector.z", "predictor.p"}
    # parameters, gradients and one momentum tensor, fp32
    assert parts["backbone"].weights == 100 * 4 * 3
    assert parts["projector.z"].weights == (16 * 32 + 32) * 4 * 3
    assert {p.name: p.weights * 3 for p in adam.parts} == {p.name: p.weights * 4 for p in sgd.parts}
    # 50 elements per image x 10 images x 4 bytes x 2 views
    assert parts["backbone"].activations == 50 * 10 * 4 * 2
    # one linear output of 32 per image, both views, autograd's copy
    assert parts["predictor.p"].activations == 32 * 10 * 4 * 2 * 2
    # a choice runs every candidate: linear, bn and two activations, and the identity
    assert parts["projector.h"].activations == (16 * 4 + 16) * 10 * 4 * 2 * 2
    doubled = estimate_memory(
        plan,
        batch=20,
        optimizer="sgd",
        activation_bytes=4,
        backbone_params=100,
        backbone_activations=50,
    )
    assert doubled.parts[1].activations == 2 * sgd.parts[1].activations


def test_a_refusal_names_the_figure_parts_and_the_fix() -> None:
    estimate = MemoryEstimate(
        [Part("backbone", 10, 2**33), Part("projector.h", 2**20, 2**34), Part("predictor.p", 1, 1)]
    )
    problem = refusal(estimate, 2**30, "this machine", 256)
    assert str(problem).startswith("this run needs about 24.0 GiB of memory")
    assert "this machine has 1.0 GiB free" in str(problem)
    assert str(problem).index("projector.h") < str(problem).index("backbone")
    assert "lower --batch-size (now 256 per device)" in problem.hint
    assert gib(3 * 2**40) == "3.0 TiB"
