"""Scalars to JSON lines and CSV files: the run folder that ``memorax plot`` reads.

Layout of a run folder::

    RUN_DIR/
        metrics.jsonl       one row per seed per log call: {"step": 4096, "seed": 0, "episode/return": 21.5, ...}
        metrics.csv         the same rows; columns step, seed, then the metric names sorted
        metrics_mean.jsonl  one row per log call, the NaN-ignoring mean over seeds: {"step": 4096, ...}
        metrics_mean.csv    the same rows as CSV

Numbers are JSON numbers; NaN and infinities (e.g. no episode ended during that call)
are ``null`` in JSON and empty cells in CSV. Rows are appended, so a resumed run
keeps writing to the same folder.
"""

import csv
import json
import math
import os
from pathlib import Path

from memorax.core import Logs
from memorax.loggers._scalars import as_step, reduce_logs

METRICS_JSONL = "metrics.jsonl"
METRICS_CSV = "metrics.csv"
MEAN_JSONL = "metrics_mean.jsonl"
MEAN_CSV = "metrics_mean.csv"


class FileLogger:
    """Writes every scalar with its step, per seed and across seeds, into ``directory``.

    Example:
        >>> logger = FileLogger("runs/ppo-cartpole")
        >>> logger.log(logs, step=int(logs["step"]))  # doctest: +SKIP
        >>> logger.finish()
        >>> read_metrics("runs/ppo-cartpole")  # doctest: +SKIP
    """

    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._tables = {
            METRICS_JSONL: _Table(self.directory / METRICS_JSONL, self.directory / METRICS_CSV, ("step", "seed")),
            MEAN_JSONL: _Table(self.directory / MEAN_JSONL, self.directory / MEAN_CSV, ("step",)),
        }

    def log(self, logs: Logs, step: int) -> None:
        step = as_step(step)
        scalars = reduce_logs(logs)
        self._tables[METRICS_JSONL].append(
            [{"step": step, "seed": seed, **scalars.seed(seed)} for seed in range(scalars.num_seeds)]
        )
        self._tables[MEAN_JSONL].append([{"step": step, **scalars.across_seeds}])

    def finish(self) -> None:
        """Nothing is buffered: every ``log`` call is on disk when it returns."""


def read_metrics(run_dir: str | os.PathLike[str], across_seeds: bool = False) -> list[dict[str, float | int]]:
    """Reads the rows a :class:`FileLogger` wrote, with ``null`` back to NaN.

    Per-seed rows by default; ``across_seeds=True`` reads the mean over seeds.
    """
    path = Path(run_dir) / (MEAN_JSONL if across_seeds else METRICS_JSONL)
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} does not exist; a run folder is written by memorax.loggers.FileLogger(RUN_DIR)."
        )
    return [
        {key: math.nan if value is None else value for key, value in json.loads(line).items()}
        for line in path.read_text().splitlines()
        if line.strip()
    ]


class _Table:
    """Rows appended to a JSON lines file and mirrored to a CSV whose columns may grow."""

    def __init__(self, jsonl: Path, csv_path: Path, index: tuple[str, ...]) -> None:
        self.jsonl, self.csv_path, self.index = jsonl, csv_path, index
        self.rows = read_metrics(jsonl.parent, across_seeds=jsonl.name == MEAN_JSONL) if jsonl.is_file() else []
        self.columns = self._columns_of(self.rows)

    def append(self, rows: list[dict[str, float | int]]) -> None:
        with self.jsonl.open("a") as file:
            for row in rows:
                file.write(json.dumps({key: _json_number(value) for key, value in row.items()}) + "\n")
        self.rows.extend(rows)
        columns = self._columns_of(self.rows)
        if columns != self.columns or not self.csv_path.is_file():
            self.columns = columns
            self._write_csv(self.rows, mode="w")
        else:
            self._write_csv(rows, mode="a")

    def _columns_of(self, rows: list[dict[str, float | int]]) -> list[str]:
        names = sorted({key for row in rows for key in row} - set(self.index))
        return [*self.index, *names]

    def _write_csv(self, rows: list[dict[str, float | int]], mode: str) -> None:
        with self.csv_path.open(mode, newline="") as file:
            writer = csv.DictWriter(file, fieldnames=self.columns, restval="")
            if mode == "w":
                writer.writeheader()
            writer.writerows({key: _csv_number(value) for key, value in row.items()} for row in rows)


def _json_number(value: float | int) -> float | int | None:
    return value if isinstance(value, int) or math.isfinite(value) else None


def _csv_number(value: float | int) -> float | int | str:
    return value if isinstance(value, int) or math.isfinite(value) else ""
