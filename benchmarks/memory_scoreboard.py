"""The memory scoreboard: PPO with every torso on every built-in memory task, 3 seeds.

Each cell is one ``memorax train --seeds 3`` experiment (the CLI's PPO defaults, network sizes
and optimizer; :mod:`memorax.cli.runner` builds and compiles it): the seeds are vmapped and
trained for a fixed budget of env steps per seed in one compiled call, then evaluated on fresh
envs. A cell records
the final evaluation return (mean ± std over the seeds' mean episode returns), the return
normalised between the task's memoryless best (0) and perfect memory (1), env steps per
second of the compiled training call (all seeds) and its compile time.

Results go to ``OUT/memory_scoreboard.json`` after every cell (atomically), so a crash
loses at most the running cell and a rerun resumes where it stopped; the markdown table
``OUT/memory_scoreboard.md`` and the heat map ``OUT/memory_scoreboard.png`` are rewritten
from the JSON at the end (``--render`` alone rewrites them). ``--quick`` is a smoke run: two
torsos, one task, one update.

Run: ``nice -n 10 uv run python benchmarks/memory_scoreboard.py [--total-steps N] [--levels Easy Medium]``.
"""

import argparse
import datetime
import json
import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np

from memorax.cli.main import avoid_xla_cpu_scheduler_deadlock

# Before jax starts a backend: XLA:CPU's concurrency-optimised scheduler deadlocks PPO with an RNN
# torso vmapped over seeds (jaxlib 0.10.2), as the ``memorax`` command knows too.
avoid_xla_cpu_scheduler_deadlock()

from memorax.cli.parsing import experiment_from
from memorax.cli.runner import plan
from memorax.cli.session import evaluate, unfinished_rounds
from memorax.cli.torsos import TORSO_NAMES
from memorax.environments import make, reference_returns
from memorax.environments.tasks.reference import MEMORYLESS, PERFECT
from memorax.environments.tasks.registry import SIZES

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "docs" / "results"
NAME = "memory_scoreboard"
SEEDS = 3
# Steps per evaluation round and env: above every built-in task's time limit up to Medium
# (Labyrinth's 1024), so every evaluation episode ends inside its round and counts.
EVAL_MAX_STEPS = 1024


def memory_tasks() -> list[str]:
    """The built-in tasks with known memoryless and perfect-memory returns (their Easy ids' stems)."""
    return [task for task in SIZES if reference_returns(make(f"memorax::{task}Easy")[0]) is not None]


def run_cell(torso: str, env_id: str, total_steps: int, seeds: int) -> dict[str, Any]:
    """Trains and evaluates one (torso, task) cell, its seeds vmapped in one compiled call; returns its record."""
    import jax

    experiment = experiment_from(
        {"torso": torso, "env": env_id, "total_steps": total_steps, "seeds": seeds, "dashboard": False,
         "eval_max_steps": EVAL_MAX_STEPS}, "scoreboard"
    )
    cell = plan(experiment)
    hyper = cell.sweep.hyper()
    states = jax.block_until_ready(cell.init_states())
    start = time.perf_counter()
    cell.chunk_program.lower(hyper, cell.keys()[1], states, 0, length=cell.num_updates).compile()
    compile_seconds = time.perf_counter() - start
    start = time.perf_counter()  # the call reuses the executable compiled above (jax's compilation cache)
    states, _ = jax.block_until_ready(cell.chunk_program(hyper, cell.keys()[1], states, 0, length=cell.num_updates))
    train_seconds = time.perf_counter() - start
    eval_logs = evaluate(cell, states, cell.num_updates)
    if unfinished_rounds(eval_logs).any():
        raise RuntimeError(
            f"{torso} on {env_id}: an evaluation env finished no episode within {EVAL_MAX_STEPS} steps, so its "
            "mean would leave the longest episodes out; raise EVAL_MAX_STEPS above the task's time limit."
        )
    per_seed = _per_seed_returns(eval_logs)
    references = reference_returns(make(env_id)[0])
    mean = float(np.mean(per_seed))
    low, high = references[MEMORYLESS], references[PERFECT]
    return {
        "torso": torso,
        "env": env_id,
        "env_steps_per_seed": cell.total_steps,
        "seeds": seeds,
        "return_mean": mean,
        "return_std": float(np.std(per_seed)),
        "return_per_seed": [float(value) for value in per_seed],
        "memoryless": low,
        "perfect": high,
        "normalised": (mean - low) / (high - low),
        "env_steps_per_second": cell.total_steps * seeds / train_seconds,
        "compile_seconds": compile_seconds,
        "train_seconds": train_seconds,
    }


