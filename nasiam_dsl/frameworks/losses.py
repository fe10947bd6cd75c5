"""Siamese SSL losses as pure functions of the head outputs.

Notation: two views give projections `z1, z2` and, where there is a predictor, predictions
`p1, p2`; `n(x) = x / ||x||_2`; `cos(a, b) = <n(a), n(b)>`; `sg` is stop-gradient; `N` is the
batch size and `d` the embedding width. Each function applies `sg` itself (by `.detach()`) to
the arguments its docstring names as targets, so callers cannot forget it. No function mutates
anything and none communicates: under DDP the frameworks gather the tensors first
(`gather.py`) and pass what the losses below say they accept (anchor rows, label offsets).

Convention choices (where implementations disagree) are stated per loss.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "barlow_twins_loss",
    "byol_loss",
    "infonce_queue_loss",
    "mocov3_loss",
    "negative_cosine",
    "normalized_std",
    "nt_xent_loss",
    "simsiam_loss",
    "vicreg_loss",
    "vicreg_regularisers",
    "vicreg_terms",
]


def negative_cosine(p: Tensor, z: Tensor) -> Tensor:
    """`D(p, z) = -mean_i cos(p_i, sg(z_i))`; `z` is the stop-gradient target. Range [-1, 1]."""
    return -F.cosine_similarity(p, z.detach(), dim=-1).mean()


def simsiam_loss(p1: Tensor, p2: Tensor, z1: Tensor, z2: Tensor) -> Tensor:
    """SimSiam: `L = 1/2 D(p1, sg(z2)) + 1/2 D(p2, sg(z1))`, batch mean; minimum -1.

    Follows the official code (half of each direction). `z1, z2` (projector outputs) are
    stop-gradient; gradients reach the encoder only through the predictions `p1, p2`.
    """
    return 0.5 * negative_cosine(p1, z2) + 0.5 * negative_cosine(p2, z1)


def byol_loss(p1: Tensor, p2: Tensor, t1: Tensor, t2: Tensor) -> Tensor:
    """BYOL: `L = l(p1, sg(t2)) + l(p2, sg(t1))`, `l(p, t) = mean_i ||n(p_i) - n(t_i)||^2`.

    `||n(p) - n(t)||^2 = 2 - 2 cos(p, t)`, so each direction lies in [0, 4] and the total in
    [0, 8]. The two directions are **summed** (deepmind `regression_loss`, solo-learn); the
    targets `t1, t2` come from the EMA target network and are stop-gradient.
    """

    def direction(p: Tensor, t: Tensor) -> Tensor:
        return (2.0 - 2.0 * F.cosine_similarity(p, t.detach(), dim=-1)).mean()

    return direction(p1, t2) + direction(p2, t1)


def nt_xent_loss(
    z1: Tensor, z2: Tensor, temperature: float = 0.5, anchors: slice | None = None
) -> Tensor:
    """SimCLR NT-Xent over the 2N normalised embeddings of both views.

    `s_ij = cos(z_i, z_j) / T`; for each of the 2N anchors
    `l_i = -log( exp(s_{i,pos(i)}) / sum_{k != i} exp(s_ik) )` with self-similarity masked,
    and `L = mean_i l_i` over all 2N anchors (the SimCLR paper's `1/2N` sum; lightly's
    convention). The official TF code returns `loss_a + loss_b`, i.e. twice this value.
    On random high-dimensional inputs `L ~ log(2N - 1)`. No stop-gradient: both views learn.

    `anchors`: rows of `z1, z2` used as anchors (default all), every row stays a candidate.
    Under DDP each rank passes the gathered batch and its own rows, so the ranks' losses
    average to the loss of the whole batch (labels offset by the rank, as SimCLR does).
    """
    n = z1.shape[0]
    rows = torch.arange(n, device=z1.device)[anchors if anchors is not None else slice(None)]
    z = F.normalize(torch.cat([z1, z2], dim=0), dim=-1)
    own = torch.cat([rows, rows + n])  # anchor positions among the 2N candidates
    self_mask = torch.zeros(own.shape[0], 2 * n, dtype=torch.bool, device=z.device)
    self_mask[torch.arange(own.shape[0], device=z.device), own] = True
    logits = (z[own] @ z.T / temperature).masked_fill(self_mask, float("-inf"))
    targets = torch.cat([rows + n, rows])
    return F.cross_entropy(logits, targets)


def infonce_queue_loss(q: Tensor, k: Tensor, queue: Tensor, temperature: float = 0.1) -> Tensor:
    """MoCo v2 InfoNCE for one direction: positives `q.k`, negatives `q.queue`.

    `logits = [n(q).n(sg(k)), n(q) @ queue^T] / T` (N x (1 + K)); `L = CE(logits, 0)`.
    `k` (keys from the momentum encoder) is stop-gradient; `queue` is a (K, d) tensor of
    already-normalised past keys and is read, never written. The symmetric MoCo v2+ loss is the
    **sum** `L(q1, k2) + L(q2, k1)` (MoCo CIFAR demo `--symmetric`); the caller forms it.
    """
    q = F.normalize(q, dim=-1)
    k = F.normalize(k.detach(), dim=-1)
    positive = (q * k).sum(dim=-1, keepdim=True)
    negative = q @ queue.detach().to(q.dtype).T
    logits = torch.cat([positive, negative], dim=1) / temperature
    labels = torch.zeros(q.shape[0], dtype=torch.long, device=q.device)
    return F.cross_entropy(logits, labels)


def mocov3_loss(
    q1: Tensor,
    q2: Tensor,
    k1: Tensor,
    k2: Tensor,
    temperature: float = 0.2,
    offset: int = 0,
) -> Tensor:
    """MoCo v3: `ctr(q1, sg(k2)) + ctr(q2, sg(k1))` (directions **summed**, as official).

    `ctr(q, k) = CE(n(q) @ n(k)^T / T, arange(N) + offset) * 2T`: the in-batch positives sit
    on the diagonal; the `2T` factor is the official one (solo-learn keeps it too). Keys
    `k1, k2` come from the momentum encoder and are stop-gradient. Under DDP the keys are
    gathered from every rank and `offset = N * rank` (official `concat_all_gather`).
    """

    def ctr(q: Tensor, k: Tensor) -> Tensor:
        q = F.normalize(q, dim=-1)
        k = F.normalize(k.detach(), dim=-1)
        logits = q @ k.T / temperature
        labels = torch.arange(q.shape[0], device=q.device) + offset
        return F.cross_entropy(logits, labels) * (2.0 * temperature)

    return ctr(q1, k2) + ctr(q2, k1)


def barlow_twins_loss(z1: Tensor, z2: Tensor, lambd: float = 0.0051, eps: float = 1e-5) -> Tensor:
    """Barlow Twins: `L = sum_i (1 - c_ii)^2 + lambda * sum_{i != j} c_ij^2`.

    `c = BN(z1)^T BN(z2) / N` with `BN` a non-affine batch standardisation per feature (biased
    variance, as `BatchNorm1d(affine=False)` in training). `lambda = 0.0051` is the official
    value; the official code applies no extra `scale_loss` (solo-learn scales the total; our
    framework does that, not this function). No stop-gradient: symmetric by construction.
    """
    n = z1.shape[0]
    c1 = F.batch_norm(z1, None, None, training=True, eps=eps)
    c2 = F.batch_norm(z2, None, None, training=True, eps=eps)
    c = c1.T @ c2 / n
    diag = torch.diagonal(c)
    on_diag = (1.0 - diag).pow(2).sum()
    off_diag = c.pow(2).sum() - diag.pow(2).sum()
    return on_diag + lambd * off_diag


def vicreg_terms(z1: Tensor, z2: Tensor, eps: float = 1e-4) -> tuple[Tensor, Tensor, Tensor]:
    """The three VICReg terms, unweighted: `(invariance, variance, covariance)`.

    - invariance: `MSE(z1, z2)` (mean over N x d);
    - variance and covariance: see `vicreg_regularisers`.
    """
    return F.mse_loss(z1, z2), *vicreg_regularisers(z1, z2, eps)


def vicreg_regularisers(z1: Tensor, z2: Tensor, eps: float = 1e-4) -> tuple[Tensor, Tensor]:
    """VICReg's batch terms, unweighted: `(variance, covariance)`.

    - variance: `1/2 mean_j relu(1 - std_j(z1)) + 1/2 mean_j relu(1 - std_j(z2))` with
      `std = sqrt(var + eps)` of the centred batch (unbiased variance); the halving is the
      official one (solo-learn drops it: twice the effective weight). A constant batch gives
      `1 - sqrt(eps) ~ 1`;
    - covariance: `sum offdiag(C1)^2 / d + sum offdiag(C2)^2 / d`, `C = z_c^T z_c / (N - 1)`.

    Under DDP the official code computes these on the batch gathered from every rank (and
    the invariance before the gather); the framework does the same.
    """
    n, d = z1.shape
    z1c = z1 - z1.mean(dim=0)
    z2c = z2 - z2.mean(dim=0)
    std1 = torch.sqrt(z1c.var(dim=0) + eps)
    std2 = torch.sqrt(z2c.var(dim=0) + eps)
    variance = 0.5 * F.relu(1.0 - std1).mean() + 0.5 * F.relu(1.0 - std2).mean()

    def off_diagonal_sq(zc: Tensor) -> Tensor:
        cov = zc.T @ zc / (n - 1)
        return (cov.pow(2).sum() - torch.diagonal(cov).pow(2).sum()) / d

    covariance = off_diagonal_sq(z1c) + off_diagonal_sq(z2c)
    return variance, covariance


def vicreg_loss(
    z1: Tensor,
    z2: Tensor,
    sim_weight: float = 25.0,
    var_weight: float = 25.0,
    cov_weight: float = 1.0,
    eps: float = 1e-4,
) -> Tensor:
    """VICReg: `25 * invariance + 25 * variance + 1 * covariance` (official weights).

    See `vicreg_terms` for the terms. No stop-gradient: symmetric.
    """
    inv, var, cov = vicreg_terms(z1, z2, eps=eps)
    return sim_weight * inv + var_weight * var + cov_weight * cov


def normalized_std(z: Tensor) -> float:
    """Collapse monitor: `mean_j std_i(n(z_i))_j` (SimSiam paper section 4.1).

    About `1/sqrt(d)` for healthy isotropic outputs, 0 for collapsed (constant) outputs.
    """
    with torch.no_grad():
        zn = F.normalize(z.detach().float(), dim=-1)
        return float(zn.std(dim=0).mean())
