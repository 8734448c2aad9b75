"""``memorax train``: train an agent with the live dashboard and write a run folder.

See :class:`memorax.cli.experiment.Experiment` for the fields (every one is a flag, and a
key of ``--config FILE``) and :mod:`memorax.cli.session` for the run folder layout.
"""

import dataclasses
import datetime
import shutil
from collections.abc import Sequence
from pathlib import Path

from memorax.cli import experiment as experiments
from memorax.cli import runner, session
from memorax.cli.experiment import Experiment, UsageError
from memorax.cli.parsing import parse_train

CONFIG_FILE = "config.yaml"


def main(argv: Sequence[str]) -> int:
    experiment = parse_train(argv)
    plan = runner.plan(experiment)
    if experiment.log_every is None:  # saved resolved, so that a resumed run keeps the same rows
        plan.experiment = dataclasses.replace(experiment, log_every=plan.chunk_updates * plan.steps_per_update)
    plan.check_traceable()
    run_dir = _new_run_dir(plan.experiment)
    run_dir.mkdir(parents=True)
    try:
        experiments.save(dataclasses.replace(plan.experiment, run_dir=None), run_dir / CONFIG_FILE)
        session.announce(plan, run_dir)
        lines = session.train(plan, run_dir, plan.init_states(), 0)
    except BaseException:
        if not any((run_dir / session.CHECKPOINTS).glob("*")):
            shutil.rmtree(run_dir)  # nothing to resume: leave no half-made folder behind
        raise
    finish(run_dir, lines)
    return 0


def finish(run_dir: Path, lines: list[str]) -> None:
    """Draws the learning curves and prints the evaluation summary and where everything is."""
    from memorax.cli.plot import plot_runs

    plot = plot_runs([run_dir])
    for line in lines:
        print(line)
    print(f"run folder: {run_dir}  (learning curves: {plot}; continue with: memorax resume {run_dir})")


def _new_run_dir(experiment: Experiment) -> Path:
    if experiment.run_dir is not None:
        run_dir = Path(experiment.run_dir)
        if run_dir.exists():
            raise UsageError(
                f"--run-dir {run_dir} exists; a run never writes into an old one: pick a new folder, "
                f"or continue it with memorax resume {run_dir}."
            )
        return run_dir
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    env = experiment.env.replace("::", "-").replace("/", "-")
    base = Path("runs") / f"{stamp}-{experiment.algo}-{experiment.torso}-{env}"
    run_dir, index = base, 1
    while run_dir.exists():
        index += 1
        run_dir = base.with_name(f"{base.name}-{index}")
    return run_dir
