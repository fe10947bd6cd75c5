"""Building a run from its config: the spec, backbone, heads, framework, data, engine and the
architecture side. Nothing trains here; `loop.py` does.

What differs between `nasiam search` and `nasiam train` is declared once, in `COMMANDS`: the
document kind the command reads, how it compiles, whether the data is halved for
architecture steps, and which architecture side the run gets.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from pydantic import ValidationError
from torch import nn

from nasiam_dsl.frameworks.base import options_problem
from nasiam_dsl.lang import DSLError, ast, check_or_raise, parse_file
from nasiam_dsl.lang.parser import read_source
from nasiam_dsl.optim import (
    autocast,
    build_optimizer,
    exclude_bias_norm,
    grad_scaler,
    resolve_precision,
)
from nasiam_dsl.optim.precision import Precision
from nasiam_dsl.run.arch_side import NoSearch, SearchSide
from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.distributed import DistInfo, broadcast_parameters, init_distributed
from nasiam_dsl.run.memory import check_memory
from nasiam_dsl.run.problem import FrameworkProblem
from nasiam_dsl.run.streams import Streams, open_streams, two_views
from nasiam_dsl.search.engine import DartsEngine
from nasiam_dsl.usage import UsageProblem


def _compile_space(doc: ast.Document, dim: int, seed: int) -> nn.Module:
    from nasiam_dsl.compile import compile_space

    return compile_space(doc, dim, seed=seed)


def _compile_genotype(doc: ast.Document, dim: int, seed: int) -> nn.Module:
    from nasiam_dsl.compile import compile_genotype

    return compile_genotype(doc, dim, seed=seed)


@dataclass(frozen=True)
class Command:
    """What a run command reads and builds."""

    document: str  # the document kind it needs
    hint: str  # how to give it one
    compile: Callable[[ast.Document, int, int], nn.Module]
    halves_data: bool  # the held-out half moves the architecture
    side: type[NoSearch]


COMMANDS: dict[str, Command] = {
    "search": Command(
        "space",
        "search a space: `nasiam search SPACE.nas`; train a genotype with `nasiam train`",
        _compile_space,
        True,
        SearchSide,
    ),
    "train": Command(
        "genotype",
        "train a genotype: the `genotype.nas` a search wrote",
        _compile_genotype,
        False,
        NoSearch,
    ),
}


class RunModel(nn.Module):
    """The framework and the architecture weights in one module, so one state_dict."""

    def __init__(self, framework: nn.Module, arch: nn.Module | None):
        super().__init__()
        self.framework = framework
        if arch is not None:
            self.arch = arch


@dataclass
class Progress:
    """Where a run is: finished epochs and steps, and why it stopped early (if it did)."""

    epoch: int = 0
    step: int = 0
    stop_reason: str | None = None
    knn_random_init: float | None = None  # the monitor before the first step, for epoch 1's record
    #: the current epoch's step logs so far: a resumed epoch's record averages all its steps
    epoch_logs: dict[str, list[float]] = field(default_factory=dict)


@dataclass
class Run:
    """Everything a run's loop touches."""

    config: RunConfig
    run_dir: Path
    dist: DistInfo
    device: torch.device
    doc: ast.Document
    spec_text: str
    model: RunModel
    supernet: nn.Module
    problem: FrameworkProblem
    engine: DartsEngine
    streams: Streams
    side: NoSearch
    progress: Progress = field(default_factory=Progress)

    @property
    def framework(self) -> nn.Module:
        return self.model.framework

    @property
    def epoch(self) -> int:
        return self.progress.epoch

    @property
    def step(self) -> int:
        return self.progress.step

    @property
    def stop_reason(self) -> str | None:
        return self.progress.stop_reason

    @property
    def steps_per_epoch(self) -> int:
        return self.streams.steps_per_epoch


def read_spec(
    config: RunConfig, command: Command, backbone_dim: int, path: Path | None = None
) -> tuple[ast.Document, str]:
    """The checked spec document and its text (from `path`, a resumed run's own copy, when
    given); the wrong kind for the command is a message."""
    path = path if path is not None else Path(config.spec)
    if not path.exists():
        raise UsageProblem(f"spec file not found: {path}")
    doc = parse_file(path)
    text = read_source(path)
    check_or_raise(doc, text, str(path), backbone_dim=backbone_dim)
    if doc.kind != command.document:
        raise UsageProblem(
            f"{path} is a {doc.kind}, but `nasiam {config.command}` needs a {command.document}",
            command.hint,
        )
    return doc, text


def framework_class(name: str):
    from nasiam_dsl.frameworks.registry import get_framework
    from nasiam_dsl.names import UnknownNameError

    try:
        return get_framework(name)
    except UnknownNameError as e:
        raise UsageProblem(f"--framework: {e}") from None


def backbone_of(config: RunConfig, channels: int) -> nn.Module:
    from nasiam_dsl.backbones import build_backbone
    from nasiam_dsl.names import UnknownNameError

    try:
        return build_backbone(config.backbone, in_channels=channels, **config.backbone_options)
    except UnknownNameError as e:
        raise UsageProblem(f"--backbone: {e}") from None


def config_dataset_info(config: RunConfig):
    """The `DatasetInfo` of a run config's dataset (a missing dataset is a usage problem)."""
    from nasiam_dsl.data.datasets import run_dataset_info

    data = config.data
    return run_dataset_info(data.dataset, data.data_dir, data.image_size)


def backbone_dim(config: RunConfig) -> int:
    """The width of the features `config`'s backbone gives on its dataset (built on the meta
    device: nothing is allocated)."""
    channels = config_dataset_info(config).channels
    with torch.device("meta"):
        return int(backbone_of(config, channels).feature_dim)


