"""A search or training run: wiring, the epoch loop, logs, checkpoints, resume, signals.

`run(config)` is what `nasiam search` and `nasiam train` call. A run directory holds
everything needed to repeat the run: the spec text, `config.json`, `metrics.jsonl`,
`alphas.jsonl` (search), `checkpoint.pt`, `genotype.nas` (search) and
`backbone.pt` / `model.pt` (final weights, loadable with `weights_only=True`).
"""

from __future__ import annotations

import contextlib
import json
import math
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from nasiam_dsl.lang import DSLError, ast, check_or_raise, parse_file
from nasiam_dsl.lang.parser import read_source
from nasiam_dsl.lang.printer import print_document
from nasiam_dsl.run.checkpoint import (
    CHECKPOINT,
    append_jsonl,
    atomic_write_text,
    load_checkpoint,
    rng_state,
    save_checkpoint,
    set_rng_state,
)
from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.distributed import DistInfo, broadcast_parameters, init_distributed
from nasiam_dsl.run.problem import FrameworkProblem
from nasiam_dsl.usage import UsageProblem

EXIT_INTERRUPTED = 130


class Interrupted(Exception):
    """Raised after an interrupted run saved its checkpoint and genotype."""

    def __init__(self, run_dir: Path, reason: str):
        super().__init__(reason)
        self.run_dir = run_dir


class _Model(nn.Module):
    """The framework and the architecture weights in one module, so one state_dict."""

    def __init__(self, framework: nn.Module, arch: nn.Module | None):
        super().__init__()
        self.framework = framework
        if arch is not None:
            self.arch = arch


@dataclass
class Run:
    """Everything a run's loop touches."""

    config: RunConfig
    run_dir: Path
    dist: DistInfo
    device: torch.device
    doc: ast.Document
    spec_text: str
    model: _Model
    framework: nn.Module
    supernet: nn.Module
    problem: FrameworkProblem
    engine: Any
    train_stream: Any
    val_stream: Any | None
    augment: Any | None
    steps_per_epoch: int
    info: Any
    stoppers: list[Any] = field(default_factory=list)
    epoch: int = 0
    step: int = 0
    stop_reason: str | None = None
    tensorboard: Any | None = None


# ---- building -----------------------------------------------------------------------------


def _spec(config: RunConfig, backbone_dim: int) -> tuple[ast.Document, str]:
    path = Path(config.spec)
    if not path.exists():
        raise UsageProblem(f"spec file not found: {path}")
    doc = parse_file(path)
    text = read_source(path)
    check_or_raise(doc, text, str(path), backbone_dim=backbone_dim)
    want = "space" if config.command == "search" else "genotype"
    if doc.kind != want:
        hint = (
            "search a space: `nasiam search SPACE.nas`; train a genotype with `nasiam train`"
            if want == "space"
            else "train a genotype: the `genotype.nas` a search wrote"
        )
        raise UsageProblem(
            f"{path} is a {doc.kind}, but `nasiam {config.command}` needs a {want}", hint
        )
    return doc, text


def _framework_class(name: str):
    from nasiam_dsl.frameworks.registry import get_framework
    from nasiam_dsl.names import UnknownNameError

    try:
        return get_framework(name)
    except UnknownNameError as e:
        raise UsageProblem(f"--framework: {e}") from None


def _backbone(config: RunConfig, channels: int) -> nn.Module:
    from nasiam_dsl.backbones import build_backbone
    from nasiam_dsl.names import UnknownNameError

    try:
        return build_backbone(config.backbone, in_channels=channels, **config.backbone_options)
    except UnknownNameError as e:
        raise UsageProblem(f"--backbone: {e}") from None


