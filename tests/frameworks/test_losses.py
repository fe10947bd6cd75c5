"""Each loss against a hand-written formula on small tensors, plus its scale invariants."""

from __future__ import annotations

import math
from types import SimpleNamespace

import pytest
import torch

from nasiam_dsl.frameworks import barlowtwins, base, byol, mocov2, mocov3, simclr, simsiam, vicreg

# each framework's loss lives in its module, with its class
L = SimpleNamespace(
    negative_cosine=simsiam.negative_cosine,
    simsiam_loss=simsiam.simsiam_loss,
    byol_loss=byol.byol_loss,
    nt_xent_loss=simclr.nt_xent_loss,
    infonce_queue_loss=mocov2.infonce_queue_loss,
    mocov3_loss=mocov3.mocov3_loss,
    barlow_twins_loss=barlowtwins.barlow_twins_loss,
    vicreg_terms=vicreg.vicreg_terms,
    vicreg_loss=vicreg.vicreg_loss,
    normalized_std=base.normalized_std,
)


def _cos(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.detach(), b.detach()
    return float(a @ b / (a.norm() * b.norm()))


@pytest.fixture
def g() -> torch.Generator:
    return torch.Generator().manual_seed(0)


def test_simsiam_identical_inputs_is_minus_one(g: torch.Generator) -> None:
    x = torch.randn(6, 5, generator=g)
    assert L.negative_cosine(x, x).item() == pytest.approx(-1.0, abs=1e-6)
    assert L.simsiam_loss(x, x, x, x).item() == pytest.approx(-1.0, abs=1e-6)


def test_simsiam_matches_formula_and_stops_gradient_on_z(g: torch.Generator) -> None:
    p1, p2, z1, z2 = (torch.randn(4, 3, generator=g, requires_grad=True) for _ in range(4))
    expected = sum(-0.5 * _cos(p1[i], z2[i]) / 4 - 0.5 * _cos(p2[i], z1[i]) / 4 for i in range(4))
    loss = L.simsiam_loss(p1, p2, z1, z2)
    assert loss.item() == pytest.approx(expected, abs=1e-6)
    loss.backward()
    assert z1.grad is None and z2.grad is None
    assert p1.grad is not None and p1.grad.abs().sum() > 0


def test_byol_matches_formula_range_and_stop_gradient(g: torch.Generator) -> None:
    p1, p2, t1, t2 = (torch.randn(5, 4, generator=g, requires_grad=True) for _ in range(4))

    def direction(p: torch.Tensor, t: torch.Tensor) -> float:
        p, t = p.detach(), t.detach()
        return (
            sum(float(((p[i] / p[i].norm() - t[i] / t[i].norm()) ** 2).sum()) for i in range(5)) / 5
        )

    loss = L.byol_loss(p1, p2, t1, t2)
    assert loss.item() == pytest.approx(direction(p1, t2) + direction(p2, t1), abs=1e-5)
    loss.backward()
    assert t1.grad is None and t2.grad is None
    x = torch.randn(5, 4, generator=g)
    # each direction lies in [0, 4]: 0 for aligned, 4 for opposite, two directions summed
    assert L.byol_loss(x, x, x, x).item() == pytest.approx(0.0, abs=1e-6)
    assert L.byol_loss(x, x, -x, -x).item() == pytest.approx(8.0, abs=1e-5)


def test_nt_xent_matches_formula(g: torch.Generator) -> None:
    n, t = 3, 0.5
    z1, z2 = torch.randn(n, 4, generator=g), torch.randn(n, 4, generator=g)
    z = torch.cat([z1, z2])
    total = 0.0
    for i in range(2 * n):
        pos = (i + n) % (2 * n)
        sims = {k: math.exp(_cos(z[i], z[k]) / t) for k in range(2 * n) if k != i}
        total += -math.log(sims[pos] / sum(sims.values()))
    assert L.nt_xent_loss(z1, z2, t).item() == pytest.approx(total / (2 * n), abs=1e-5)


def test_nt_xent_on_random_data_is_log_2n_minus_1(g: torch.Generator) -> None:
    n = 8
    z1, z2 = torch.randn(n, 1024, generator=g), torch.randn(n, 1024, generator=g)
    assert L.nt_xent_loss(z1, z2, 0.5).item() == pytest.approx(math.log(2 * n - 1), abs=0.15)


def test_infonce_queue_matches_formula_and_stops_gradient(g: torch.Generator) -> None:
    t = 0.2
    q = torch.randn(3, 4, generator=g, requires_grad=True)
    k = torch.randn(3, 4, generator=g, requires_grad=True)
    queue = torch.nn.functional.normalize(torch.randn(5, 4, generator=g), dim=1)
    expected = 0.0
    for i in range(3):
        pos = math.exp(_cos(q[i], k[i]) / t)
        neg = sum(math.exp(_cos(q[i], queue[j]) / t) for j in range(5))
        expected += -math.log(pos / (pos + neg)) / 3
    loss = L.infonce_queue_loss(q, k, queue, t)
    assert loss.item() == pytest.approx(expected, abs=1e-5)
    loss.backward()
    assert k.grad is None and q.grad is not None


def test_mocov3_has_the_2t_factor_and_sums_directions(g: torch.Generator) -> None:
    t = 0.2
    q1, q2, k1, k2 = (torch.randn(4, 3, generator=g) for _ in range(4))

    def ctr(q: torch.Tensor, k: torch.Tensor) -> float:
        out = 0.0
        for i in range(4):
            logits = [_cos(q[i], k[j]) / t for j in range(4)]
            out += -(logits[i] - math.log(sum(math.exp(v) for v in logits))) / 4
        return out * 2 * t

    expected = ctr(q1, k2) + ctr(q2, k1)
    assert L.mocov3_loss(q1, q2, k1, k2, t).item() == pytest.approx(expected, abs=1e-5)
    # one-hot queries against their own keys: CE = log(1 + (N-1) e^{-1/T}), times 2T, twice
    e = torch.eye(4)
    ce = math.log(1 + 3 * math.exp(-1 / t))
    assert L.mocov3_loss(e, e, e, e, t).item() == pytest.approx(2 * 2 * t * ce, rel=1e-5)


def test_barlow_matches_formula(g: torch.Generator) -> None:
    n, lambd = 6, 0.3
    z1, z2 = torch.randn(n, 3, generator=g), torch.randn(n, 3, generator=g)

    def standardise(z: torch.Tensor) -> torch.Tensor:
        return (z - z.mean(0)) / torch.sqrt(z.var(0, unbiased=False) + 1e-5)

    c = standardise(z1).T @ standardise(z2) / n
    expected = sum(
        (1 - c[i, i]) ** 2 if i == j else lambd * c[i, j] ** 2 for i in range(3) for j in range(3)
    )
    assert L.barlow_twins_loss(z1, z2, lambd).item() == pytest.approx(float(expected), abs=1e-5)


def test_barlow_identical_decorrelated_inputs_is_zero() -> None:
    # columns of a Sylvester-Hadamard matrix (minus the constant one): zero mean, unit
    # variance, mutually orthogonal, so c = identity
    h = torch.tensor([[1.0]])
    for _ in range(3):
        h = torch.cat([torch.cat([h, h], 1), torch.cat([h, -h], 1)], 0)
    z = h[:, 1:]
    assert L.barlow_twins_loss(z, z).item() == pytest.approx(0.0, abs=1e-4)
    assert L.barlow_twins_loss(z, -z).item() == pytest.approx(4.0 * 7, rel=1e-3)


def test_vicreg_terms_match_formula(g: torch.Generator) -> None:
    n, d, eps = 5, 3, 1e-4
    z1, z2 = torch.randn(n, d, generator=g), torch.randn(n, d, generator=g)
    inv, var, cov = L.vicreg_terms(z1, z2, eps=eps)
    assert inv.item() == pytest.approx(float(((z1 - z2) ** 2).mean()), abs=1e-6)

    def var_term(z: torch.Tensor) -> float:
        return sum(max(0.0, 1 - math.sqrt(float(z[:, j].var()) + eps)) for j in range(d)) / d

    assert var.item() == pytest.approx(0.5 * var_term(z1) + 0.5 * var_term(z2), abs=1e-6)

    def cov_term(z: torch.Tensor) -> float:
        zc = z - z.mean(0)
        c = zc.T @ zc / (n - 1)
        return sum(float(c[i, j]) ** 2 for i in range(d) for j in range(d) if i != j) / d

    assert cov.item() == pytest.approx(cov_term(z1) + cov_term(z2), abs=1e-5)
    total = L.vicreg_loss(z1, z2, 2.0, 3.0, 4.0, eps=eps)
    assert total.item() == pytest.approx(float(2 * inv + 3 * var + 4 * cov), abs=1e-5)


def test_vicreg_variance_of_constant_batch_is_about_one() -> None:
    z = torch.ones(8, 16)
    _, var, cov = L.vicreg_terms(z, z)
    assert var.item() == pytest.approx(1.0, abs=0.011)
    assert cov.item() == pytest.approx(0.0, abs=1e-8)


def test_normalized_std_collapse_monitor(g: torch.Generator) -> None:
    assert L.normalized_std(torch.ones(16, 32)) == pytest.approx(0.0, abs=1e-6)
    z = torch.randn(4096, 128, generator=g)
    assert L.normalized_std(z) == pytest.approx(1 / math.sqrt(128), rel=0.02)
