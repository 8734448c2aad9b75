"""Entry point of the ``memorax`` command; each sub-command lives in its own module."""

import argparse
import importlib
from collections.abc import Sequence

# sub-command -> module with `add_arguments(parser)` and `run(args) -> int`
SUBCOMMANDS = {
    "train": ("memorax.cli.train", "train an agent with the live dashboard and write a run folder"),
    "plot": ("memorax.cli.plot", "draw learning curves of a run folder to PNG"),
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="memorax", description="Memory-augmented RL in JAX.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, (module_name, summary) in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        sub = commands.add_parser(name, help=summary, description=module.__doc__)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    args = parser.parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