def _heads(
    doc: ast.Document, fw_cls, supernet, path: str, backbone_dim: int
) -> dict[str, nn.Module]:
    names = [h.name for h in doc.heads]
    missing = [s for s in fw_cls.head_slots if s not in names]
    extra = [n for n in names if n not in fw_cls.head_slots]
    if missing:
        raise UsageProblem(
            f"{path}: {doc.kind} '{doc.name}' has no head {', '.join(map(repr, missing))}, "
            f"which framework {fw_cls.name} needs (slots: {', '.join(fw_cls.head_slots)})",
            f"add `head {missing[0]}(...) {{ ... }}`, or pick another --framework",
        )
    if extra:
        raise UsageProblem(
            f"{path}: head {', '.join(map(repr, extra))} is not a slot of framework "
            f"{fw_cls.name} (slots: {', '.join(fw_cls.head_slots)})"
        )
    heads = {slot: supernet.heads[slot] for slot in fw_cls.head_slots}
    # the framework feeds its first slot the backbone's features, each later slot the output
    # of the slot before: a head written with an explicit width must agree
    given, source, write = backbone_dim, f"the backbone's {backbone_dim} features", "backbone"
    for slot in fw_cls.head_slots:
        head = heads[slot]
        if head.in_dim != given:
            raise UsageProblem(
                f"{path}: head '{slot}' reads {head.in_dim} features, but framework "
                f"{fw_cls.name} feeds it {source}",
                f"write `head {slot}({head.input_name}: {write})`",
            )
        given, source, write = head.out_dim, f"the {head.out_dim} features of '{slot}'", slot
    return heads


def _data(config: RunConfig, info, framework_name: str, device: torch.device, dist: DistInfo):
    from nasiam_dsl.data import (
        BatchedTwoViewAugment,
        DatasetError,
        InfiniteLoader,
        TwoViewTransform,
        augment_recipe,
        get_dataset,
        make_loader,
        pretrain_split,
        split_dataset,
        uint8_transform,
    )

    recipe = augment_recipe(framework_name if framework_name in _recipes() else "simsiam", info)
    batched = config.data.augment == "batched"
    transform = uint8_transform(info.image_size) if batched else TwoViewTransform(recipe)
    try:
        dataset = get_dataset(
            config.data.dataset,
            config.data.data_dir,
            pretrain_split(config.data.dataset),  # STL-10: train + unlabeled
            transform,
            download=config.data.download,
        )
    except DatasetError as e:
        raise UsageProblem(f"--dataset {config.data.dataset}: {e}") from None
    if config.data.limit is not None and config.data.limit < len(dataset):
        dataset = _limit(dataset, config.data.limit, config.seed)
    if config.command == "search":
        weights_part, arch_part = split_dataset(dataset, config.train_portion, config.seed)
    else:
        weights_part, arch_part = dataset, None
    per_rank = config.batch_size // max(dist.world_size, 1)
    if len(weights_part) < per_rank * dist.world_size:
        raise UsageProblem(
            f"--batch-size {config.batch_size} is larger than the "
            f"{len(weights_part)} images available for weight steps"
        )

    def loader(part, salt: int):
        return make_loader(
            part,
            per_rank,
            shuffle=True,
            seed=config.seed + salt,
            workers=config.data.workers,
            device=device,
            drop_last=True,
            distributed=dist.enabled,
            num_replicas=dist.world_size,
            rank=dist.rank,
        )

    train = InfiniteLoader(loader(weights_part, 0))
    val = InfiniteLoader(loader(arch_part, 1)) if arch_part is not None else None
    augment = (
        BatchedTwoViewAugment(recipe, seed=config.seed + 1000 * dist.rank).to(device)
        if batched
        else None
    )
    return train, val, augment, len(train.loader)


def _recipes() -> list[str]:
    from nasiam_dsl.data import list_recipes

    return list_recipes()


def _limit(dataset, n: int, seed: int):
    from torch.utils.data import Subset

    from nasiam_dsl.data import split_indices
    from nasiam_dsl.data.splits import dataset_labels

    labels = dataset_labels(dataset)
    keep, _ = split_indices(labels, n / len(labels), seed)
    subset = Subset(dataset, list(keep))
    subset.targets = [int(labels[i]) for i in keep]  # type: ignore[attr-defined]
    return subset


def _views(augment, device: torch.device, channels_last: bool):
    memory = torch.channels_last if channels_last else torch.contiguous_format

    def views(batch):
        images = batch[0]
        if augment is not None:
            images = images.to(device, non_blocking=True)
            v1, v2 = augment(images)
        else:
            v1, v2 = (v.to(device, non_blocking=True) for v in images)
        return v1.contiguous(memory_format=memory), v2.contiguous(memory_format=memory)

    return views


