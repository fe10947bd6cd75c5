"""How decided a run's choices are, shown as a rich table: the margins of a run
directory's genotype (`search.genotype_margins`) under the sampler its config names."""

from __future__ import annotations

from collections.abc import Mapping

from rich import box
from rich.table import Table
from rich.text import Text

from nasiam_dsl.search.genotype_margins import document_margins
from nasiam_dsl.search.margins import (
    Margin,
    summary_sentence,
)
from nasiam_dsl.show.rundir import RunDir

__all__ = [
    "decisions_table",
    "decisions_view",
    "run_margins",
    "run_normalised",
    "run_sampler",
]


def run_normalised(run: RunDir) -> bool:
    """Whether the weights of the sampler a run's config names sum to 1 over a choice's
    candidates (`Sampler.normalised`; the registry's class says, softmax when none is named).
    """
    from nasiam_dsl.search.samplers import sampler_class

    return bool(sampler_class(run_sampler(run)).normalised)


def run_sampler(run: RunDir) -> str:
    """The sampler a run's config names (softmax when it names none)."""
    search = run.config.get("search")
    sampler = search.get("sampler") if isinstance(search, dict) else None
    return sampler if isinstance(sampler, str) else "softmax"


def run_margins(run: RunDir, *, kept_only: bool = True) -> dict[str, Margin]:
    """The margins of a run directory's last architecture probabilities ({} if none)."""
    return document_margins(
        run.space,
        run.final_probabilities(),
        genotype=run.genotype,
        normalised=run_normalised(run),
        kept_only=kept_only,
    )


# ---- the terminal table --------------------------------------------------------------------


def _cut(text: str, limit: int = 32) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def decisions_table(
    found: Mapping[str, Margin], *, title: str = "how decided each choice is"
) -> Table:
    """One row per decision: chosen (p), runner-up (p), how many times as probable the
    chosen is (the verdict's measure), the lead in probability, verdict."""
    table = Table(title=title, header_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("decision", style="cyan", no_wrap=True)
    table.add_column("chosen", overflow="fold", min_width=8)
    table.add_column("p", justify="right", no_wrap=True)
    table.add_column("runner-up", overflow="fold", min_width=8)
    table.add_column("p", justify="right", no_wrap=True)
    table.add_column("ratio", justify="right", no_wrap=True)
    table.add_column("lead", justify="right", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    for key, m in found.items():
        style = "" if m.decided else "yellow"
        table.add_row(
            key,
            Text(", ".join(_cut(n) for n in m.chosen_names), style=style),
            f"{m.p:.3f}",
            _cut(m.runner_up_name) if m.runner_up_name is not None else "-",
            f"{m.runner_up_p:.3f}" if m.runner_up_p is not None else "-",
            Text(m.ratio_text, style=style),
            f"{m.over_runner_up:+.3f}",
            Text(m.verdict, style="green" if m.decided else "bold yellow"),
        )
    return table


def decisions_view(found: Mapping[str, Margin]) -> Table:
    """The table with its one-sentence reading as the caption, ready to print."""
    table = decisions_table(found)
    table.caption = summary_sentence(found)
    table.caption_justify = "left"
    return table
