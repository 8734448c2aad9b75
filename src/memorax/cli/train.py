"""``memorax train``: train an agent with the live dashboard and write a run folder.

See :class:`memorax.cli.experiment.Experiment` for the fields (every one is a flag, and a
key of ``--config FILE``) and :mod:`memorax.cli.session` for the run folder layout.
"""

import dataclasses
import datetime
import shutil
from collections.abc import Sequence
from pathlib import Path

from memorax.cli import cluster, runner, session
from memorax.cli import experiment as experiments
from memorax.cli.experiment import Experiment, UsageError
from memorax.cli.parsing import ArgumentParser, parse_train

CONFIG_FILE = "config.yaml"


def main(argv: Sequence[str]) -> int:
    launch_parser = ArgumentParser(add_help=False)
    cluster.add_arguments(launch_parser)
    launch_args, argv = launch_parser.parse_known_args(argv)
    launch = cluster.launch_from(launch_args)
    experiment = parse_train(argv)
    plan = runner.plan(experiment, cluster.start(launch))
    if experiment.log_every is None:  # saved resolved, so that a resumed run keeps the same rows
        plan.experiment = dataclasses.replace(experiment, log_every=plan.chunk_updates * plan.steps_per_update)
    plan.check_traceable()
    run_dir = Path(cluster.on_main_process(lambda: str(_make_run_dir(plan.experiment))))
    try:
        if cluster.is_main_process():
            experiments.save(dataclasses.replace(plan.experiment, run_dir=None), run_dir / CONFIG_FILE)
        session.announce(plan, run_dir)
        lines = session.train(plan, run_dir, plan.init_states(), 0)
    except BaseException:
        if cluster.is_main_process() and not any((run_dir / session.CHECKPOINTS).glob("*")):
            shutil.rmtree(run_dir)  # nothing to resume: leave no half-made folder behind
        raise
    finish(run_dir, lines)
    return 0


def finish(run_dir: Path, lines: list[str]) -> None:
    """Draws the learning curves and prints the evaluation summary and where everything is (process 0)."""
    from memorax.cli.plot import plot_runs

    if not cluster.is_main_process():
        return
    plot = plot_runs([run_dir])
    for line in lines:
        print(line)
    print(f"run folder: {run_dir}  (learning curves: {plot}; continue with: memorax resume {run_dir})")


def _make_run_dir(experiment: Experiment) -> Path:
    """Creates the run folder: ``--run-dir`` (refused if it exists) or a new one under ``runs/``."""
    if experiment.run_dir is not None:
        run_dir = Path(experiment.run_dir)
        if run_dir.exists():
            raise UsageError(
                f"--run-dir {run_dir} exists; a run never writes into an old one: pick a new folder, "
                f"or continue it with memorax resume {run_dir}."
            )
        run_dir.mkdir(parents=True)
        return run_dir
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    env = experiment.env.replace("::", "-").replace("/", "-")
    base = Path("runs") / f"{stamp}-{experiment.algo}-{experiment.torso}-{env}"
    run_dir, index = base, 1
    while run_dir.exists():
        index += 1
        run_dir = base.with_name(f"{base.name}-{index}")
    run_dir.mkdir(parents=True)
    return run_dir
