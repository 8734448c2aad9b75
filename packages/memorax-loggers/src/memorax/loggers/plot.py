"""Learning curves of run folders: mean and spread over seeds against env steps, several runs overlaid."""

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from memorax.core import EPISODE_COUNT, EPISODE_LENGTH, EPISODE_RETURN
from memorax.loggers.file import read_metrics

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

Row = Mapping[str, float | int]

PLOT_FILE = "learning_curves.png"
STEPS_LABEL = "env steps"
_FIRST_KEYS = (EPISODE_RETURN, EPISODE_LENGTH)
_INDEX = ("step", "seed")
_EVAL = "eval/"
_EVAL_LABEL = "evaluation (dashed)"


def plot_learning_curves(
    run_dir: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    keys: Sequence[str] | None = None,
) -> Path:
    """Draws the learning curves of one run folder to a PNG and returns its path.

    Reads ``RUN_DIR/metrics.jsonl`` (written by :class:`FileLogger`); ``output``
    defaults to ``RUN_DIR/learning_curves.png``. See :func:`learning_curves_figure`.

    Example:
        >>> plot_learning_curves("runs/ppo-cartpole")  # doctest: +SKIP
        PosixPath('runs/ppo-cartpole/learning_curves.png')
    """
    output = Path(run_dir) / PLOT_FILE if output is None else Path(output)
    return save_figure(
        learning_curves_figure(read_metrics(run_dir), keys=keys, title=Path(run_dir).resolve().name), output
    )


