"""The training loop of ``memorax train`` and ``memorax resume``: chunks, loggers, evaluations, checkpoints.

Run folder layout::

    RUN/config.yaml          the experiment; `memorax train --config RUN/config.yaml` reruns it
    RUN/metrics.jsonl ...    FileLogger rows (a sweep: RUN/sweep/<field=value>/metrics.jsonl ...)
    RUN/checkpoints/<step>/  Orbax checkpoints of every seed and sweep value
    RUN/learning_curves.png  `memorax plot RUN`
    RUN/tensorboard, RUN/wandb, RUN/neptune   optional backends (--logger)

Across processes (:mod:`memorax.cli.cluster`) every process computes, checkpoints and gathers
the logs; only process 0 writes them, draws the dashboard and prints.
"""

import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from memorax.cli import cluster
from memorax.cli.experiment import Experiment, to_mapping
from memorax.cli.runner import EVAL_ROUNDS, Plan

CHECKPOINTS = "checkpoints"
SWEEP = "sweep"


def value_dirs(run_dir: Path, plan: Plan) -> list[Path]:
    """The metrics folder of each sweep value (the run folder itself without a sweep)."""
    labels = plan.sweep.labels()
    return [run_dir] if labels == [""] else [run_dir / SWEEP / label for label in labels]


class RunLoggers:
    """Sends each sweep value's logs to its own loggers and all of them to the dashboard (on process 0;
    the other processes log nothing)."""

    def __init__(self, plan: Plan, run_dir: Path) -> None:
        from memorax.loggers import DashboardLogger, FileLogger, MultiLogger

        self._writes = cluster.is_main_process()
        if not self._writes:
            return
        experiment = plan.experiment
        labels = plan.sweep.labels()
        self._per_value = [
            MultiLogger([FileLogger(folder), *_backends(experiment, run_dir, label)])
            for folder, label in zip(value_dirs(run_dir, plan), labels)
        ]
        series = [f"{label} seed {seed}".strip() for label in labels for seed in range(experiment.seeds)]
        self.dashboard = DashboardLogger(
            total_steps=plan.total_steps,
            title=f"memorax {experiment.algo} {experiment.torso} {experiment.env}",
            series_labels=series,
            live=experiment.dashboard,
        )

    def log(self, logs: dict[str, Any], step: int) -> None:
        if not self._writes:
            return
        logs = {key: np.asarray(value) for key, value in logs.items()}
        for index, logger in enumerate(self._per_value):
            logger.log({key: value[index] for key, value in logs.items()}, step)
        self.dashboard.log({key: value.reshape(-1, *value.shape[2:]) for key, value in logs.items()}, step)

    def finish(self) -> None:
        if not self._writes:
            return
        for logger in self._per_value:
            logger.finish()
        self.dashboard.finish()


def _backends(experiment: Experiment, run_dir: Path, label: str) -> list[Any]:
    from memorax.loggers import NeptuneLogger, TensorBoardLogger, WandbLogger

    name = f"{run_dir.name}/{label}" if label else run_dir.name
    offline = experiment.logger_mode == "offline"
    makers = {
        "tensorboard": lambda: TensorBoardLogger(run_dir / "tensorboard" / label),
        "wandb": lambda: WandbLogger(
            project=experiment.wandb_project, name=name, group=run_dir.name, config=to_mapping(experiment),
            mode="offline" if offline else "online", directory=run_dir / "wandb",
        ),
        "neptune": lambda: NeptuneLogger(
            experiment.neptune_project, experiment_name=name.replace("/", "-"),
            config=to_mapping(experiment), mode="offline" if offline else "async", log_directory=run_dir / "neptune",
        ),
    }  # fmt: skip
    return [makers[backend]() for backend in experiment.logger]


def evaluate(plan: Plan, states: Any, update: int) -> dict[str, np.ndarray]:
    """Evaluation logs ``(values, seeds, steps, envs, ...)`` from rounds of ``eval_max_steps`` per env on
    fresh envs, until every seed finished ``eval_episodes`` episodes (at most EVAL_ROUNDS rounds)."""
    from memorax.algorithms.distributed import to_host
    from memorax.core import EPISODE_DONE, STEP

    keys = plan.keys()[2]
    rounds = []
    for round_ in range(EVAL_ROUNDS):
        logs = plan.evaluate_program(plan.sweep.hyper(), keys, states, update, round_)
        rounds.append({key: np.asarray(value) for key, value in to_host(logs).items()})
        finished = sum(_episodes_per_seed(r[EPISODE_DONE]) for r in rounds)
        if finished.min() >= plan.experiment.eval_episodes:
            break
    merged = {STEP: rounds[0][STEP]}
    for key in rounds[0]:
        if key != STEP:
            merged[f"eval/{key}"] = np.concatenate([r[key] for r in rounds], axis=2)
    return merged


def _episodes_per_seed(done: np.ndarray) -> np.ndarray:
    return done.reshape(*done.shape[:2], -1).sum(axis=-1)


