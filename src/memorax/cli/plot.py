"""Draw the learning curves of a run folder (RUN_DIR/metrics.jsonl, written by FileLogger) to PNG."""

import argparse
import sys


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", help="run folder holding metrics.jsonl")
    parser.add_argument("-o", "--output", default=None, help="PNG to write (default: RUN_DIR/learning_curves.png)")
    parser.add_argument(
        "--keys", nargs="+", default=None, help="metrics to draw (default: all but episode/count)"
    )


def run(args: argparse.Namespace) -> int:
    try:
        from memorax.loggers import plot_learning_curves
    except ImportError as error:
        print(f'memorax plot needs memorax-loggers: pip install "memorax[loggers]" ({error})', file=sys.stderr)
        return 1
    try:
        output = plot_learning_curves(args.run_dir, output=args.output, keys=args.keys)
    except (FileNotFoundError, ValueError) as error:
        print(f"memorax plot: {error}", file=sys.stderr)
        return 1
    print(output)
    return 0