def _weight_optimizer(config: RunConfig, framework) -> torch.optim.Optimizer:
    o = config.optim
    if o.optimizer == "sgd":
        lr = o.lr * config.batch_size / 256
        return torch.optim.SGD(
            framework.param_groups(lr), lr=lr, momentum=o.momentum, weight_decay=o.weight_decay
        )
    return torch.optim.AdamW(framework.param_groups(o.lr), lr=o.lr, weight_decay=o.weight_decay)


def _set_lr(
    optimizer: torch.optim.Optimizer, config: RunConfig, progress: float, epoch_float: float
) -> float:
    """Cosine schedule with linear warm-up; groups flagged `fix_lr` keep their lr."""
    warm = config.optim.warmup_epochs
    factor = 0.5 * (1 + math.cos(math.pi * progress))
    if warm and epoch_float < warm:
        factor = min(factor, (epoch_float + 1e-8) / warm)
    for group in optimizer.param_groups:
        base = group.setdefault("initial_lr", group["lr"])
        group["lr"] = base if group.get("fix_lr") else base * factor
    return optimizer.param_groups[0]["lr"]


def _sampler(config: RunConfig):
    from nasiam_dsl.search.samplers import get_sampler

    s = config.search
    if s.sampler == "softmax":
        return get_sampler("softmax", temperature=s.temperature)
    return get_sampler(s.sampler)


def _regularisers(config: RunConfig, arch) -> list[Any]:
    from nasiam_dsl.search.regularisers import get_regulariser

    s = config.search
    regs = []
    if s.beta_decay:
        regs.append(get_regulariser("beta_decay", weight=s.beta_decay))
    if s.param_free_l1:
        masks = {k: m for k, m in arch.param_free_masks().items() if bool(m.any())}
        if masks:
            regs.append(get_regulariser("param_free_l1", masks=masks, weight=s.param_free_l1))
    if s.zero_one:
        regs.append(get_regulariser("zero_one", weight=s.zero_one))
    return regs


def _stoppers(config: RunConfig) -> list[Any]:
    from nasiam_dsl.search.stoppers import CollapseStopper, OpCountStopper

    s = config.search
    wait = s.stop_min_epochs or min(10, math.ceil(config.epochs / 5))
    stoppers: list[Any] = []
    if s.max_param_free is not None:
        stoppers.append(OpCountStopper({"param_free": s.max_param_free}, min_epochs=wait))
    if s.collapse_threshold:
        stoppers.append(CollapseStopper(threshold=s.collapse_threshold, patience=2))
    return stoppers


def build(config: RunConfig, run_dir: Path) -> Run:
    """Build every part of a run from its config (no training happens here)."""
    from nasiam_dsl.compile import compile_genotype, compile_space
    from nasiam_dsl.data import DatasetError, dataset_info
    from nasiam_dsl.search.engine import DartsEngine

    dist, device = init_distributed(config.device)
    torch.manual_seed(config.seed)
    if config.deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    try:
        info = dataset_info(config.data.dataset, config.data.data_dir)
    except DatasetError as e:
        raise UsageProblem(f"--dataset {config.data.dataset}: {e}") from None
    fw_cls = _framework_class(config.framework)
    backbone = _backbone(config, info.channels)
    feature_dim = int(backbone.feature_dim)
    doc, text = _spec(config, feature_dim)  # a space may name another framework: allowed
    compile_fn = compile_space if config.command == "search" else compile_genotype
    try:
        supernet = compile_fn(doc, feature_dim, seed=config.seed)
    except DSLError as e:
        e.source, e.filename = text, config.spec
        raise
    heads = _heads(doc, fw_cls, supernet, config.spec, feature_dim)
    try:
        framework = fw_cls(backbone, heads, config.framework_options or None)
    except (ValueError, TypeError) as e:
        raise UsageProblem(f"--framework {config.framework}: {e}") from None
    arch = getattr(supernet, "arch", None)
    model = _Model(framework, arch)
    if device.type == "cuda" and config.channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.to(device)
    if arch is not None:
        arch.sampler = _sampler(config)
        broadcast_parameters(arch.parameters())
    ddp = None
    if dist.enabled:
        from torch.nn.parallel import DistributedDataParallel

        ddp = DistributedDataParallel(
            framework,
            device_ids=[device.index] if device.type == "cuda" else None,
            find_unused_parameters=config.search.sampler == "gumbel",
        )
    train, val, augment, steps = _data(config, info, fw_cls.name, device, dist)
    if config.steps_per_epoch:
        steps = min(steps, config.steps_per_epoch)

    use_amp = config.amp and device.type == "cuda"

    def autocast():
        if use_amp:
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return contextlib.nullcontext()

    problem = FrameworkProblem(
        framework,
        _views(augment, device, device.type == "cuda" and config.channels_last),
        arch,
        autocast,
        ddp,
    )
    optimizer = _weight_optimizer(config, framework)
    head_params = [p for slot in fw_cls.head_slots for p in framework.heads[slot].parameters()]
    alphas = arch.alphas() if arch is not None else {}

    total_steps = steps * config.epochs

    def on_progress(progress: float) -> None:
        if arch is not None and hasattr(arch.sampler, "set_progress"):
            # the sampler's schedule (Gumbel's temperature) reaches its end at the last step
            steps_done = round(progress * total_steps)
            arch.sampler.set_progress(min(1.0, steps_done / max(total_steps - 1, 1)))
        if arch is not None:
            arch.hooks.set_progress(progress)

    if arch is not None:
        from nasiam_dsl.search.tricks import AuxSkip, FeatureTricks, PartialFeatures

        s = config.search
        arch.hooks = FeatureTricks(
            ([AuxSkip(s.aux_skip)] if s.aux_skip else [])
            + ([PartialFeatures(s.partial_k)] if s.partial_k > 1 else [])
        )
    engine = DartsEngine(
        alphas,
        optimizer,
        head_params,
        config.engine,
        _regularisers(config, arch) if arch is not None else [],
        on_progress,
    )
    return Run(
        config,
        run_dir,
        dist,
        device,
        doc,
        text,
        model,
        framework,
        supernet,
        problem,
        engine,
        train,
        val,
        augment,
        steps,
        info,
        _stoppers(config),
    )