def save_figure(figure: "Figure", output: str | os.PathLike[str]) -> Path:
    """Writes ``figure`` (from :func:`learning_curves_figure`) to ``output`` (PNG), creating its folder."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    output = Path(output)
    FigureCanvasAgg(figure)
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output)
    return output


def learning_curves_figure(
    runs: Sequence[Row] | Mapping[str, Sequence[Row]],
    keys: Sequence[str] | None = None,
    title: str = "",
    references: Mapping[str, float] | None = None,
) -> "Figure":
    """A matplotlib figure (no pyplot state) of one run's rows or of several labelled runs overlaid.

    ``runs`` is the per-seed rows of :func:`read_metrics`, or ``{label: rows}``. One
    panel per metric: x = env steps, line = mean over seeds, band = one standard
    deviation over seeds, one colour per run. An ``"eval/<key>"`` metric is drawn on
    the panel of ``<key>`` (dashed, with markers), so evaluation shares the training
    return's axes. ``keys`` defaults to every metric except episode counts, episode
    return and length first, dropping metrics that are empty or constant in every
    run. ``references`` (e.g. ``{"memoryless best": -0.5, "perfect memory": 1.0}``)
    are horizontal lines on the episode-return panel.
    """
    from matplotlib.figure import Figure

    series = dict(runs) if isinstance(runs, Mapping) else {"": list(runs)}
    if not any(series.values()):
        raise ValueError("there are no rows to plot; log at least once with FileLogger before plotting.")
    available = sorted({key for rows in series.values() for row in rows for key in row} - set(_INDEX))
    if keys is None:
        keys = _default_keys(series, available)
    missing = [key for key in keys if key not in available]
    if missing or not keys:
        raise ValueError(f"cannot plot {missing or 'nothing'}; the run folder has the metrics {available}.")
    num_columns = min(3, len(keys))
    num_rows = math.ceil(len(keys) / num_columns)
    figure = Figure(figsize=(4.8 * num_columns, 3.4 * num_rows + 0.4), dpi=100, layout="constrained")
    if title:
        figure.suptitle(title)
    colours = [f"C{index % 10}" for index in range(len(series))]
    handles: dict[str, object] = {}
    for index, key in enumerate(keys):
        axes = figure.add_subplot(num_rows, num_columns, index + 1)
        for colour, (label, rows) in zip(colours, series.items()):
            _draw(axes, rows, key, colour, label, dashed=False)
            if f"{_EVAL}{key}" in available and not key.startswith(_EVAL):
                _draw(axes, rows, f"{_EVAL}{key}", colour, label, dashed=True)
        if key == EPISODE_RETURN:
            for (name, value), style in zip((references or {}).items(), (":", "--", "-.")):
                axes.axhline(value, color="0.35", linestyle=style, linewidth=1.2, label=f"{name} ({value:.3g})")
        axes.set_xlabel(STEPS_LABEL)
        axes.set_ylabel(key if f"{_EVAL}{key}" not in available else f"{key} (dashed: evaluation)")
        axes.grid(alpha=0.3)
        for handle, name in zip(*axes.get_legend_handles_labels()):
            handles.setdefault(name, handle)
    if _EVAL_LABEL in handles:  # one grey entry for the dashed evaluation lines of every colour
        from matplotlib.lines import Line2D

        handles[_EVAL_LABEL] = Line2D([], [], color="0.35", linestyle="--", marker="o", markersize=4)
    figure.legend(list(handles.values()), list(handles), loc="outside lower center", ncols=min(4, len(handles)),
                  fontsize="small", frameon=False)  # fmt: skip
    return figure


def _default_keys(series: Mapping[str, Sequence[Row]], available: list[str]) -> list[str]:
    """Every metric worth a panel: not a count, not drawn on another panel, not empty or constant.

    When nothing varies (a run of one update logs one point per metric), the non-empty
    metrics are drawn rather than none.
    """
    candidates = [key for key in _FIRST_KEYS if key in available]
    candidates += [key for key in available if key not in _FIRST_KEYS and not key.endswith(EPISODE_COUNT)]
    candidates = [key for key in candidates if not (key.startswith(_EVAL) and key[len(_EVAL) :] in candidates)]
    finite = {key: _finite_values(series, key) for key in candidates}
    varying = [key for key in candidates if _varies(finite[key])]
    return varying or [key for key in candidates if finite[key].size > 0]


def _finite_values(series: Mapping[str, Sequence[Row]], key: str) -> np.ndarray:
    values = np.array([row[key] for rows in series.values() for row in rows if key in row], dtype=float)
    return values[np.isfinite(values)]


def _varies(values: np.ndarray) -> bool:
    return values.size > 0 and float(values.max() - values.min()) > 1e-12 * max(1.0, float(np.abs(values).max()))


def _draw(axes: "Axes", rows: Sequence[Row], key: str, colour: str, label: str, dashed: bool) -> None:
    """Mean over seeds and a one-std band of ``key`` against env steps."""
    keyed = [row for row in rows if key in row]
    if not keyed:
        return
    steps = np.array(sorted({int(row["step"]) for row in keyed}))
    seeds = sorted({int(row["seed"]) for row in keyed})
    values = _matrix(keyed, key, steps, seeds)
    has_value = ~np.all(np.isnan(values), axis=1)
    with np.errstate(invalid="ignore"):
        mean = np.nanmean(values[has_value], axis=1)
        spread = np.nanstd(values[has_value], axis=1)
    x = steps[has_value]
    seeds_text = f"{len(seeds)} seed{'s' * (len(seeds) > 1)}"
    name = _EVAL_LABEL if dashed else f"{label}{': ' if label else ''}mean ± std over {seeds_text}"
    axes.plot(x, mean, color=colour, linestyle="--" if dashed else "-", marker="o" if dashed or len(x) == 1 else None,
              markersize=4, label=name)
    axes.fill_between(x, mean - spread, mean + spread, color=colour, alpha=0.12 if dashed else 0.22)


def _matrix(rows: Sequence[Row], key: str, steps: np.ndarray, seeds: list[int]) -> np.ndarray:
    """``(steps, seeds)`` values of ``key``, NaN where a seed has no value at a step."""
    step_index = {int(step): i for i, step in enumerate(steps)}
    seed_index = {seed: j for j, seed in enumerate(seeds)}
    values = np.full((len(steps), len(seeds)), np.nan)
    for row in rows:
        if key in row:
            values[step_index[int(row["step"])], seed_index[int(row["seed"])]] = row[key]
    return values
