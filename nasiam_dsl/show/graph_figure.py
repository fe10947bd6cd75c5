"""The heads' graph drawn with matplotlib: the same boxes and edges as the DOT text
(`dot.head_graphs`), for machines without Graphviz.

A head is a column: its input at the top, its nodes below in the order they are written
(every node reads earlier ones), its output framed twice. A read of the node just above is
a straight arrow; a read that skips nodes arcs on the right; a read that is one candidate
of an open choice is dashed, and a kept pick input carries its probability. A head that
reads another head's output gets a bold arrow from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nasiam_dsl.lang import ast
from nasiam_dsl.show.dot import Box, HeadGraph, Probabilities, head_graphs
from nasiam_dsl.show.figures import DPI, FIGURE_DPI, check_format, new_figure, save, scale

__all__ = ["draw_graph", "graph_size"]

_CHAR_W, _LINE_H, _PAD = 6.6, 13.0, 8.0  # monospace 8 pt at 100 dpi, pixels
_GAP_Y, _GAP_X, _MARGIN, _TITLE = 34.0, 90.0, 20.0, 46.0


@dataclass(frozen=True)
class _Placed:
    box: Box
    x: float  # left
    y: float  # top
    w: float
    h: float

    @property
    def centre(self) -> float:
        return self.x + self.w / 2


def _column(graph: HeadGraph, left: float) -> tuple[dict[str, _Placed], float, float]:
    """The head's boxes placed top-down from `left`; the column's width and height."""
    width = max(_CHAR_W * max(len(line) for line in b.lines) + 2 * _PAD for b in graph.boxes)
    placed, y = {}, _TITLE + _MARGIN + _LINE_H
    for box in graph.boxes:
        h = _LINE_H * len(box.lines) + 2 * _PAD
        placed[box.name] = _Placed(box, left, y, width, h)
        y += h + _GAP_Y
    return placed, width, y - _GAP_Y


def _layout(graphs: list[HeadGraph]) -> tuple[list[dict[str, _Placed]], float, float]:
    columns, left, bottom = [], _MARGIN, 0.0
    for graph in graphs:
        placed, width, height = _column(graph, left)
        columns.append(placed)
        left += width + _GAP_X
        bottom = max(bottom, height)
    return columns, left - _GAP_X + _MARGIN, bottom + _MARGIN


def graph_size(doc: ast.Document, dpi: int = DPI) -> tuple[int, int]:
    """Pixel size of the drawn graph of `doc`."""
    _, width, height = _layout(head_graphs(doc))
    return scale(round(width), round(height), dpi)


def draw_graph(
    doc: ast.Document,
    path: str | Path,
    *,
    title: str | None = None,
    probabilities: Probabilities | None = None,
    dpi: int = FIGURE_DPI,
) -> Path:
    """Draw `doc`'s heads into `path` (PNG, PDF or SVG by its suffix)."""
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    path = Path(path)
    check_format(path.suffix.lstrip("."))
    graphs = head_graphs(doc, probabilities=probabilities)
    columns, width, height = _layout(graphs)
    fig = new_figure(scale(round(width), round(height), dpi), dpi)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    kind = f"{doc.kind} {doc.name}" + (f" for {doc.framework}" if doc.framework else "")
    ax.text(_MARGIN, _MARGIN, title or kind, fontsize=10, va="top", weight="bold")
    if title:
        ax.text(_MARGIN, _MARGIN + 18, kind, fontsize=8, va="top", color="0.3")
    outputs: dict[str, _Placed] = {}
    for graph, placed in zip(graphs, columns, strict=True):
        first = next(iter(placed.values()))
        ax.text(first.x, first.y - 6, f"head {graph.name}", fontsize=8, color="0.35")
        for p in placed.values():
            _draw_box(ax, FancyBboxPatch, p)
            if p.box.kind == "output":
                outputs[graph.name] = p
        order = [b.name for b in graph.boxes]
        for edge in graph.edges:
            tail, target = placed[edge.tail], placed[edge.target]
            skips = order.index(edge.target) - order.index(edge.tail) > 1
            start = (
                (tail.x + tail.w, tail.y + tail.h / 2) if skips else (tail.centre, tail.y + tail.h)
            )
            end = (
                (target.x + target.w, target.y + target.h / 2)
                if skips
                else (target.centre, target.y)
            )
            arrow = FancyArrowPatch(
                start,
                end,
                arrowstyle="-|>",
                mutation_scale=10,
                linewidth=1,
                linestyle="--" if edge.optional else "-",
                connectionstyle="arc3,rad=-0.45" if skips else "arc3",
                color="0.2",
            )
            ax.add_patch(arrow)
            if edge.prob is not None:
                x = (start[0] + end[0]) / 2 + (28 if skips else 6)
                ax.text(x, (start[1] + end[1]) / 2, f"@{edge.prob:g}", fontsize=7, color="0.25")
    for graph, placed in zip(graphs, columns, strict=True):
        source = outputs.get(graph.reads_head or "")
        if source is not None:
            head_input = placed[graph.boxes[0].name]
            ax.add_patch(
                FancyArrowPatch(
                    (source.x + source.w, source.y + source.h / 2),
                    (head_input.x, head_input.y + head_input.h / 2),
                    arrowstyle="-|>",
                    mutation_scale=12,
                    linewidth=2,
                    connectionstyle="arc3,rad=-0.12",
                    color="0.15",
                )
            )
    return save(fig, path)


def _draw_box(ax, patch, p: _Placed) -> None:
    rounding = "round,pad=0,rounding_size=14" if p.box.kind == "input" else "square,pad=0"
    fill = "#eeeeee" if p.box.kind == "input" else "white"
    ax.add_patch(
        patch((p.x, p.y), p.w, p.h, boxstyle=rounding, facecolor=fill, edgecolor="0.2", lw=1)
    )
    if p.box.kind == "output":  # framed twice, as DOT's peripheries=2
        ax.add_patch(
            patch(
                (p.x - 3, p.y - 3),
                p.w + 6,
                p.h + 6,
                boxstyle="square,pad=0",
                fill=False,
                edgecolor="0.2",
                lw=1,
            )
        )
    title, *rest = p.box.lines
    ax.text(p.x + _PAD, p.y + _PAD, title, family="monospace", fontsize=8, va="top", weight="bold")
    if rest:
        ax.text(
            p.x + _PAD,
            p.y + _PAD + _LINE_H,
            "\n".join(rest),
            family="monospace",
            fontsize=8,
            va="top",
            linespacing=1.15,
        )
