"""Every framework on a tiny backbone: trains, keeps state changes in on_step_end, EMA right."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

from nasiam_dsl.frameworks import Framework, available_frameworks, get_framework

ALL = ["simsiam", "mocov2", "simclr", "byol", "mocov3", "barlowtwins", "vicreg"]
MOMENTUM = ["mocov2", "byol", "mocov3"]
MakeFramework = Callable[..., Framework]
Views = tuple[torch.Tensor, torch.Tensor]


def snapshot(module: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in module.state_dict().items()}


def changed(before: dict[str, torch.Tensor], module: nn.Module) -> set[str]:
    after = module.state_dict()
    return {k for k, v in before.items() if not torch.equal(v, after[k])}


def sgd_step(fw: Framework, views: Views, progress: float, lr: float = 0.05) -> float:
    opt = torch.optim.SGD(fw.param_groups(lr), lr=lr)
    out = fw.training_step(*views)
    opt.zero_grad()
    out.loss.backward()
    opt.step()
    fw.on_step_end(out, progress)
    return out.loss.item()


def test_all_frameworks_registered() -> None:
    assert set(ALL) <= set(available_frameworks())
    for name in ALL:
        cls = get_framework(name)
        assert cls.name == name
        assert cls.default_genotype == f"{name}.nas"
        assert set(cls.momentum_slots) <= {"backbone", *cls.head_slots}


@pytest.mark.parametrize("name", ALL)
def test_loss_decreases_on_a_fixed_batch(
    name: str, make_framework: MakeFramework, views: Views
) -> None:
    fw = make_framework(name)
    fw.train()
    initial_state = snapshot(fw)
    opt = torch.optim.SGD(fw.param_groups(0.05), lr=0.05, momentum=0.9)
    losses = []
    steps = 15
    for i in range(steps):
        out = fw.training_step(*views)
        opt.zero_grad()
        out.loss.backward()
        opt.step()
        fw.on_step_end(out, i / steps)
        losses.append(out.loss.item())
        assert torch.isfinite(out.loss)
        assert out.z1.shape == out.z2.shape == (16, 16) and not out.z1.requires_grad
        assert {"loss", "z_std"} <= set(out.logs)
    if name == "mocov2":
        # on one fixed batch the queue fills with the batch's own keys (hard negatives for
        # themselves); compare both losses against the same, initial queue
        fw.queue.copy_(initial_state["queue"])
    final = fw.training_step(*views).loss.item()
    assert final < losses[0] - 1e-3, losses
    assert changed(initial_state, fw)  # sanity: training did move the weights


@pytest.mark.parametrize("name", ALL)
def test_head_loss_is_pure(name: str, make_framework: MakeFramework, views: Views) -> None:
    fw = make_framework(name)
    fw.eval()  # BatchNorm statistics frozen: nothing at all may change
    before = snapshot(fw)
    fw.head_loss(fw.encode(*views))
    assert changed(before, fw) == set()
    fw.train()  # training mode: only BatchNorm running statistics of online heads may move
    enc = fw.encode(*views)
    before = snapshot(fw)
    fw.head_loss(enc)
    moved = changed(before, fw)
    assert moved, "heads in train mode update their BN statistics"
    bn_stats = ("running_mean", "running_var", "num_batches_tracked")
    assert all(k.startswith("heads.") and k.endswith(bn_stats) for k in moved), moved


@pytest.mark.parametrize("name", ALL)
def test_param_groups_cover_trainable_params_exactly_once(
    name: str, make_framework: MakeFramework
) -> None:
    fw = make_framework(name)
    grouped = [p for g in fw.param_groups(0.1) for p in g["params"]]
    trainable = [p for p in fw.parameters() if p.requires_grad]
    assert len(grouped) == len({id(p) for p in grouped})
    assert {id(p) for p in grouped} == {id(p) for p in trainable}
    expected = sum(p.numel() for p in fw.backbone.parameters()) + sum(
        p.numel() for p in fw.heads.parameters()
    )
    assert sum(p.numel() for p in grouped) == expected
    assert all(g["lr"] == 0.1 for g in fw.param_groups(0.1))


def test_simsiam_predictor_group_has_fixed_lr(make_framework: MakeFramework) -> None:
    fw = make_framework("simsiam")
    groups = {g["name"]: g for g in fw.param_groups(0.2)}
    assert groups["predictor"]["fix_lr"] is True
    assert {id(p) for p in groups["predictor"]["params"]} == {
        id(p) for p in fw.heads["predictor"].parameters()
    }
    assert not groups["weights"].get("fix_lr", False)
    assert len(make_framework("simsiam", fix_pred_lr=False).param_groups(0.2)) == 1


@pytest.mark.parametrize("name", MOMENTUM)
def test_momentum_branch_is_a_trained_online_copy_followed_by_ema(
    name: str, make_framework: MakeFramework, views: Views
) -> None:
    fw = make_framework(name)
    # target is a distinct, frozen copy of backbone + projector (seed bug M2: shared, frozen)
    assert set(fw.target.keys()) == set(fw.momentum_slots)
    online = {"backbone": fw.backbone, **fw.heads}
    for slot, target in fw.target.items():
        for p_o, p_t in zip(online[slot].parameters(), target.parameters(), strict=True):
            assert p_t is not p_o and torch.equal(p_t, p_o)
            assert p_o.requires_grad and not p_t.requires_grad
    n_target = sum(p.numel() for p in fw.target.parameters())
    n_copied = sum(p.numel() for s in fw.momentum_slots for p in online[s].parameters())
    assert n_target == n_copied
    assert sum(p.numel() for p in fw.parameters() if p.requires_grad) == (
        sum(p.numel() for p in fw.parameters()) - n_target
    )

    fw.train()
    head_before = [p.detach().clone() for p in fw.heads["projector"].parameters()]
    target_before = [p.detach().clone() for p in fw.target.parameters()]
    out = fw.training_step(*views)
    out.loss.backward()
    assert all(p.grad is not None for p in fw.heads["projector"].parameters())
    assert all(p.grad is None for p in fw.target.parameters())
    torch.optim.SGD(fw.param_groups(0.1), lr=0.1).step()
    head_after = list(fw.heads["projector"].parameters())
    assert any(not torch.equal(a, b) for a, b in zip(head_after, head_before, strict=True))
    # the target has not moved yet: the EMA happens only in on_step_end
    assert all(
        torch.equal(a, b) for a, b in zip(fw.target.parameters(), target_before, strict=True)
    )
    m = fw.momentum_at(0.0)
    fw.on_step_end(out, 0.0)
    online_now = [p for s in fw.momentum_slots for p in online[s].parameters()]
    for p_t, p_prev, p_o in zip(fw.target.parameters(), target_before, online_now, strict=True):
        torch.testing.assert_close(p_t, m * p_prev + (1 - m) * p_o.detach())
    # BatchNorm running statistics are copied from the online modules
    for slot in fw.momentum_slots:
        for b_o, b_t in zip(online[slot].buffers(), fw.target[slot].buffers(), strict=True):
            assert torch.equal(b_o, b_t)


def test_momentum_schedules(make_framework: MakeFramework) -> None:
    byol = make_framework("byol", momentum_base=0.9, momentum_final=1.0)
    assert byol.momentum_at(0.0) == pytest.approx(0.9)
    assert byol.momentum_at(0.5) == pytest.approx(0.95)
    assert byol.momentum_at(1.0) == pytest.approx(1.0)
    mocov3 = make_framework("mocov3")
    assert mocov3.momentum_at(0.0) == pytest.approx(0.99)
    mocov2 = make_framework("mocov2", momentum=0.9)
    assert mocov2.momentum_at(0.0) == mocov2.momentum_at(0.7) == 0.9


def test_mocov2_queue_is_saved_and_advances_only_in_on_step_end(
    make_framework: MakeFramework, views: Views
) -> None:
    fw = make_framework("mocov2", queue_size=40)
    state = fw.state_dict()
    assert state["queue"].shape == (40, 16) and int(state["queue_ptr"]) == 0
    torch.testing.assert_close(state["queue"].norm(dim=1), torch.ones(40))
    fw.train()
    before = fw.queue.clone()
    out = fw.training_step(*views)
    assert torch.equal(fw.queue, before) and int(fw.queue_ptr) == 0
    keys = out.commit["keys"]
    assert keys.shape == (32, 16) and not keys.requires_grad  # both key sets (symmetric)
    out.loss.backward()
    fw.on_step_end(out, 0.0)
    assert torch.equal(fw.queue[:32], keys) and torch.equal(fw.queue[32:], before[32:])
    assert int(fw.queue_ptr) == 32
    # a fresh framework restores the queue from the checkpoint
    other = make_framework("mocov2", queue_size=40)
    other.load_state_dict(fw.state_dict())
    assert torch.equal(other.queue, fw.queue) and int(other.queue_ptr) == 32


def test_mocov2_enqueue_wraps_around(make_framework: MakeFramework) -> None:
    fw = make_framework("mocov2", queue_size=5)
    a, b, c = torch.randn(3, 16), torch.randn(3, 16), torch.randn(7, 16)
    fw.enqueue(a)
    fw.enqueue(b)  # writes rows 3, 4, 0
    assert torch.equal(fw.queue[[3, 4, 0]], b) and torch.equal(fw.queue[1:3], a[1:])
    assert int(fw.queue_ptr) == 1
    fw.enqueue(c)  # more keys than slots: the last 5 survive, as if written one by one
    assert int(fw.queue_ptr) == (1 + 7) % 5
    expected = torch.empty(5, 16)
    for i, key in enumerate(c):
        expected[(1 + i) % 5] = key
    assert torch.equal(fw.queue, expected)


def test_mocov2_asymmetric_enqueues_one_key_set(
    make_framework: MakeFramework, views: Views
) -> None:
    fw = make_framework("mocov2", symmetric=False)
    assert fw.training_step(*views).commit["keys"].shape == (16, 16)


def test_mocov2_shuffle_bn_unshuffles_keys(make_framework: MakeFramework, views: Views) -> None:
    shuffled = make_framework("mocov2", shuffle_bn=True).train()
    plain = make_framework("mocov2", shuffle_bn=False).train()
    k_shuffled = shuffled.encode(*views).t1
    k_plain = plain.encode(*views).t1
    # plain BatchNorm is permutation invariant, so un-shuffling must restore the order
    torch.testing.assert_close(k_shuffled, k_plain, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", ["simsiam", "byol"])
def test_no_grad_encode_then_head_loss(
    name: str, make_framework: MakeFramework, views: Views
) -> None:
    """The search engine's architecture step: backbone without autograd, heads with it."""
    fw = make_framework(name).train()
    with torch.no_grad():
        enc = fw.encode(*views)
    out = fw.head_loss(enc)
    out.loss.backward()
    assert all(p.grad is None for p in fw.backbone.parameters())
    assert all(p.grad is not None for p in fw.heads.parameters())


