"""Figures of a fake run: PNG files that exist, are valid and have the expected size."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
from PIL import Image

from nasiam_dsl.run.record import EpochRecord
from nasiam_dsl.show.plots import (
    grid_size,
    heatmap_size,
    op_count_series,
    panel_size,
    plot_choice_curves,
    plot_collapse,
    plot_heatmap,
    plot_heatmaps,
    plot_losses,
    render_run,
)
from nasiam_dsl.show.rundir import load_run
from nasiam_dsl.usage import UsageProblem
from tests.show.conftest import FINAL, MakeRun, metrics_lines


def png_size(path: Path) -> tuple[int, int]:
    """The pixel size of a valid PNG file (fails on anything else)."""
    assert path.is_file() and path.stat().st_size > 1000
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(path) as image:
        image.verify()
    with Image.open(path) as image:
        assert image.format == "PNG"
        image.load()
        assert len(image.getcolors(1 << 24) or ()) > 10  # not a blank canvas
        return image.size


def test_sizes_follow_the_content() -> None:
    assert heatmap_size(4, 3) == (820, 350)
    assert heatmap_size(3, 2) == (660, 290)
    assert heatmap_size(4, 3, dpi=50) == (410, 175)
    assert grid_size(7) == (1520, 1340)  # each subplot with its legend beside it
    assert grid_size(1) == (760, 380)
    assert panel_size(3) == (1320, 440)  # legends under the axes


def test_render_run_makes_every_figure(make_run: MakeRun) -> None:
    path = make_run()
    paths = render_run(path)
    assert [p.name for p in paths] == [
        "probabilities-projector.png",
        "probabilities-predictor.png",
        "choices.png",
        "collapse.png",
        "losses.png",
    ]
    assert all(p.parent == path for p in paths)
    sizes = {p.name: png_size(p) for p in paths}
    assert sizes == {  # at 200 dpi: twice the layouts' 100-dpi pixel sizes
        # projector: h1.act, h2.op, h2.act, h3.inputs; up to 3 candidates
        "probabilities-projector.png": (1640, 700),
        # predictor: h.width, h.norm, shared.hidden; 2 candidates
        "probabilities-predictor.png": (1320, 580),
        "choices.png": (3040, 2680),  # 7 choices, 2 a row
        "collapse.png": (2640, 880),  # z_std·√d, RankMe, op counts
        "losses.png": (1760, 880),  # loss, kNN
    }


def test_out_dir_and_dpi(make_run: MakeRun, tmp_path: Path) -> None:
    out = tmp_path / "figures"
    paths = render_run(make_run(), out_dir=out, dpi=50)
    assert all(p.parent == out for p in paths)
    assert png_size(out / "probabilities-projector.png") == (410, 175)
    assert png_size(out / "losses.png") == (440, 220)


def test_vector_formats_for_a_paper(make_run: MakeRun, tmp_path: Path) -> None:
    run = make_run()
    for fmt, magic in (("pdf", b"%PDF"), ("svg", b"<?xml")):
        paths = render_run(run, out_dir=tmp_path / fmt, fmt=fmt)
        assert {p.suffix for p in paths} == {f".{fmt}"} and len(paths) == 5
        assert all(p.read_bytes()[:5].startswith(magic) for p in paths)
    with pytest.raises(UsageProblem, match="--format jpg"):
        render_run(run, fmt="jpg")


def test_each_function_returns_its_path(make_run: MakeRun) -> None:
    run = load_run(make_run())
    assert plot_heatmap(run, "predictor") == run.path / "probabilities-predictor.png"
    assert plot_choice_curves(run) == run.path / "choices.png"
    assert plot_collapse(run) == run.path / "collapse.png"
    assert plot_losses(str(run.path)) == run.path / "losses.png"
    assert [p.name for p in plot_heatmaps(run.path)] == [
        "probabilities-projector.png",
        "probabilities-predictor.png",
    ]


def test_plots_what_the_metrics_have(make_run: MakeRun) -> None:
    metrics = [{"epoch": e, "train/loss": -0.1 * e, "rankme": 5.0 + e} for e in range(1, 4)]
    path = make_run(metrics=metrics)
    paths = {p.name: p for p in render_run(path)}
    assert png_size(paths["collapse.png"]) == panel_size(1, 200)  # RankMe only
    assert png_size(paths["losses.png"]) == panel_size(1, 200)  # train loss only


def test_a_run_without_alphas_gets_metric_figures_only(make_run: MakeRun) -> None:
    path = make_run(space=None, genotype=None, final=None, metrics=metrics_lines(op_counts=False))
    assert [p.name for p in render_run(path)] == ["collapse.png", "losses.png"]
    assert png_size(path / "collapse.png") == panel_size(2, 200)
    with pytest.raises(UsageProblem, match=r"alphas.jsonl is missing or empty"):
        plot_heatmaps(path)
    with pytest.raises(UsageProblem, match=r"alphas.jsonl is missing or empty"):
        plot_choice_curves(path)


def test_a_run_without_metrics(make_run: MakeRun) -> None:
    path = make_run()
    (path / "metrics.jsonl").unlink()
    assert [p.name for p in render_run(path)][-1] == "choices.png"
    with pytest.raises(UsageProblem, match=r"metrics.jsonl is missing or empty"):
        plot_collapse(path)
    with pytest.raises(UsageProblem, match=r"metrics.jsonl is missing or empty"):
        plot_losses(path)


def test_metrics_without_what_a_panel_needs(make_run: MakeRun) -> None:
    path = make_run(metrics=[{"epoch": 1, "lr": 0.1}])
    with pytest.raises(UsageProblem, match=r"no z_std_normalised, rankme or op counts"):
        plot_collapse(path)
    with pytest.raises(UsageProblem, match=r"no train/loss, heldout/loss or knn"):
        plot_losses(path)
    assert [p.name for p in render_run(path)][-1] == "choices.png"


def test_heatmap_without_the_space_uses_numbers(make_run: MakeRun) -> None:
    path = make_run(space=None)
    paths = plot_heatmaps(path)
    # no space: keys are grouped by their prefix, shared keys on their own
    assert [p.name for p in paths] == [
        "probabilities-projector.png",
        "probabilities-predictor.png",
        "probabilities-shared.png",
    ]
    assert png_size(paths[1]) == heatmap_size(2, 2, 200)


def test_unknown_head(make_run: MakeRun) -> None:
    with pytest.raises(UsageProblem, match=r"head 'nope' has no choices .*projector, predictor"):
        plot_heatmap(make_run(), "nope")


def test_a_space_without_open_choices(make_run: MakeRun) -> None:
    path = make_run(final={})
    with pytest.raises(UsageProblem, match=r"no open choice"):
        plot_choice_curves(path)
    assert plot_heatmaps(path) == []
    assert [p.name for p in render_run(path)] == ["collapse.png", "losses.png"]


def test_not_a_run_directory(tmp_path: Path) -> None:
    with pytest.raises(UsageProblem, match=r"not a run directory"):
        render_run(tmp_path)


def test_op_count_shapes() -> None:
    records = [
        {"epoch": 1, "op_counts": {"projector": {"param_free": 2}, "predictor": 1}},
        {"epoch": 2, "op_counts/projector/param_free": 1, "param_free/predictor": 0},
        {"epoch": 3, "lr": 0.1},
    ]
    assert op_count_series([EpochRecord.from_line(r) for r in records]) == {
        "projector param_free": ([1.0, 2.0], [2.0, 1.0]),
        "predictor param_free": ([1.0, 2.0], [1.0, 0.0]),
    }


# ---- what the figures say: chance, verdicts, honest axes ------------------------------------


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts] + [ax.get_title() for ax in fig.axes]


def test_curves_draw_chance_and_say_the_verdict(make_run: MakeRun) -> None:
    from nasiam_dsl.show.plots import choice_curves_figure

    final = {**FINAL, "projector.h3.inputs": [0.48, 0.52]}
    fig = choice_curves_figure(load_run(make_run(final=final)))
    by_title = {ax.get_title().split(" — ")[0]: ax for ax in fig.axes if ax.get_visible()}
    h1 = by_title["projector.h1.act"]
    chance = [line for line in h1.get_lines() if line.get_label() == "chance (1/3)"]
    assert len(chance) == 1 and list(chance[0].get_ydata()) == [1 / 3, 1 / 3]
    assert h1.get_title() == "projector.h1.act — decided: 3.73x the runner-up"
    h3 = by_title["projector.h3.inputs"]
    assert [ln.get_ydata()[0] for ln in h3.get_lines() if ln.get_label() == "chance (1/2)"] == [0.5]
    assert h3.get_title() == "projector.h3.inputs — undecided: 1.08x the runner-up"
    assert h3.title.get_color() != h1.title.get_color()
    # inside the op candidate the genotype did not keep: said to be hidden, not judged
    h2 = by_title["projector.h2.act"]
    assert h2.get_title() == "projector.h2.act — hidden: not in the genotype"
    assert fig.texts[0].get_text().startswith("run (tiny, seed 0)")  # the run named
    assert h1.get_ylim() == (-0.02, 1.02) and h1.get_xlabel() == "epoch"


def test_sigmoid_runs_draw_chance_at_one_half(make_run: MakeRun) -> None:
    import json

    from nasiam_dsl.show.plots import choice_curves_figure

    path = make_run()
    config = json.loads((path / "config.json").read_text("utf-8"))
    config["search"] = {"sampler": "sigmoid"}
    (path / "config.json").write_text(json.dumps(config), "utf-8")
    fig = choice_curves_figure(load_run(path))
    labels = {ln.get_label() for ax in fig.axes for ln in ax.get_lines()}
    assert "chance (0.5)" in labels and "chance (1/3)" not in labels


def test_heatmap_marks_chance_undecided_rows_and_whole_names(make_run: MakeRun) -> None:
    from matplotlib.patches import Rectangle

    from nasiam_dsl.show.plots import heatmap_figure

    final = {**FINAL, "projector.h3.inputs": [0.48, 0.52]}
    fig = heatmap_figure(load_run(make_run(final=final)), "projector")
    ax, cax = fig.axes
    assert sorted(round(ln.get_ydata()[0], 4) for ln in cax.get_lines()) == [
        0.3333,
        0.3333,
        0.5,
        0.5,
    ]
    assert {"chance 1/3", "chance 1/2"} <= {t.get_text() for t in cax.texts}
    texts = " ".join(t.get_text().replace("\n", " ") for t in ax.texts)
    assert "linear(h1, 32) | bn | act(acts)" in texts  # wrapped, never cut
    assert "…" not in texts
    assert "undecided: 1.08x the runner-up" in texts and "decided: 3.73x the runner-up" in texts
    assert "hidden: not in the genotype" in texts  # h2.act, inside the dropped candidate
    frames = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert sorted(p.get_linestyle() for p in frames) == ["-", "-", "--"]  # h3's pick: undecided
    assert cax.get_title() == "p" and ax.get_xlabel().startswith("candidate")


def test_fit_text_wraps_or_shrinks_but_keeps_every_character() -> None:
    from nasiam_dsl.show.figures import fit_text, wrap

    name = "linear(h1, backbone, bias=false) | bn | act(acts) | dropout(p=0.1) | identity"
    text, size = fit_text(name, 150, 40, 7)
    assert text.replace("\n", "").replace(" ", "") == name.replace(" ", "")
    assert size < 7
    assert wrap("linear(h1, 32) | bn | act(acts)", 16) == "linear(h1, 32) |\nbn | act(acts)"


def test_collapse_axis_is_fixed_and_knn_says_one_point(make_run: MakeRun) -> None:
    from nasiam_dsl.show.panels import collapse_panels, loss_panels, panels_figure

    metrics = metrics_lines()
    for r in metrics[:-1]:
        del r["knn"]
    metrics[0]["knn_random_init"] = 0.21
    run = load_run(make_run(metrics=metrics))
    fig = panels_figure(run, "collapse", collapse_panels(run), 100)
    z = fig.axes[0]
    assert z.get_ylim() == (0.0, 1.05)
    assert z.get_ylabel() and all(ax.get_xlabel() == "epoch" for ax in fig.axes)
    fig = panels_figure(run, "losses", loss_panels(run), 100)
    knn = fig.axes[1]
    assert knn.get_title() == (
        "kNN top-1 accuracy\n(read once, epoch 3; --knn-every 1 draws its curve)"
    )
    assert knn.get_xlim() == (0.75, 3.25)  # the run's epochs, not a zoom on one point
    assert [ln.get_label() for ln in knn.get_lines()] == ["kNN", "random init: 0.210"]
    metrics[-1]["knn_chance"] = 0.1
    run = load_run(make_run("with-chance", metrics=metrics))
    knn = panels_figure(run, "losses", loss_panels(run), 100).axes[1]
    chance = [ln for ln in knn.get_lines() if ln.get_label() == "chance: 1/10"]
    assert len(chance) == 1 and chance[0].get_ydata()[0] == 0.1
    assert knn.get_lines()[0].get_marker() == "o"


def test_knn_over_epochs_is_a_line(make_run: MakeRun) -> None:
    from nasiam_dsl.show.panels import loss_panels, panels_figure

    run = load_run(make_run())
    knn = panels_figure(run, "losses", loss_panels(run), 100).axes[1]
    assert knn.get_title() == "kNN top-1 accuracy"
    assert len(knn.get_lines()[0].get_xdata()) == 3 and knn.get_ylim() == (0.0, 1.0)
