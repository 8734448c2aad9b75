"""``memorax evaluate RUN [--episodes K] [--step S]``: evaluate a checkpoint of a run.

Loads the run's config and the checkpoint at step ``S`` (default: the latest), runs the
policy on fresh envs until every seed finished ``K`` episodes, and prints the mean ±
std return over episodes and seeds (per sweep value). Nothing in the run folder changes.
"""

from collections.abc import Sequence
from pathlib import Path

from memorax.cli import session
from memorax.cli.parsing import ArgumentParser
from memorax.cli.resume import load, restore


def main(argv: Sequence[str]) -> int:
    parser = ArgumentParser(prog="memorax evaluate", description=__doc__)
    parser.add_argument("run_dir", type=Path, help="run folder written by memorax train")
    parser.add_argument("--episodes", type=int, default=None, help="finished episodes per seed (default: the run's)")
    parser.add_argument("--step", type=int, default=None, help="checkpoint step (default: the latest)")
    args = parser.parse_args(argv)
    plan = load(args.run_dir, **({} if args.episodes is None else {"eval_episodes": args.episodes}))
    states, step = restore(plan, args.run_dir, args.step)
    print(f"memorax evaluate: {args.run_dir} at step {step:,}")
    for line in session.summary(plan, session.evaluate(plan, states, step // plan.steps_per_update)):
        print(line)
    return 0