def heads_for(
    doc: ast.Document, fw_cls, supernet, path: str, backbone_dim: int
) -> dict[str, nn.Module]:
    """The supernet's heads in the framework's slots; missing, extra or misfed heads are
    messages naming the slot."""
    from nasiam_dsl.run.known_names import head_slot_problem

    problem = head_slot_problem([h.name for h in doc.heads], fw_cls.name, fw_cls.head_slots)
    if problem is not None:
        message, hint, _ = problem
        raise UsageProblem(f"{path}: {doc.kind} '{doc.name}': {message}", hint)
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


#: optimisers whose lr is per 256 images, scaled linearly with the global batch
BATCH_SCALED_LR = frozenset({"sgd", "lars"})


def weight_optimizer(config: RunConfig, framework) -> torch.optim.Optimizer:
    """The weights' optimiser over the framework's groups (SimSiam's fixed-lr predictor
    included); with `exclude_bias_norm` each group is split so biases and norm parameters get
    no weight decay (nor LARS adaptation)."""
    o = config.optim
    scale = config.batch_size / 256 if o.optimizer in BATCH_SCALED_LR else 1.0
    lr = o.lr * scale
    groups = framework.param_groups(lr)
    if o.exclude_bias_norm:
        no_decay_lr = o.no_decay_lr * scale if o.no_decay_lr is not None else None
        groups = exclude_bias_norm(groups, o.weight_decay, no_decay_lr)
    return build_optimizer(
        o.optimizer,
        groups,
        lr=lr,
        momentum=o.momentum,
        weight_decay=o.weight_decay,
        eta=o.eta,
        clip_lr=o.clip_lr,
        exclude_bias_norm=bool(o.exclude_bias_norm),
    )


def uses_sync_bn(config: RunConfig, framework: nn.Module, dist: DistInfo) -> bool:
    """`--sync-bn`, or by default: on under DDP unless the framework shuffles its key batch
    across GPUs (MoCo v2's shuffle-BN, its own cross-GPU BatchNorm treatment)."""
    if config.sync_bn is not None:
        return config.sync_bn
    shuffles = bool(getattr(getattr(framework, "config", None), "shuffle_bn", False))
    return dist.enabled and not shuffles


def forward_context(
    precision: Precision, device: torch.device
) -> Callable[[], contextlib.AbstractContextManager]:
    """A factory of the forward's autocast context at `precision`."""
    return lambda: autocast(precision, device)


def build(config: RunConfig, run_dir: Path, spec: Path | None = None) -> Run:
    """Build every part of a run from its config (no training happens here); `spec` is the
    file to read instead of `config.spec` (a resumed run reads its own copy)."""
    from nasiam_dsl.data import DatasetError, dataset_info

    command = COMMANDS[config.command]
    dist, device = init_distributed(config.device)
    precision = resolve_precision(config.precision, device)
    torch.manual_seed(config.seed)
    if config.deterministic:
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
    try:
        info = dataset_info(config.data.dataset, config.data.data_dir)
    except DatasetError as e:
        raise UsageProblem(f"--dataset {config.data.dataset}: {e}") from None
    fw_cls = framework_class(config.framework)
    backbone = backbone_of(config, info.channels)
    feature_dim = int(backbone.feature_dim)
    doc, text = read_spec(config, command, feature_dim, spec)  # may name another framework
    check_memory(config, doc, backbone, info, device, dist.world_size)  # before the supernet
    try:
        supernet = command.compile(doc, feature_dim, config.seed)
    except DSLError as e:
        e.source, e.filename = text, str(spec or config.spec)
        raise
    heads = heads_for(doc, fw_cls, supernet, str(spec or config.spec), feature_dim)
    try:
        framework = fw_cls(backbone, heads, config.framework_options or None)
    except ValidationError as e:
        problem = options_problem(fw_cls.name, fw_cls.Config, e)
        raise UsageProblem(f"--framework-options: {problem}") from None
    except (ValueError, TypeError) as e:
        raise UsageProblem(f"--framework {config.framework}: {e}") from None
    if uses_sync_bn(config, framework, dist):
        from nasiam_dsl.backbones.norm import convert_sync_bn

        convert_sync_bn(framework)  # backbone, heads, momentum copies; before DDP wraps it
    side = command.side.build(config, supernet, doc, fw_cls.name, run_dir, dist.is_main)
    model = RunModel(framework, side.arch)
    on_cuda = device.type == "cuda"
    if on_cuda and config.channels_last:
        model = model.to(memory_format=torch.channels_last)
    model.to(device)
    broadcast_parameters(side.alphas().values())
    ddp = None
    if dist.enabled:
        from torch.nn.parallel import DistributedDataParallel

        ddp = DistributedDataParallel(
            framework,
            device_ids=[device.index] if on_cuda else None,
            find_unused_parameters=side.skips_parameters,
        )
    streams = open_streams(config, info, fw_cls, device, dist, command.halves_data)
    views = two_views(streams.augment, device, on_cuda and config.channels_last)
    problem = FrameworkProblem(framework, views, side.arch, forward_context(precision, device), ddp)
    problem.objective = side.objective()
    head_params = [p for slot in fw_cls.head_slots for p in framework.heads[slot].parameters()]
    total_steps = streams.steps_per_epoch * config.epochs
    engine = DartsEngine(
        side.alphas(),
        weight_optimizer(config, framework),
        head_params,
        config.engine,
        side.regularisers(),
        lambda progress: side.set_progress(progress, total_steps),
        scaler=grad_scaler(precision, device),
    )
    return Run(
        config, run_dir, dist, device, doc, text, model, supernet, problem, engine, streams, side
    )
