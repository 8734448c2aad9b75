"""Launch options of ``memorax train``, ``resume`` and ``evaluate``: several devices, processes, hosts.

With more than one device (several GPUs, or ``XLA_FLAGS=--xla_force_host_platform_device_count``
on a CPU) the programs run on a ``(seeds, envs)`` mesh from :mod:`memorax.algorithms.distributed`:
each device steps, acts for and stores its own envs, and the learning step reads from every
device's shard. ``--coordinator-address HOST:PORT --num-processes N --process-id I`` (or
``--distributed`` on SLURM / Open MPI) joins N processes into one run first; every process
runs the same command, and only process 0 writes the run folder, the dashboard and the
plots. Checkpoints are written by all of them together (Orbax), into a folder they share.

These options decide where a run computes, not its numbers, so they are not saved in
``config.yaml``: resume a run with the launch options of the machines it resumes on.
"""

import argparse
import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np

from memorax.cli.experiment import UsageError

_TEXT_BYTES = 4096  # longest message (a run folder path or an error) agreed between processes


@dataclasses.dataclass(frozen=True)
class Launch:
    """Where a run computes: its processes (``jax.distributed``) and how seeds use the devices."""

    coordinator_address: str | None = None
    num_processes: int | None = None
    process_id: int | None = None
    auto_detect: bool = False
    seed_devices: int = 1

    @property
    def joins_processes(self) -> bool:
        return self.auto_detect or self.coordinator_address is not None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds the launch options to ``parser``; :func:`launch_from` reads them back."""
    group = parser.add_argument_group("launch options (several devices or processes; not saved in config.yaml)")
    group.add_argument("--coordinator-address", metavar="HOST:PORT", default=None,
                       help="process 0's address: join --num-processes processes into one run")
    group.add_argument("--num-processes", metavar="N", type=int, default=None, help="processes of the run")
    group.add_argument("--process-id", metavar="I", type=int, default=None, help="this process, 0 to N - 1")
    group.add_argument("--distributed", action="store_true",
                       help="join the processes of a SLURM / Open MPI job (or of the JAX_* variables)")
    group.add_argument("--seed-devices", metavar="K", type=int, default=1,
                       help="devices that split the seeds (default 1: every device splits each seed's envs)")


def launch_from(args: argparse.Namespace) -> Launch:
    """The validated :class:`Launch` of parsed launch options."""
    explicit = {
        "--coordinator-address": args.coordinator_address,
        "--num-processes": args.num_processes,
        "--process-id": args.process_id,
    }
    given = [name for name, value in explicit.items() if value is not None]
    if given and not args.distributed and len(given) < len(explicit):
        missing = [name for name in explicit if name not in given]
        raise UsageError(f"{' '.join(given)} also needs {' and '.join(missing)} (or --distributed to detect them).")
    if args.num_processes is not None and args.num_processes < 1:
        raise UsageError(f"--num-processes must be >= 1, got {args.num_processes}.")
    if args.process_id is not None and not 0 <= args.process_id < (args.num_processes or args.process_id + 1):
        raise UsageError(f"--process-id must lie in [0, --num-processes), got {args.process_id}.")
    if args.coordinator_address is not None and ":" not in args.coordinator_address:
        raise UsageError(f"--coordinator-address must look like HOST:PORT, got {args.coordinator_address!r}.")
    if args.seed_devices < 1:
        raise UsageError(f"--seed-devices must be >= 1, got {args.seed_devices}.")
    return Launch(args.coordinator_address, args.num_processes, args.process_id, args.distributed, args.seed_devices)


def start(launch: Launch) -> Any:
    """Joins the processes (before any computation) and returns the run's device mesh, or
    ``None`` on a single device (the programs then run unsharded)."""
    import jax

    from memorax.algorithms import distributed

    if launch.joins_processes:
        try:
            distributed.initialize(launch.coordinator_address, launch.num_processes, launch.process_id)
        except ValueError as error:  # e.g. --distributed outside a cluster: nothing to detect
            raise UsageError(
                f"cannot join the processes ({error}); outside SLURM / Open MPI pass --coordinator-address "
                "HOST:PORT --num-processes N --process-id I."
            ) from error
    devices = jax.device_count()
    if devices % launch.seed_devices:
        raise UsageError(f"--seed-devices {launch.seed_devices} must divide the run's {devices} devices.")
    if devices == 1:
        return None
    mesh = distributed.data_mesh(seed_devices=launch.seed_devices)
    jax.set_mesh(mesh)  # the algorithms split each minibatch over its "envs" axis
    return mesh


def is_main_process() -> bool:
    """Whether this process writes the run folder (process 0; always true in one process)."""
    from memorax.algorithms import distributed

    return distributed.is_main_process()


def on_main_process(decide: Callable[[], str]) -> str:
    """``decide()`` run by process 0 only, its result (or its :class:`UsageError`) given to every process:
    e.g. the name of a new run folder, which has the time in it."""
    import jax

    if jax.process_count() == 1:
        return decide()
    from jax.experimental import multihost_utils

    ok, text = True, ""
    if is_main_process():
        try:
            text = decide()
        except UsageError as error:
            ok, text = False, str(error)
    message = np.zeros(_TEXT_BYTES + 1, np.uint8)
    encoded = text.encode()[:_TEXT_BYTES]
    message[0], message[1 : 1 + len(encoded)] = ok, np.frombuffer(encoded, np.uint8)
    message = np.asarray(multihost_utils.broadcast_one_to_all(message))
    text = message[1:].tobytes().rstrip(b"\0").decode()
    if not message[0]:
        raise UsageError(text)
    return text