# ---- the loop -------------------------------------------------------------------------------


class _Signals:
    """SIGINT/SIGTERM set a flag; the loop finishes its step, saves, and exits non-zero."""

    def __init__(self) -> None:
        self.received: str | None = None
        self._old: dict[int, Any] = {}

    def __enter__(self) -> _Signals:
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(ValueError):  # not the main thread
                self._old[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        self.received = signal.Signals(signum).name

    def __exit__(self, *exc) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)


def provenance(r: Run) -> dict[str, Any]:
    c = r.config
    return {  # derive adds source_space, space_hash and version
        "framework": c.framework,
        "dataset": c.data.dataset,
        "backbone": c.backbone,
        "seed": c.seed,
        "epochs": r.epoch,
        "steps": r.step,
        "sampler": c.search.sampler,
    }


def derive_genotype(r: Run) -> ast.Document:
    """The current genotype, naming the framework it was found in (maybe not the space's)."""
    from nasiam_dsl.compile import derive

    framework = {"framework": type(r.framework).name}
    return derive(r.supernet, r.doc, meta=provenance(r)).model_copy(update=framework)


def write_genotypes(r: Run, doc: ast.Document | None = None) -> str:
    """Write the genotype (`doc`, else derived now) and the top-k; return the best's text."""
    from nasiam_dsl.compile import top_k
    from nasiam_dsl.show.decisions import genotype_with_margins

    if r.config.command != "search":
        return ""
    probs, sampler = alphas_record(r)["probabilities"], r.config.search.sampler
    doc = doc if doc is not None else derive_genotype(r)
    doc = genotype_with_margins(r.doc, doc, probs, sampler=sampler)
    framework = {"framework": doc.framework}
    text = print_document(doc)
    if r.dist.is_main:
        atomic_write_text(r.run_dir / "genotype.nas", text)
        if r.config.search.top_k > 1:
            ranked = top_k(r.supernet, r.doc, r.config.search.top_k, meta=provenance(r))
            for i, g in enumerate(ranked, 1):
                if i > 1:
                    ranked_doc = _with_meta(
                        g.genotype, rank=i, joint_probability=round(g.probability, 6)
                    )
                    ranked_doc = genotype_with_margins(r.doc, ranked_doc, probs, sampler=sampler)
                    text_i = print_document(ranked_doc.model_copy(update=framework))
                    atomic_write_text(r.run_dir / f"genotype-top{i}.nas", text_i)
    return text