def unfinished_rounds(eval_logs: dict[str, np.ndarray]) -> np.ndarray:
    """``(values, seeds, rounds * envs)`` bool: the evaluation env rounds that finished no episode.

    An episode longer than a round never ends inside it, so these rounds' episodes are
    missing from the evaluation mean.
    """
    return ~eval_logs["eval/episode/done"].astype(bool).any(axis=2)


def summary(plan: Plan, eval_logs: dict[str, np.ndarray]) -> list[str]:
    """One line per sweep value: mean ± std of the finished evaluation episodes over episodes and seeds."""
    done = eval_logs["eval/episode/done"].astype(bool)
    returns = eval_logs["eval/episode/return"]
    lines = []
    for index, label in enumerate(plan.sweep.labels()):
        episodes = returns[index][done[index]]
        prefix = f"evaluation return{f' ({label})' if label else ''}"
        if episodes.size == 0:
            lines.append(
                f"{prefix}: no evaluation episode finished within {EVAL_ROUNDS} x {plan.experiment.eval_max_steps} "
                "steps per env; raise --eval-max-steps."
            )
            continue
        per_seed = _episodes_per_seed(done[index : index + 1])[0]
        lines.append(
            f"{prefix}: {episodes.mean():.3f} ± {episodes.std():.3f} "
            f"(std over {episodes.size} episodes of {len(per_seed)} seed{'s' * (len(per_seed) > 1)}, "
            f"at least {int(per_seed.min())} per seed)"
        )
        unfinished = unfinished_rounds(eval_logs)[index]
        if unfinished.any():
            lines.append(
                f"warning: {int(unfinished.sum())} of {unfinished.size} evaluation env rounds finished no episode "
                f"within --eval-max-steps {plan.experiment.eval_max_steps}, so the longest episodes are missing "
                "from this mean; raise --eval-max-steps above the env's time limit."
            )
    return lines


def train(plan: Plan, run_dir: Path, states: Any, first_update: int) -> list[str]:
    """Trains from update ``first_update`` to the end; logs, evaluates, checkpoints; returns the summary."""
    from memorax.algorithms.distributed import to_host
    from memorax.loggers import CheckpointLogger

    experiment = plan.experiment
    hyper, train_keys = plan.sweep.hyper(), plan.keys()[1]
    per_update = plan.steps_per_update
    eval_every = math.ceil(experiment.eval_every / per_update) if experiment.eval_every else None
    checkpoint_every = math.ceil(experiment.checkpoint_every / per_update) if experiment.checkpoint_every else None
    checkpoints = CheckpointLogger(run_dir / CHECKPOINTS)
    loggers = RunLoggers(plan, run_dir)
    update, eval_logs, saved = first_update, None, False
    try:
        while update < plan.num_updates:
            length = min(plan.chunk_updates, plan.num_updates - update)
            states, logs = plan.chunk_program(hyper, train_keys, states, update, length=length)
            start, update = update, update + length
            step = update * per_update
            loggers.log(to_host(logs), step)
            eval_logs = None
            if eval_every and update // eval_every > start // eval_every:
                eval_logs = evaluate(plan, states, update)
                loggers.log(eval_logs, step)
            saved = bool(checkpoint_every and update // checkpoint_every > start // checkpoint_every)
            if saved:
                checkpoints.save(step, states)
        if eval_logs is None:
            eval_logs = evaluate(plan, states, update)
            loggers.log(eval_logs, update * per_update)
        if not saved and update * per_update not in checkpoints.steps:
            checkpoints.save(update * per_update, states)
    finally:
        loggers.finish()
        checkpoints.finish()
    return summary(plan, eval_logs)


def announce(plan: Plan, run_dir: Path, first_update: int = 0) -> None:
    """Says what will train: the budget in whole updates (never silently changed), sweep, devices, folder."""
    if not cluster.is_main_process():
        return
    experiment = plan.experiment
    per_update, total = plan.steps_per_update, plan.total_steps
    budget = f"{total:,} env steps per seed ({plan.num_updates:,} updates of {per_update:,})"
    if total != experiment.total_steps:
        budget += f"; --total-steps {experiment.total_steps:,} rounded up to whole updates"
    sweep = f", sweep {', '.join(plan.sweep.labels())}" if plan.sweep.paths else ""
    start = f" from step {first_update * per_update:,}" if first_update else ""
    print(
        f"memorax: {experiment.algo} + {experiment.torso} on {experiment.env}, {experiment.seeds} seed(s){sweep}, "
        f"{budget}{start}{_devices(plan)} -> {run_dir}",
        file=sys.stdout,
        flush=True,
    )


def _devices(plan: Plan) -> str:
    """``", on 4 devices of 2 processes (seeds 1 x envs 4)"``; empty on one device."""
    if plan.mesh is None:
        return ""
    import jax

    from memorax.algorithms.distributed import ENVS, SEEDS

    processes = jax.process_count()
    of = f" of {processes} processes" if processes > 1 else ""
    return f", on {plan.mesh.size} devices{of} (seeds {plan.mesh.shape[SEEDS]} x envs {plan.mesh.shape[ENVS]})"