def test_embed_returns_backbone_features(make_framework: MakeFramework, views: Views) -> None:
    fw = make_framework("simclr").eval()
    assert fw.embed(views[0]).shape == (16, fw.feature_dim) == (16, 16)


def test_head_slot_validation_names_the_slots() -> None:
    backbone = nn.Linear(4, 4)
    backbone.feature_dim = 4
    cls = get_framework("simsiam")
    with pytest.raises(ValueError, match="predictor"):
        cls(backbone, {"projector": nn.Identity()})
    with pytest.raises(ValueError, match="classifier"):
        cls(
            backbone,
            {"projector": nn.Identity(), "predictor": nn.Identity(), "classifier": nn.Identity()},
        )
    with pytest.raises(ValueError, match="feature_dim"):
        cls(nn.Linear(4, 4), {"projector": nn.Identity(), "predictor": nn.Identity()})


def test_config_validation(make_framework: MakeFramework) -> None:
    from pydantic import ValidationError

    cls = get_framework("simclr")
    assert cls.Config().temperature == 0.5
    assert make_framework("simclr", temperature=0.2).config.temperature == 0.2
    with pytest.raises(ValidationError):
        make_framework("simclr", temprature=0.2)
    with pytest.raises(ValidationError):
        make_framework("simclr", temperature=-1.0)
    with pytest.raises(TypeError):
        cls.make_config(get_framework("vicreg").Config())


@pytest.mark.parametrize("name", ["mocov2", "byol"])
def test_dtype_and_device_follow_the_module(
    name: str, make_framework: MakeFramework, views: Views
) -> None:
    """No hard-coded device or dtype: `.to()` moves the queue and the momentum branch too."""
    fw = make_framework(name).to(torch.float64)
    assert all(t.dtype == torch.float64 for t in fw.state_dict().values() if t.is_floating_point())
    out = fw.training_step(*(v.double() for v in views))
    out.loss.backward()
    fw.on_step_end(out, 0.5)
    assert out.loss.dtype == torch.float64
