"""Learning curves of a run folder: mean and spread over seeds against env steps."""

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from memorax.core import EPISODE_COUNT, EPISODE_LENGTH, EPISODE_RETURN
from memorax.loggers.file import read_metrics

if TYPE_CHECKING:
    from matplotlib.figure import Figure

PLOT_FILE = "learning_curves.png"
STEPS_LABEL = "env steps"
_FIRST_KEYS = (EPISODE_RETURN, EPISODE_LENGTH)
_INDEX = ("step", "seed")


def plot_learning_curves(
    run_dir: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    keys: Sequence[str] | None = None,
) -> Path:
    """Draws the learning curves of a run folder to a PNG and returns its path.

    Reads ``RUN_DIR/metrics.jsonl`` (written by :class:`FileLogger`) and draws one
    panel per metric: x = env steps, line = mean over seeds, band = one standard
    deviation over seeds. ``output`` defaults to ``RUN_DIR/learning_curves.png``;
    ``keys`` defaults to every metric (episode return and length first, the episode
    count left out, prefixed ones too).

    Example:
        >>> plot_learning_curves("runs/ppo-cartpole")  # doctest: +SKIP
        PosixPath('runs/ppo-cartpole/learning_curves.png')
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    output = Path(run_dir) / PLOT_FILE if output is None else Path(output)
    figure = learning_curves_figure(read_metrics(run_dir), keys=keys, title=Path(run_dir).resolve().name)
    FigureCanvasAgg(figure)
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output)
    return output


def learning_curves_figure(
    rows: Sequence[Mapping[str, float | int]], keys: Sequence[str] | None = None, title: str = ""
) -> "Figure":
    """A matplotlib figure of per-seed rows as returned by :func:`read_metrics` (no pyplot state)."""
    from matplotlib.figure import Figure

    if not rows:
        raise ValueError("there are no rows to plot; log at least once with FileLogger before plotting.")
    available = sorted({key for row in rows for key in row} - set(_INDEX))
    if keys is None:
        keys = [key for key in _FIRST_KEYS if key in available]
        keys += [key for key in available if key not in _FIRST_KEYS and not key.endswith(EPISODE_COUNT)]
    missing = [key for key in keys if key not in available]
    if missing or not keys:
        raise ValueError(f"cannot plot {missing or 'nothing'}; the run folder has the metrics {available}.")
    steps = np.array(sorted({int(row["step"]) for row in rows}))
    seeds = sorted({int(row["seed"]) for row in rows})
    num_columns = min(3, len(keys))
    num_rows = math.ceil(len(keys) / num_columns)
    figure = Figure(figsize=(4.5 * num_columns, 3.2 * num_rows), dpi=100, layout="constrained")
    if title:
        figure.suptitle(title)
    for index, key in enumerate(keys):
        axes = figure.add_subplot(num_rows, num_columns, index + 1)
        values = _matrix(rows, key, steps, seeds)
        has_value = ~np.all(np.isnan(values), axis=1)
        with np.errstate(invalid="ignore"):
            mean = np.nanmean(values[has_value], axis=1)
            spread = np.nanstd(values[has_value], axis=1)
        x = steps[has_value]
        # A metric logged once (e.g. a final evaluation) would draw no line: mark its points.
        axes.plot(x, mean, marker="o" if len(x) == 1 else None, label=f"mean over {len(seeds)} seed{'s' * (len(seeds) > 1)}")
        axes.fill_between(x, mean - spread, mean + spread, alpha=0.25, label="± 1 std over seeds")
        axes.set_xlabel(STEPS_LABEL)
        axes.set_ylabel(key)
        axes.grid(alpha=0.3)
        if index == 0:
            axes.legend(loc="best", fontsize="small")
    return figure


def _matrix(rows: Sequence[Mapping[str, float | int]], key: str, steps: np.ndarray, seeds: list[int]) -> np.ndarray:
    """``(steps, seeds)`` values of ``key``, NaN where a seed has no value at a step."""
    step_index = {int(step): i for i, step in enumerate(steps)}
    seed_index = {seed: j for j, seed in enumerate(seeds)}
    values = np.full((len(steps), len(seeds)), np.nan)
    for row in rows:
        if key in row:
            values[step_index[int(row["step"])], seed_index[int(row["seed"])]] = row[key]
    return values