def _with_meta(doc: ast.Document, **entries: Any) -> ast.Document:
    extra = tuple(ast.MetaEntry(key=k, value=v) for k, v in entries.items())
    meta = doc.meta or ast.Meta(entries=())
    meta = meta.model_copy(update={"entries": meta.entries + extra})
    return doc.model_copy(update={"meta": meta})


def op_counts(genotype: ast.Document) -> dict[str, dict[str, int]]:
    """Parameter-free ops per head of a (derived) genotype, for the op-count stopper."""
    from nasiam_dsl.registry import PARAM_FREE_LAYERS

    counts: dict[str, dict[str, int]] = {}
    for head in genotype.heads:
        n = 0
        stack = [node.expr for node in head.nodes]
        while stack:
            p = stack.pop()
            if isinstance(p.source, ast.Choose):
                stack.extend(p.source.candidates)
            n += sum(isinstance(s, ast.Call) and s.name in PARAM_FREE_LAYERS for s in p.stages)
        counts[head.name] = {"param_free": n}
    return counts


def checkpoint_state(r: Run, interrupted: bool) -> dict[str, Any]:
    state = {
        "format": "nasiam-checkpoint-1",
        "config": r.config.model_dump_json(),
        "epoch": r.epoch,
        "step": r.step,
        "interrupted": interrupted,
        "model": r.model.state_dict(),
        "weight_optimizer": r.engine.weight_optimizer.state_dict(),
        "engine": r.engine.state_dict(),
        "train_stream": r.train_stream.state_dict(),
        "rng": rng_state(),
        "stoppers": [s.state_dict() for s in r.stoppers],
    }
    if r.val_stream is not None:
        state["val_stream"] = r.val_stream.state_dict()
    if r.augment is not None:
        state["augment_rng"] = r.augment.get_rng_state()
    arch = getattr(r.supernet, "arch", None)
    if arch is not None and hasattr(arch.sampler, "state_dict"):
        state["sampler"] = arch.sampler.state_dict()
    return state


def restore(r: Run, state: dict[str, Any]) -> None:
    r.model.load_state_dict(state["model"])
    r.engine.weight_optimizer.load_state_dict(state["weight_optimizer"])
    r.engine.load_state_dict(state["engine"])
    r.epoch, r.step = int(state["epoch"]), int(state["step"])
    for stream, key in ((r.train_stream, "train_stream"), (r.val_stream, "val_stream")):
        if stream is not None and key in state:
            stream.load_state_dict(state[key])
    if r.augment is not None and "augment_rng" in state:
        r.augment.set_rng_state(state["augment_rng"])
    arch = getattr(r.supernet, "arch", None)
    if arch is not None and "sampler" in state:
        arch.sampler.load_state_dict(state["sampler"])
    for s, st in zip(r.stoppers, state.get("stoppers", []), strict=False):
        s.load_state_dict(st)
    set_rng_state(state["rng"])


def save(r: Run, interrupted: bool = False) -> None:
    if r.dist.is_main:
        save_checkpoint(r.run_dir / CHECKPOINT, checkpoint_state(r, interrupted))


def alphas_record(r: Run) -> dict[str, Any]:
    arch = getattr(r.supernet, "arch", None)
    probs = (
        {}
        if arch is None
        else {
            k: [round(float(x), 6) for x in v.detach().cpu()]
            for k, v in arch.probabilities().items()
        }
    )
    return {"epoch": r.epoch, "step": r.step, "probabilities": probs}


def knn_eval(r: Run, max_bank: int = 5000) -> dict[str, float] | None:
    """The monitor on backbone features of un-augmented images: kNN accuracy (bank: the
    training images, k=200, t=0.1), and RankMe of the bank's features when the bank holds at
    least 4 images per feature dimension (fewer caps the rank and biases it)."""
    from nasiam_dsl.data import eval_transform, get_dataset, make_loader
    from nasiam_dsl.evaluate import extract_features, knn_accuracy

    c = r.config
    tf = eval_transform(r.info)
    try:
        bank = get_dataset(c.data.dataset, c.data.data_dir, "train", tf)
        test = get_dataset(c.data.dataset, c.data.data_dir, "test", tf)
    except Exception:
        return None
    if len(bank) > max_bank:
        bank = _limit(bank, max_bank, c.seed)
    fw = r.framework
    was = fw.training
    fw.eval()
    try:
        bf, bl = extract_features(fw.embed, make_loader(bank, 256, shuffle=False), r.device)
        tf_, tl = extract_features(fw.embed, make_loader(test, 256, shuffle=False), r.device)
    finally:
        fw.train(was)
    k = min(c.knn_k, len(bl))
    monitor = {
        "knn": float(knn_accuracy(bf, bl, tf_, tl, k=k, t=0.1, num_classes=r.info.num_classes))
    }
    if bf.shape[0] >= 4 * bf.shape[1]:
        from nasiam_dsl.evaluate import rankme

        monitor["rankme"] = rankme(bf.float())
        monitor["rankme_images"] = float(bf.shape[0])
    return monitor