def _per_seed_returns(eval_logs: dict[str, np.ndarray]) -> np.ndarray:
    """The mean return of the finished evaluation episodes of each seed, ``(seeds,)`` (NaN: none finished)."""
    done = eval_logs["eval/episode/done"][0].astype(bool)  # (seeds, steps, envs) of the one sweep value
    returns = eval_logs["eval/episode/return"][0]
    counts = done.reshape(done.shape[0], -1).sum(-1)
    sums = np.where(done, returns, 0.0).reshape(done.shape[0], -1).sum(-1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def machine() -> dict[str, Any]:
    import jax

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = ""
    return {
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "backend": jax.default_backend(),
        "jax": jax.__version__,
        "python": platform.python_version(),
        "commit": commit,
        "load_average_at_start": os.getloadavg()[0],
    }


def load(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


def save(path: Path, board: dict[str, Any]) -> None:
    """Writes the JSON atomically (a crash mid-write keeps the previous file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(board, indent=1) + "\n")
    partial.replace(path)


def run(out: Path, torsos: list[str], tasks: list[str], levels: list[str], total_steps: int, seeds: int) -> dict:
    """Runs every missing cell of the board in ``out`` (resuming an existing one of the same budget)."""
    path = out / f"{NAME}.json"
    board = load(path)
    budget = {"algo": "ppo", "env_steps_per_seed": total_steps, "seeds": seeds}
    if board is None or board["budget"] != budget:
        board = {"budget": budget, "machine": machine(), "started": _now(), "cells": []}
    done = {(cell["torso"], cell["env"]) for cell in board["cells"]}
    for level in levels:
        for task in tasks:
            env_id = f"memorax::{task}{level}"
            for torso in torsos:
                if (torso, env_id) in done:
                    continue
                start = time.perf_counter()
                record = run_cell(torso, env_id, total_steps, seeds)
                record["wall_seconds"] = time.perf_counter() - start
                board["cells"].append(record)
                board["finished"] = _now()
                save(path, board)
                print(json.dumps({"name": f"{NAME}/return", "config": {k: record[k] for k in ("torso", "env")},
                                  "value": record["return_mean"], "unit": "return",
                                  "wall_seconds": round(record["wall_seconds"], 1)}), flush=True)
    return board


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


def markdown_table(board: dict[str, Any]) -> str:
    """Models x tasks: normalised return, then a full table of every cell."""
    cells = board["cells"]
    torsos = list(dict.fromkeys(cell["torso"] for cell in cells))
    envs = list(dict.fromkeys(cell["env"] for cell in cells))
    by_key = {(cell["torso"], cell["env"]): cell for cell in cells}
    short = [env.split("::", 1)[1] for env in envs]
    lines = [
        "| torso | " + " | ".join(short) + " | mean |",
        "|---|" + "---:|" * (len(envs) + 1),
    ]
    for torso in sorted(torsos, key=lambda t: _rank(by_key, t, envs)):
        row = [f"{by_key[(torso, env)]['normalised']:.2f}" if (torso, env) in by_key else "–" for env in envs]
        done = sum((torso, env) in by_key for env in envs)
        mean = f"{_mean_normalised(by_key, torso, envs):.2f}" if done == len(envs) else f"({done} of {len(envs)} tasks)"
        lines.append(f"| {torso} | " + " | ".join(row) + f" | {mean} |")
    lines += [
        "",
        "| torso | task | return (mean ± std over seeds) | memoryless | perfect | normalised "
        "| env steps/s | compile s |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for cell in cells:
        lines.append(
            f"| {cell['torso']} | {cell['env'].split('::', 1)[1]} | {cell['return_mean']:.3f} ± {cell['return_std']:.3f} "
            f"| {cell['memoryless']:.3f} | {cell['perfect']:.3f} | {cell['normalised']:.2f} "
            f"| {cell['env_steps_per_second']:,.0f} | {cell['compile_seconds']:.1f} |"
        )
    return "\n".join(lines) + "\n"


def _mean_normalised(by_key: dict, torso: str, envs: list[str]) -> float:
    values = [by_key[(torso, env)]["normalised"] for env in envs if (torso, env) in by_key]
    return float(np.nanmean(values)) if values else float("nan")


def _rank(by_key: dict, torso: str, envs: list[str]) -> tuple[bool, float]:
    """Sort key: torsos with every task first, by mean normalised return; a partial row's mean
    (over the tasks it has) only orders the partial rows, below the complete ones."""
    partial = any((torso, env) not in by_key for env in envs)
    return partial, -_mean_normalised(by_key, torso, envs)


def heat_map(board: dict[str, Any], output: Path) -> Path:
    """Models x tasks, colour = return normalised between memoryless best (0) and perfect memory (1)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    cells = board["cells"]
    envs = list(dict.fromkeys(cell["env"] for cell in cells))
    by_key = {(cell["torso"], cell["env"]): cell for cell in cells}
    torsos = sorted(dict.fromkeys(cell["torso"] for cell in cells), key=lambda t: _rank(by_key, t, envs))
    grid = np.array([[by_key[(t, e)]["normalised"] if (t, e) in by_key else np.nan for e in envs] for t in torsos])
    figure = Figure(figsize=(1.1 * len(envs) + 3, 0.42 * len(torsos) + 2.2))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    image = axes.imshow(np.clip(grid, -0.25, 1.0), cmap="viridis", vmin=-0.25, vmax=1.0, aspect="auto")
    for i in range(len(torsos)):
        for j in range(len(envs)):
            if not np.isnan(grid[i, j]):
                axes.text(j, i, f"{grid[i, j]:.2f}", ha="center", va="center", fontsize=8,
                          color="black" if grid[i, j] > 0.55 else "white")
    axes.set_xticks(range(len(envs)), [env.split("::", 1)[1] for env in envs], rotation=35, ha="right")
    axes.set_yticks(range(len(torsos)), torsos)
    budget = board["budget"]
    axes.set_title(f"PPO, {budget['env_steps_per_seed']:,} env steps per seed, {budget['seeds']} seeds")
    figure.colorbar(image, ax=axes, label="0 = memoryless best, 1 = perfect memory")
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(output, dpi=110)
    return output


def render(out: Path) -> None:
    board = load(out / f"{NAME}.json")
    if board is None or not board["cells"]:
        raise SystemExit(f"no results in {out / f'{NAME}.json'}; run the scoreboard first.")
    (out / f"{NAME}.md").write_text(markdown_table(board))
    heat_map(board, out / f"{NAME}.png")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder of the JSON, markdown and PNG")
    parser.add_argument("--total-steps", type=int, default=32_768, help="env steps per seed and cell")
    parser.add_argument("--seeds", type=int, default=SEEDS, help="seeds trained in parallel (jax.vmap)")
    parser.add_argument("--levels", nargs="+", default=["Easy"], choices=["Easy", "Medium", "Hard"])
    parser.add_argument("--torsos", nargs="+", default=list(TORSO_NAMES), choices=list(TORSO_NAMES))
    parser.add_argument("--tasks", nargs="+", default=None, help="task names (default: every memory task)")
    parser.add_argument("--quick", action="store_true", help="smoke run: mlp and gru, one task, one update")
    parser.add_argument("--render", action="store_true", help="only rewrite the table and heat map from the JSON")
    args = parser.parse_args(argv)
    if args.total_steps < 1 or args.seeds < 1:
        parser.error("--total-steps and --seeds must be >= 1.")
    tasks = args.tasks or memory_tasks()
    unknown = sorted(set(tasks) - set(memory_tasks()))
    if unknown:
        parser.error(f"--tasks {' '.join(unknown)}: not a memory task; choose from {' '.join(memory_tasks())}.")
    if args.quick:
        args.torsos, tasks, args.total_steps, args.seeds = ["mlp", "gru"], tasks[:1], 1, 2
    if not args.render:
        run(args.out, args.torsos, tasks, args.levels, args.total_steps, args.seeds)
    render(args.out)


if __name__ == "__main__":
    main()
