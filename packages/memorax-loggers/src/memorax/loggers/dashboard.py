"""A live terminal dashboard (rich), or plain lines when stdout is not a terminal."""

import datetime
import math
import time
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
from rich.console import Console, Group
from rich.live import Live
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from memorax.core import EPISODE_RETURN, Logs
from memorax.loggers._scalars import as_step, reduce_logs

_MAX_SEED_COLUMNS = 8


class DashboardLogger:
    """Shows training progress live: where the run is, how fast it goes, how well it does.

    Shows a progress bar over ``total_steps`` env steps, steps per second, elapsed
    and remaining time, the latest mean episode return per seed and across seeds
    (the last value seen: a log call in which no episode ended keeps the previous
    one), and the latest value of every other scalar grouped by the prefix before
    ``/`` (``losses/actor`` under ``losses``), averaged over seeds.

    Until the first ``log`` call it shows "compiling" with the elapsed time (the first
    call of a jitted train returns once XLA has compiled it). Steps per second are
    measured between the first and the latest ``log`` call, so compilation does not
    count. When the console is not a terminal (CI logs, files) or ``live=False``, it
    prints one plain line at construction and one per ``log`` call instead.
    ``series_labels`` names the columns of the leading axis (default ``"seed k"``),
    e.g. ``"lr=0.001 seed 0"`` for sweeps.

    Example:
        >>> dashboard = DashboardLogger(total_steps=1_000_000)
        >>> dashboard.log(logs, step=int(logs["step"]))  # doctest: +SKIP
        >>> dashboard.finish()
    """

    def __init__(
        self,
        total_steps: int,
        *,
        title: str = "memorax",
        console: Console | None = None,
        refresh_per_second: float = 4.0,
        series_labels: Sequence[str] | None = None,
        live: bool | None = None,
    ) -> None:
        if total_steps <= 0:
            raise ValueError(f"total_steps must be positive (the env steps of the whole run); got {total_steps}.")
        self.total_steps = int(total_steps)
        self.title = title
        self.series_labels = None if series_labels is None else list(series_labels)
        self.console = console if console is not None else Console()
        self._start_time = time.monotonic()
        self._first: tuple[int, float] | None = None
        self._step = 0
        self._step_time = self._start_time
        self._return_per_seed = np.array([])
        self._return = math.nan
        self._groups: dict[str, dict[str, float]] = {}
        self._finished = False
        self._live: Live | None = None
        if self.console.is_terminal if live is None else live:
            self._live = Live(
                get_renderable=self._render, console=self.console, refresh_per_second=refresh_per_second
            )
            self._live.start()
        else:
            self.console.print(f"[{self.title}] compiling ...", markup=False, highlight=False, soft_wrap=True)

    def log(self, logs: Logs, step: int) -> None:
        step = as_step(step)
        now = time.monotonic()
        if self._first is None:
            self._first = (step, now)
        if step > self._step or self._first == (step, now):  # a second log at the same step (e.g. an
            self._step, self._step_time = step, now  # evaluation) does not move the rate
        scalars = reduce_logs(logs)
        if EPISODE_RETURN in scalars.per_seed:
            latest = scalars.per_seed[EPISODE_RETURN]
            if self._return_per_seed.shape != latest.shape:
                self._return_per_seed = np.full(latest.shape, np.nan)
            self._return_per_seed = np.where(np.isnan(latest), self._return_per_seed, latest)
            if not np.all(np.isnan(self._return_per_seed)):
                self._return = float(np.nanmean(self._return_per_seed))
        groups: dict[str, dict[str, float]] = defaultdict(dict)
        for key, value in scalars.across_seeds.items():
            if key != EPISODE_RETURN:
                group, _, name = key.rpartition("/")
                groups[group or "other"][name] = value
        self._groups = dict(groups)
        if self._live is not None:
            self._live.refresh()
        else:
            self.console.print(self._line(), markup=False, highlight=False, soft_wrap=True)

    def finish(self) -> None:
        """Stops the live display (the last frame stays on screen); safe to call twice."""
        if self._finished:
            return
        self._finished = True
        if self._live is not None:
            self._live.stop()
        else:
            elapsed = _duration(time.monotonic() - self._start_time)
            self.console.print(
                f"[{self.title}] finished at step {self._step:,} after {elapsed}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )

    def _rate(self) -> float:
        """Env steps per second between the first and the latest ``log`` call; NaN before two calls."""
        if self._first is None:
            return math.nan
        first_step, first_time = self._first
        if self._step_time > first_time and self._step > first_step:
            return (self._step - first_step) / (self._step_time - first_time)
        return math.nan

    def _timing(self) -> str:
        elapsed = time.monotonic() - self._start_time
        if self._first is None:
            return f"compiling ... elapsed {_duration(elapsed)}"
        rate = self._rate()
        remaining = max(self.total_steps - self._step, 0) / rate if rate > 0 else math.nan
        shown = "-" if math.isnan(rate) else f"{rate:,.0f}"
        return f"{shown} steps/s | elapsed {_duration(elapsed)} | remaining {_duration(remaining)}"

    def _progress(self) -> str:
        fraction = min(self._step / self.total_steps, 1.0)
        return f"step {self._step:,}/{self.total_steps:,} ({fraction:.1%})"

    def _line(self) -> str:
        parts = [f"[{self.title}] {self._progress()}", self._timing()]
        if self._return_per_seed.size:
            seeds = " ".join(_number(value) for value in self._return_per_seed)
            parts.append(f"return {_number(self._return)} (seeds: {seeds})")
        for group, values in sorted(self._groups.items()):
            parts.append(" ".join(f"{group}/{name} {_number(value)}" for name, value in sorted(values.items())))
        return " | ".join(parts)

    def _render(self) -> Panel:
        header = Table.grid(expand=True, padding=(0, 1))
        header.add_column(ratio=1)
        header.add_column(justify="right")
        header.add_row(ProgressBar(total=self.total_steps, completed=min(self._step, self.total_steps)), self._progress())
        header.add_row(Text(self._timing(), style="dim"), "")
        parts: list[Table | Text] = [header]
        if self._return_per_seed.size:
            returns = Table(title="episode return (latest)", title_justify="left", expand=False)
            returns.add_column("mean", justify="right", style="bold")
            shown = self._return_per_seed[:_MAX_SEED_COLUMNS]
            for seed in range(shown.size):
                returns.add_column(self._label(seed), justify="right")
            if self._return_per_seed.size > shown.size:
                returns.add_column(f"+{self._return_per_seed.size - shown.size} seeds")
            cells = [_number(self._return), *(_number(value) for value in shown)]
            returns.add_row(*cells, *([""] if self._return_per_seed.size > shown.size else []))
            parts.append(returns)
        if self._groups:
            table = Table(title="latest, mean over seeds", title_justify="left", show_header=False)
            table.add_column(style="cyan")
            table.add_column()
            table.add_column(justify="right")
            for group, values in sorted(self._groups.items()):
                for row, (name, value) in enumerate(sorted(values.items())):
                    table.add_row(group if row == 0 else "", name, _number(value))
            parts.append(table)
        return Panel(Group(*parts), title=self.title, title_align="left")


    def _label(self, index: int) -> str:
        if self.series_labels is not None and index < len(self.series_labels):
            return self.series_labels[index]
        return f"seed {index}"


def _number(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:.4g}" if abs(value) < 1e5 else f"{value:.3e}"


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    return str(datetime.timedelta(seconds=round(seconds)))
