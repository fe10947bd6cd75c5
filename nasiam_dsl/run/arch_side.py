"""The architecture side of a run: everything `nasiam search` adds to `nasiam train`.

`SearchSide` owns the sampler, the regularisers, the forward tricks, the early stoppers, the
alpha records, the derivation and the genotype files (with their margins); `NoSearch` is its
counterpart for a fixed genotype, so the loop never asks which command it runs. Both have
the same hooks: `set_progress`, `epoch_end`, `write_genotypes`, `state_dict` /
`load_state_dict` (under the checkpoint keys `sampler`, `stoppers` and `tricks`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from torch import nn

from nasiam_dsl.files import append_jsonl, atomic_write_text
from nasiam_dsl.lang import ast
from nasiam_dsl.lang.printer import print_document
from nasiam_dsl.run.config import RunConfig
from nasiam_dsl.run.layout import RunFiles
from nasiam_dsl.run.record import EpochRecord
from nasiam_dsl.search.stoppers import EarlyStopper, get_stopper

_Side = TypeVar("_Side", bound="NoSearch")


@dataclass(frozen=True)
class RunParts:
    """What a search side works on besides the config: the supernet, its space, where it
    writes and whether this process writes at all."""

    supernet: nn.Module
    doc: ast.Document
    framework_name: str
    dir: Path
    is_main: bool


def collapse_stoppers(config: RunConfig) -> list[EarlyStopper]:
    """The stopper every run may have: representation collapse (`collapse_threshold`)."""
    s = config.search
    threshold = s.collapse_threshold
    return [get_stopper("collapse", threshold=threshold, patience=2)] if threshold else []


class NoSearch:
    """A fixed genotype: no architecture; only the collapse stopper watches the run."""

    arch: nn.Module | None = None

    def __init__(self, config: RunConfig, run: RunParts | None = None) -> None:
        """Only the config matters here; `run` is accepted so that both sides build alike."""
        self.stoppers = collapse_stoppers(config)

    @classmethod
    def build(
        cls: type[_Side],
        config: RunConfig,
        supernet: nn.Module,
        doc: ast.Document,
        framework_name: str,
        run_dir: Path,
        is_main: bool,
    ) -> _Side:
        """The side of a run over `supernet` (what `build.COMMANDS` calls)."""
        return cls(config, RunParts(supernet, doc, framework_name, run_dir, is_main))

    def alphas(self) -> dict[str, nn.Parameter]:
        return {}

    def regularisers(self) -> list[Any]:
        return []

    def objective(self) -> Any:
        return None

    def set_progress(self, progress: float, total_steps: int) -> None:
        """Nothing moves with progress without an architecture."""

    @property
    def skips_parameters(self) -> bool:
        """Whether a step may leave some head parameters unused (a hard one-hot draw)."""
        return False

    def probabilities(self) -> dict[str, list[float]]:
        return {}

    def observations(self) -> dict[str, Any]:
        """What the stoppers observe beyond the epoch's record: nothing without a space."""
        return {}

    def epoch_end(self, record: EpochRecord, epoch: int, step: int) -> ast.Document | None:
        """Nothing to derive; the caller updates the stoppers with the record."""
        return None

    def write_genotypes(self, epoch: int, step: int, doc: ast.Document | None = None) -> str:
        return ""

    def state_dict(self) -> dict[str, Any]:
        return {"stoppers": [s.state_dict() for s in self.stoppers]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for s, saved in zip(self.stoppers, state.get("stoppers", []), strict=False):
            s.load_state_dict(saved)


class SearchSide(NoSearch):
    """A space's architecture: relaxation, regularisers, tricks, stoppers and genotypes."""

    def __init__(self, config: RunConfig, run: RunParts | None = None) -> None:
        from nasiam_dsl.search.samplers import get_sampler, sampler_class
        from nasiam_dsl.search.tricks import FeatureTricks, get_trick

        if run is None:
            raise TypeError("a search side needs the run's parts (SearchSide.build)")
        self.config, self.supernet, self.doc = config, run.supernet, run.doc
        self.framework_name, self.run_dir, self.is_main = run.framework_name, run.dir, run.is_main
        self.arch = run.supernet.arch
        s = config.search
        given = {"temperature": s.temperature}  # each sampler takes the options it declares
        options = {k: v for k, v in given.items() if k in sampler_class(s.sampler).options}
        self.arch.sampler = get_sampler(s.sampler, **options)
        self.tricks = FeatureTricks(
            ([get_trick("aux_skip", beta0=s.aux_skip)] if s.aux_skip else [])
            + ([get_trick("partial", k=s.partial_k)] if s.partial_k > 1 else [])
        )
        self.arch.hooks = self.tricks
        wait = s.stop_min_epochs or min(10, math.ceil(config.epochs / 5))
        self.stoppers = collapse_stoppers(config)
        if s.max_param_free is not None:
            cap = {"param_free": s.max_param_free}
            self.stoppers.insert(0, get_stopper("op_count", max_counts=cap, min_epochs=wait))
        if s.stable_epochs is not None:
            stable = get_stopper("ranking_stable", patience=s.stable_epochs, min_epochs=wait)
            self.stoppers.append(stable)

    def alphas(self) -> dict[str, nn.Parameter]:
        return self.arch.alphas()

    def objective(self) -> Any:
        """The label-free term of the architecture loss, or None."""
        from nasiam_dsl.search.objectives import RankObjective

        weight = self.config.search.rank_weight
        return RankObjective(weight) if weight else None

    def regularisers(self) -> list[Any]:
        from nasiam_dsl.search.regularisers import get_regulariser

        s = self.config.search
        regs = []
        if s.beta_decay:
            regs.append(get_regulariser("beta_decay", weight=s.beta_decay))
        if s.param_free_l1:
            masks = {k: m for k, m in self.arch.param_free_masks().items() if bool(m.any())}
            if masks:
                regs.append(get_regulariser("param_free_l1", masks=masks, weight=s.param_free_l1))
        if s.zero_one:
            regs.append(get_regulariser("zero_one", weight=s.zero_one))
        return regs

    def set_progress(self, progress: float, total_steps: int) -> None:
        """The sampler's schedule (Gumbel's temperature) reaches its end at the last step;
        the forward tricks follow the search's progress."""
        steps_done = round(progress * total_steps)
        self.arch.sampler.set_progress(min(1.0, steps_done / max(total_steps - 1, 1)))
        self.tricks.set_progress(progress)

    @property
    def skips_parameters(self) -> bool:
        return bool(self.arch.sampler.stochastic and getattr(self.arch.sampler, "hard", False))

    def probabilities(self) -> dict[str, list[float]]:
        return {
            k: [round(float(x), 6) for x in v.detach().cpu()]
            for k, v in self.arch.probabilities().items()
        }

    def observations(self) -> dict[str, Any]:
        """Each choice's leading candidate (the ranking-stable stopper watches it)."""
        return {"leaders": {k: int(v.argmax()) for k, v in self.arch.probabilities().items()}}

    def provenance(self, epoch: int, step: int) -> dict[str, Any]:
        """Meta entries of a derived genotype (derive adds source_space, space_hash, version)."""
        c = self.config
        return {
            "framework": c.framework,
            "dataset": c.data.dataset,
            "backbone": c.backbone,
            "seed": c.seed,
            "epochs": epoch,
            "steps": step,
            "sampler": c.search.sampler,
        }

    def derive(self, epoch: int, step: int) -> ast.Document:
        """The current genotype, naming the framework it was found in (maybe not the space's)."""
        from nasiam_dsl.compile import derive

        doc = derive(self.supernet, self.doc, meta=self.provenance(epoch, step))
        return doc.model_copy(update={"framework": self.framework_name})

    def epoch_end(self, record: EpochRecord, epoch: int, step: int) -> ast.Document | None:
        """Derive the epoch's genotype, put its op counts in the record, log the alphas."""
        genotype = self.derive(epoch, step)
        record.op_counts = op_counts(genotype)
        if self.is_main:
            line = {"epoch": epoch, "step": step, "probabilities": self.probabilities()}
            append_jsonl(RunFiles(self.run_dir).alphas, line)
        return genotype

    def write_genotypes(self, epoch: int, step: int, doc: ast.Document | None = None) -> str:
        """Write the genotype (`doc`, else derived now) and the top-k; return the best's text."""
        from nasiam_dsl.compile import top_k
        from nasiam_dsl.search.genotype_margins import RANK, SCORE, genotype_with_margins

        probs, normalised = self.probabilities(), self.arch.sampler.normalised
        doc = doc if doc is not None else self.derive(epoch, step)
        doc = genotype_with_margins(self.doc, doc, probs, normalised=normalised)
        framework = {"framework": doc.framework}
        text = print_document(doc)
        if not self.is_main:
            return text
        atomic_write_text(RunFiles(self.run_dir).genotype, text)
        if self.config.search.top_k > 1:
            meta = self.provenance(epoch, step)
            ranked = top_k(self.supernet, self.doc, self.config.search.top_k, meta=meta)
            for i, member in enumerate(ranked[1:], 2):
                ranked_doc = with_meta(
                    member.genotype, **{RANK: i, SCORE: round(member.probability, 6)}
                )
                ranked_doc = genotype_with_margins(
                    self.doc, ranked_doc, probs, normalised=normalised
                )
                text_i = print_document(ranked_doc.model_copy(update=framework))
                atomic_write_text(RunFiles(self.run_dir).ranked(i), text_i)
        return text

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "sampler": self.arch.sampler.state_dict(),
            "tricks": self.tricks.state_dict(),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        if "sampler" in state:
            self.arch.sampler.load_state_dict(state["sampler"])
        if "tricks" in state:
            self.tricks.load_state_dict(state["tricks"])


def with_meta(doc: ast.Document, **entries: Any) -> ast.Document:
    """`doc` with `entries` appended to its meta block."""
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
