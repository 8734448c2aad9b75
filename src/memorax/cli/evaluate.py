"""``memorax evaluate RUN [--episodes K] [--step S]``: evaluate a checkpoint of a run.

Loads the run's config and the checkpoint at step ``S`` (default: the latest), runs the
policy on fresh envs until every seed finished ``K`` episodes, and prints the mean ±
std return over episodes and seeds (per sweep value). Nothing in the run folder changes.
"""

from collections.abc import Sequence
from pathlib import Path

from memorax.cli import cluster, session
from memorax.cli.parsing import ArgumentParser
from memorax.cli.resume import load, restore


def main(argv: Sequence[str]) -> int:
    parser = ArgumentParser(prog="memorax evaluate", description=__doc__)
    parser.add_argument("run_dir", type=Path, help="run folder written by memorax train")
    parser.add_argument("--episodes", type=int, default=None, help="finished episodes per seed (default: the run's)")
    parser.add_argument("--step", type=int, default=None, help="checkpoint step (default: the latest)")
    cluster.add_arguments(parser)
    args = parser.parse_args(argv)
    mesh = cluster.start(cluster.launch_from(args))
    plan = load(args.run_dir, mesh, **({} if args.episodes is None else {"eval_episodes": args.episodes}))
    states, step = restore(plan, args.run_dir, args.step)
    lines = session.summary(plan, session.evaluate(plan, states, step // plan.steps_per_update))
    if cluster.is_main_process():
        print(f"memorax evaluate: {args.run_dir} at step {step:,}")
        for line in lines:
            print(line)
    return 0
