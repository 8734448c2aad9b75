"""``memorax plot RUN [RUN ...]``: learning curves of one or more run folders, overlaid, to PNG.

Each run (each value of a sweep run) is one colour; the legend names what differs
between their ``config.yaml`` files (e.g. torso or learning rate). Evaluations are drawn
dashed on the training-return panel, metrics that are empty or constant are dropped,
the built-in memory tasks get memoryless-best and perfect-memory lines, and the title
names the algorithm, torso and env.
"""

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from memorax.cli.experiment import UsageError
from memorax.cli.parsing import ArgumentParser

_NOT_COMPARED = ("sweep", "run_dir", "logger", "logger_mode", "wandb_project", "neptune_project", "dashboard")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dirs", nargs="+", type=Path, help="run folders (memorax train writes them)")
    parser.add_argument("-o", "--output", type=Path, default=None,
                        help="PNG to write (default: RUN/learning_curves.png, or comparison.png next to the runs)")
    parser.add_argument("--keys", nargs="+", default=None, help="metrics to draw (default: all that vary)")


def run(args: argparse.Namespace) -> int:
    try:
        output = plot_runs(args.run_dirs, output=args.output, keys=args.keys)
    except (FileNotFoundError, ValueError) as error:
        print(f"memorax plot: {error}", file=sys.stderr)
        return 1
    print(output)
    return 0


def main(argv: Sequence[str]) -> int:
    parser = ArgumentParser(prog="memorax plot", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


def plot_runs(run_dirs: Sequence[Path], output: Path | None = None, keys: Sequence[str] | None = None) -> Path:
    """Draws the runs (sweep values expanded) into one figure and returns the PNG's path."""
    from memorax.loggers import learning_curves_figure, read_metrics, save_figure

    series = [item for run_dir in run_dirs for item in _series(Path(run_dir))]
    configs = [config for _, config in series]
    labels = _labels([folder for folder, _ in series], configs)
    rows = {label: read_metrics(folder) for label, (folder, _) in zip(labels, series)}
    if output is None:
        output = Path(run_dirs[0]) / "learning_curves.png" if len(run_dirs) == 1 else Path(
            os.path.commonpath([Path(d).resolve() for d in run_dirs])) / "comparison.png"
    figure = learning_curves_figure(rows, keys=keys, title=_title(run_dirs, configs), references=_references(configs))
    return save_figure(figure, output)


def _series(run_dir: Path) -> list[tuple[Path, dict[str, Any] | None]]:
    """``(metrics folder, flat config)`` of each series of a run folder (one per sweep value)."""
    config_path = run_dir / "config.yaml"
    config = _flat(yaml.safe_load(config_path.read_text())) if config_path.is_file() else None
    sweep = run_dir / "sweep"
    if not sweep.is_dir():
        return [(run_dir, config)]
    folders = sorted((p for p in sweep.iterdir() if p.is_dir()), key=lambda p: _sweep_values(p.name))
    return [(folder, _with_sweep_values(config, folder.name)) for folder in folders]


def _sweep_values(label: str) -> tuple[float, ...]:
    return tuple(float(part.split("=", 1)[1]) for part in label.split(","))


def _with_sweep_values(config: dict[str, Any] | None, label: str) -> dict[str, Any] | None:
    if config is None:
        return None
    config = dict(config)
    for part in label.split(","):
        name, value = part.split("=", 1)
        key = next((key for key in config if key.rsplit(".", 1)[-1] == name), name)
        config[key] = float(value)
    return config


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict) and key != "env_kwargs":
            flat.update(_flat(value, f"{prefix}{key}."))
        elif key not in _NOT_COMPARED:
            flat[f"{prefix}{key}"] = value
    return flat


def _labels(folders: list[Path], configs: list[dict[str, Any] | None]) -> list[str]:
    """What differs between the configs, e.g. ``"torso=gru, learning_rate=0.001"``; folder names otherwise."""
    if len(folders) == 1:
        return [""]
    if any(config is None for config in configs):
        return [folder.name for folder in folders]
    keys = sorted({key for config in configs for key in config})
    differing = [key for key in keys if len({repr(config.get(key)) for config in configs}) > 1]
    if not differing:
        return [f"{folder.parent.name}/{folder.name}" for folder in folders]
    return [", ".join(f"{key.rsplit('.', 1)[-1]}={_text(config.get(key))}" for key in differing) for config in configs]


def _text(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _title(run_dirs: Sequence[Path], configs: list[dict[str, Any] | None]) -> str:
    if any(config is None for config in configs):
        return ", ".join(Path(d).resolve().name for d in run_dirs)
    parts = []
    for key in ("algo", "torso", "env"):
        values = list(dict.fromkeys(str(config.get(key)) for config in configs))
        parts.append(" / ".join(values))
    return " · ".join(parts)


def _references(configs: list[dict[str, Any] | None]) -> dict[str, float] | None:
    """Memoryless-best and perfect-memory returns when every run is on the same built-in task."""
    envs = {(config.get("env"), repr(config.get("env_kwargs"))) for config in configs if config is not None}
    if len(envs) != 1 or None in configs:
        return None
    env_id, kwargs = configs[0].get("env"), configs[0].get("env_kwargs") or {}
    if not str(env_id).startswith("memorax::"):
        return None
    try:
        from memorax.environments import make, reference_returns

        return reference_returns(make(env_id, **kwargs)[0])
    except (ImportError, ValueError, TypeError) as error:
        raise UsageError(f"cannot build {env_id} for its reference returns: {error}") from error