def open_tensorboard(run_dir: Path) -> Any:
    """A SummaryWriter in run_dir/tensorboard; the `tensorboard` extra must be installed."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        raise UsageProblem(
            "--tensorboard needs the tensorboard package", "pip install 'nasiam[tensorboard]'"
        ) from None
    return SummaryWriter(str(run_dir / "tensorboard"))


def log_tensorboard(writer: Any, record: dict[str, Any], alphas: dict[str, Any] | None) -> None:
    """Scalars of an epoch record, and each choice's probabilities as one chart per choice."""
    step = record["epoch"]
    for key, value in record.items():
        if key not in ("epoch", "step") and isinstance(value, (int, float)):
            writer.add_scalar(key, value, step)
    for key, probs in (alphas or {}).get("probabilities", {}).items():
        writer.add_scalars(f"arch/{key}", {str(i): p for i, p in enumerate(probs)}, step)
    writer.flush()


def _epoch_end(r: Run, logs: dict[str, list[float]], started: float, ui) -> ast.Document | None:
    """Log the epoch, update the stoppers; return the epoch's genotype (search only)."""
    c = r.config
    record: dict[str, Any] = {
        "epoch": r.epoch,
        "step": r.step,
        "seconds": round(time.time() - started, 3),
    }
    for k, values in logs.items():
        if values:
            record[k] = sum(values) / len(values)
    z = getattr(r.problem.last_out, "z1", None)
    if z is not None and z.ndim == 2:
        from nasiam_dsl.evaluate import std_of_l2_normalized

        record["z_std"] = std_of_l2_normalized(z.float())
        record["z_std_normalised"] = record["z_std"] * math.sqrt(z.shape[1])
    record["lr"] = r.engine.weight_optimizer.param_groups[0]["lr"]
    final = r.epoch >= c.epochs
    if r.dist.is_main and ((c.knn_every and r.epoch % c.knn_every == 0) or final):
        monitor = knn_eval(r)
        if monitor is not None:
            record.update(monitor)
    observations: dict[str, Any] = {"z_std_normalised": record.get("z_std_normalised", 1.0)}
    geno = None
    if c.command == "search":
        geno = derive_genotype(r)
        observations["op_counts"] = op_counts(geno)
        record["op_counts"] = observations["op_counts"]
        if r.dist.is_main:
            append_jsonl(r.run_dir / "alphas.jsonl", alphas_record(r))
    for s in r.stoppers:
        decision = s.update(r.epoch, **observations)
        if decision is not None and r.stop_reason is None:
            r.stop_reason = str(decision)
    if r.dist.is_main:
        append_jsonl(r.run_dir / "metrics.jsonl", record)
    if r.tensorboard is not None:
        log_tensorboard(r.tensorboard, record, alphas_record(r) if c.command == "search" else None)
    ui.epoch_done(r, record)
    return geno


