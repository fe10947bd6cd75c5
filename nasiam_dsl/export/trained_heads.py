"""The fixed heads of a run's genotype holding the run's final head weights.

After `nasiam train` the framework's heads are the genotype's fixed heads: their weights load
as they are. After a search they are the supernet's: the supernet is rebuilt from the space,
loaded with its weights and architecture parameters, and the chosen path's weights are copied
into the derived genotype's heads (`load_chosen_weights`), as a search hands them to training.
Momentum (EMA) copies of heads are not exported: the online heads are what trained.
"""

from __future__ import annotations

from pathlib import Path

from torch import Tensor, nn

from nasiam_dsl.compile import FixedNet, compile_genotype, compile_space, load_chosen_weights
from nasiam_dsl.export.rundir import FinishedRun
from nasiam_dsl.lang.errors import DSLError
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.usage import UsageProblem

__all__ = ["trained_heads"]

HEADS_PREFIX = "framework.heads."
ARCH_PREFIX = "arch."


def _part(state: dict[str, Tensor], prefix: str) -> dict[str, Tensor]:
    return {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}


def _load(module: nn.Module, state: dict[str, Tensor], path: Path, what: str) -> None:
    if not state:
        raise UsageProblem(f"{path} holds no {what}")
    try:
        module.load_state_dict(state, strict=True)
    except RuntimeError as e:
        first = str(e).splitlines()[0]
        raise UsageProblem(
            f"{path} does not fit the run's {what} ({first[:200]})",
            "was the genotype or space in the run directory edited after the run?",
        ) from None


def trained_heads(files: FinishedRun, backbone_dim: int) -> FixedNet:
    """The genotype's heads with the run's weights, in eval mode."""
    path = RunFiles(files.run_dir).model_weights
    try:
        fixed = compile_genotype(files.genotype, backbone_dim)
    except DSLError as e:  # a width that needs the backbone's: say which file
        e.source, e.filename = files.genotype_text, str(files.genotype_path)
        raise
    heads_state = _part(files.model_state, HEADS_PREFIX)
    if files.space is None:
        _load(fixed.heads, heads_state, path, "genotype heads")
        return fixed.eval()
    try:
        supernet = compile_space(files.space, backbone_dim, seed=files.record.seed)
    except DSLError as e:
        space_path = RunFiles(files.run_dir).spec_copy(files.record.spec)
        e.source, e.filename = space_path.read_text("utf-8"), str(space_path)
        raise
    _load(supernet.heads, heads_state, path, "supernet heads")
    _load(supernet.arch, _part(files.model_state, ARCH_PREFIX), path, "architecture weights")
    try:
        load_chosen_weights(fixed, supernet)
    except ValueError as e:
        raise UsageProblem(
            f"{files.genotype_path} is not a member of the searched space ({e})"
        ) from None
    return fixed.eval()
