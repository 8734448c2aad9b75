"""``memorax resume RUN [--total-steps N]``: continue a run from its latest checkpoint.

The resumed run's metrics and parameters are bit-identical to those of an uninterrupted
run of the same config and total (when the checkpoint is at a metrics row, as every
checkpoint is). Metrics rows after the checkpoint (a run killed between a checkpoint
and its end) and the final evaluation of the previous end are dropped first. With a
larger ``--total-steps`` and an annealed learning rate, the schedule is re-sized to the
new total from where the run stands.
"""

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path

from memorax.cli import cluster, runner, session
from memorax.cli import experiment as experiments
from memorax.cli.experiment import UsageError
from memorax.cli.parsing import ArgumentParser, experiment_from
from memorax.cli.train import CONFIG_FILE, finish


def load(run_dir: Path, mesh: object = None, **changes: object) -> runner.Plan:
    """The plan of a run folder's ``config.yaml`` with ``changes`` to its fields, on ``mesh``."""
    path = run_dir / CONFIG_FILE
    if not path.is_file():
        raise UsageError(f"{run_dir} is not a run folder: it has no {CONFIG_FILE}.")
    experiment = experiment_from(experiments.read_file(path), str(path))
    try:
        experiment = dataclasses.replace(experiment, **changes)
    except ValueError as error:
        raise UsageError(str(error)) from error
    return runner.plan(experiment, mesh)


def restore(plan: runner.Plan, run_dir: Path, step: int | None = None) -> tuple[object, int]:
    """The states of checkpoint ``step`` (the latest if ``None``) and its step."""
    from memorax.loggers import CheckpointLogger

    checkpoints = CheckpointLogger(run_dir / session.CHECKPOINTS)
    try:
        if not checkpoints.steps:
            raise UsageError(f"{run_dir} has no checkpoint to start from.")
        if step is not None and step not in checkpoints.steps:
            raise UsageError(f"{run_dir} has no checkpoint at step {step}; it has {checkpoints.steps}.")
        step = checkpoints.steps[-1] if step is None else step
        return checkpoints.restore(plan.state_template(), step), step
    finally:
        checkpoints.finish()


def main(argv: Sequence[str]) -> int:
    parser = ArgumentParser(prog="memorax resume", description=__doc__)
    parser.add_argument("run_dir", type=Path, help="run folder written by memorax train")
    parser.add_argument("--total-steps", type=int, default=None, help="new total env steps per seed")
    cluster.add_arguments(parser)
    args = parser.parse_args(argv)
    launch = cluster.launch_from(args)
    changes = {} if args.total_steps is None else {"total_steps": args.total_steps}
    plan = load(args.run_dir, cluster.start(launch), **changes)
    states, step = restore(plan, args.run_dir)
    first_update = step // plan.steps_per_update
    if first_update >= plan.num_updates:
        raise UsageError(
            f"{args.run_dir} already trained {step:,} of {plan.total_steps:,} steps; pass a larger --total-steps."
        )
    if cluster.is_main_process():
        for folder in session.value_dirs(args.run_dir, plan):
            _truncate_metrics(folder, step, _evaluated_at(plan, first_update))
        comment = f"resumed at step {step:,}" + (f" with --total-steps {args.total_steps}" if changes else "")
        experiments.save(plan.experiment, args.run_dir / CONFIG_FILE, comment=comment)
    session.announce(plan, args.run_dir, first_update)
    finish(args.run_dir, session.train(plan, args.run_dir, states, first_update))
    return 0


def _evaluated_at(plan: runner.Plan, update: int) -> bool:
    """Whether an uninterrupted run evaluates at ``update`` during training (not as its final evaluation)."""
    every = plan.experiment.eval_every
    if not every:
        return False
    every_updates = -(-every // plan.steps_per_update)
    return update // every_updates > (update - plan.chunk_updates) // every_updates


def _truncate_metrics(folder: Path, step: int, keep_evaluation: bool) -> None:
    """Keeps the rows up to ``step`` (the evaluation row at ``step`` only if ``keep_evaluation``); the CSV
    files are rebuilt from them by FileLogger."""
    from memorax.loggers.file import MEAN_CSV, MEAN_JSONL, METRICS_CSV, METRICS_JSONL

    for jsonl, csv in ((METRICS_JSONL, METRICS_CSV), (MEAN_JSONL, MEAN_CSV)):
        path = folder / jsonl
        if not path.is_file():
            continue
        kept = []
        for line in path.read_text().splitlines():
            row = json.loads(line)
            evaluation = any(key.startswith("eval/") for key in row)
            if row["step"] < step or (row["step"] == step and (not evaluation or keep_evaluation)):
                kept.append(line)
        path.write_text("".join(f"{line}\n" for line in kept))
        (folder / csv).unlink(missing_ok=True)
