"""Entry point of the ``memorax`` command; each sub-command lives in its own module.

Bad input (unknown fields, invalid values, a run folder that exists, ...) prints one
line and exits with code 2, without a traceback.
"""

import importlib
import os
import sys
from collections.abc import Sequence

from memorax.cli.experiment import UsageError

# sub-command -> (module with main(argv) -> int, summary)
SUBCOMMANDS = {
    "train": ("memorax.cli.train", "train an agent with the live dashboard and write a run folder"),
    "resume": ("memorax.cli.resume", "continue a run from its latest checkpoint"),
    "evaluate": ("memorax.cli.evaluate", "evaluate a checkpoint of a run: mean ± std return"),
    "plot": ("memorax.cli.plot", "draw and overlay the learning curves of run folders to PNG"),
}


# XLA:CPU's concurrency-optimised scheduler (jaxlib 0.10.2) can deadlock the CLI's training
# program, PPO with an RNN torso vmapped over two or more seeds: the call never returns, with
# the CPU idle. Turning the scheduler off changes only the order of independent ops, not the
# results. The command owns its process, so it sets the flag before jax starts a backend.
_XLA_CPU_SCHEDULER_FLAG = "--xla_cpu_enable_concurrency_optimized_scheduler"


def avoid_xla_cpu_scheduler_deadlock() -> None:
    """Turns XLA:CPU's concurrency-optimised scheduler off, unless ``XLA_FLAGS`` already sets it; call it
    before jax starts a backend (the first computation), as the flag is read only then."""
    flags = os.environ.get("XLA_FLAGS", "")
    if _XLA_CPU_SCHEDULER_FLAG not in flags:
        os.environ["XLA_FLAGS"] = f"{flags} {_XLA_CPU_SCHEDULER_FLAG}=false".strip()


def _usage() -> str:
    commands = "\n".join(f"  {name:<9} {summary}" for name, (_, summary) in SUBCOMMANDS.items())
    return (
        "usage: memorax {train,resume,evaluate,plot} ...\n\nMemory-augmented RL in JAX.\n\n"
        f"commands:\n{commands}\n\n`memorax COMMAND --help` shows each command's options and defaults."
    )


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in SUBCOMMANDS:
        print(f"memorax: error: unknown command {command!r}; choose one of {', '.join(SUBCOMMANDS)}.", file=sys.stderr)
        return 2
    avoid_xla_cpu_scheduler_deadlock()
    try:
        module = importlib.import_module(SUBCOMMANDS[command][0])
    except ImportError as error:
        print(f'memorax {command} needs the full install: pip install "memorax[all]" ({error})', file=sys.stderr)
        return 1
    try:
        return int(module.main(rest) or 0)
    except UsageError as error:
        print(f"memorax {command}: error: {error}", file=sys.stderr)
        return 2
    except SystemExit as exit_:  # --help
        return int(exit_.code or 0)


if __name__ == "__main__":
    raise SystemExit(main())