def train_loop(r: Run, ui, max_steps: int | None = None) -> None:
    """Run epochs until the end, an early stop, a signal or `max_steps` (then interrupted)."""
    c = r.config
    total = r.steps_per_epoch * c.epochs
    with _Signals() as signals:
        while r.epoch < c.epochs and r.stop_reason is None:
            started = time.time()
            logs: dict[str, list[float]] = {}
            ui.epoch_start(r)
            while r.train_stream.position < r.steps_per_epoch and r.train_stream.epoch == r.epoch:
                progress = r.step / total
                _set_lr(r.engine.weight_optimizer, c, progress, r.step / r.steps_per_epoch)
                train_batch = next(r.train_stream)
                val_batch = next(r.val_stream) if r.val_stream is not None else None
                step_logs = r.engine.step(r.problem, train_batch, val_batch, progress)
                r.step += 1
                for k, v in step_logs.items():
                    if not math.isfinite(v):
                        raise _NonFinite(k, v)
                    logs.setdefault(k, []).append(v)
                ui.step_done(r, step_logs)
                budget_spent = max_steps is not None and r.step >= max_steps
                reason = signals.received or ("--stop-after" if budget_spent else None)
                if reason:
                    save(r, interrupted=True)
                    write_genotypes(r)
                    raise Interrupted(r.run_dir, f"stopped by {reason} at step {r.step}")
            # the epoch is over (or capped by steps_per_epoch): the stream moves on with it
            r.train_stream.load_state_dict({"epoch": r.epoch + 1, "position": 0})
            r.epoch += 1
            genotype = _epoch_end(r, logs, started, ui)
            save(r)
            write_genotypes(r, genotype)


class _NonFinite(Exception):
    def __init__(self, key: str, value: float):
        super().__init__(f"{key} became {value}")


def new_run_dir(config: RunConfig) -> Path:
    root = Path(config.out)
    name = (
        config.name or f"{config.command}-{Path(config.spec).stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    )
    path = root / name
    i = 1
    while path.exists():
        i += 1
        path = root / f"{name}-{i}"
    return path


def start(config: RunConfig, ui, resume: Path | None = None, max_steps: int | None = None) -> Run:
    """Create (or resume) a run directory and run it to the end."""
    if resume is not None:
        path = Path(resume) / CHECKPOINT
        state = load_checkpoint(path)
        try:
            config = RunConfig.model_validate_json(state["config"])
        except ValueError as e:
            raise UsageProblem(
                f"cannot resume from {path}: its config is not one this nasiam reads "
                f"({str(e).splitlines()[0]})",
                "was it written by another nasiam version?",
            ) from None
        run_dir = Path(resume)
    else:
        state = None
        run_dir = new_run_dir(config)
    r = build(config, run_dir)
    if r.dist.is_main and state is None:
        run_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(run_dir / Path(config.spec).name, r.spec_text)
        atomic_write_text(run_dir / "config.json", config.model_dump_json(indent=2) + "\n")
    if state is not None:
        _restore_or_explain(r, state, Path(resume) / CHECKPOINT)
    if config.tensorboard and r.dist.is_main:
        r.tensorboard = open_tensorboard(run_dir)
    try:
        train_loop(r, ui, max_steps)
    except _NonFinite as e:
        raise UsageProblem(
            _after_non_finite(r, e), "lower the learning rate (--lr / --arch-lr) or check the data"
        ) from None
    if r.dist.is_main:
        _final_weights(r)
    return r


def _restore_or_explain(r: Run, state: dict[str, Any], path: Path) -> None:
    try:
        restore(r, state)
    except (RuntimeError, KeyError, ValueError, TypeError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise UsageProblem(
            f"cannot resume from {path}: it does not match the run its config describes "
            f"({first[:200]})",
            "was the space, framework or backbone changed since?",
        ) from None


def _after_non_finite(r: Run, error: Exception) -> str:
    """Go back to the last good checkpoint (if any) and write its genotype; say what is kept."""
    stopped = f"the loss is not finite ({error}) at step {r.step}; stopped."
    path = r.run_dir / CHECKPOINT
    if not path.exists():
        return f"{stopped} No checkpoint was written before it (none after epoch 1 yet)."
    restore(r, load_checkpoint(path))
    write_genotypes(r)
    return (
        f"{stopped} The last good checkpoint (epoch {r.epoch}, step {r.step}) and its "
        f"genotype are in {r.run_dir}"
    )


def _final_weights(r: Run) -> None:
    import io

    from nasiam_dsl.run.checkpoint import atomic_write_bytes

    for name, module in (("backbone.pt", r.framework.backbone), ("model.pt", r.model)):
        buffer = io.BytesIO()
        torch.save(module.state_dict(), buffer)
        atomic_write_bytes(r.run_dir / name, buffer.getvalue())
    summary = {"epochs": r.epoch, "steps": r.step, "stop_reason": r.stop_reason}
    atomic_write_text(r.run_dir / "summary.json", json.dumps(summary, indent=2) + "\n")
