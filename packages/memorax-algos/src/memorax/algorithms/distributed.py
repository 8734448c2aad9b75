"""Data-parallel training on JAX's multi-controller runtime (``jax.distributed``).

Every process runs the same program on a global :class:`jax.sharding.Mesh` over every
device of every process. The env axis (and replay's add-batch axis) is the mesh's
``"envs"`` axis: each device steps, acts for and stores only its own envs. ``train`` is
jitted on the sharded inputs, so the compiler inserts the collectives: the learning step
gathers what it reads (the rollout, a replay batch) from every shard. With the mesh set
(``jax.set_mesh(mesh)``) the on-policy algorithms split every minibatch over ``"envs"``
again, so each device computes part of the gradient and the gradients are all-reduced;
replay updates run replicated. The results are those of one process with as many
devices (to float tolerance). Optional vmapped seeds (leading axis) go on the
``"seeds"`` axis.

Example (each of N processes runs this, with its own ``process_id``)::

    from memorax.algorithms import distributed
    distributed.initialize("host0:1234", num_processes=N, process_id=i)
    mesh = distributed.data_mesh()
    jax.set_mesh(mesh)  # minibatches split over the devices
    state = distributed.init(agent, jax.random.key(0), mesh)
    state, logs = agent.train(jax.random.key(1), state, num_steps)
    logs = distributed.to_host(logs)  # numpy, the same on every process
"""

import dataclasses
from typing import Any

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from memorax.core.typing import PRNGKey, PyTree

__all__ = ["ENVS", "SEEDS", "data_mesh", "init", "initialize", "is_main_process", "state_sharding", "to_host"]

ENVS = "envs"
"""The mesh axis that splits each seed's envs (the data-parallel axis)."""
SEEDS = "seeds"
"""The mesh axis that splits vmapped seeds."""


def initialize(
    coordinator_address: str | None = None,
    num_processes: int | None = None,
    process_id: int | None = None,
    local_device_ids: list[int] | None = None,
) -> None:
    """Starts ``jax.distributed`` (before any computation); with no arguments JAX auto-detects
    the cluster (SLURM, Open MPI, or its ``JAX_COORDINATOR_ADDRESS``/... environment variables).

    CPU collectives use gloo, so that CPU-only processes can all-reduce (GPUs use NCCL).
    """
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=coordinator_address,
        num_processes=num_processes,
        process_id=process_id,
        local_device_ids=local_device_ids,
    )


def data_mesh(seed_devices: int = 1, devices: list[Any] | None = None) -> Mesh:
    """A ``(seeds, envs)`` mesh over ``devices`` (default: every device of every process).

    ``seed_devices`` devices split vmapped seeds; the rest split each seed's envs.
    """
    devices = jax.devices() if devices is None else list(devices)
    if seed_devices < 1 or len(devices) % seed_devices:
        raise ValueError(f"seed_devices={seed_devices} must be a positive divisor of the {len(devices)} devices.")
    grid = np.asarray(devices, dtype=object).reshape(seed_devices, len(devices) // seed_devices)
    return Mesh(grid, (SEEDS, ENVS))


def state_sharding(state: Any, mesh: Mesh, batch_axes: tuple[str | None, ...] = ()) -> PyTree:
    """The :class:`NamedSharding` of every leaf of ``state`` (a state or its ``jax.eval_shape``).

    Leaves of the state's ``env_axis_fields`` are split over ``"envs"`` on their env axis
    (the first after ``batch_axes``); everything else (parameters, optimizer states,
    counters, keys, and a prioritised buffer's sum tree over every env's windows) is
    replicated. ``batch_axes`` names the mesh axis of each leading vmap
    axis, e.g. ``(SEEDS,)`` for vmapped seeds or ``(None, SEEDS)`` under a sweep.
    """
    env_fields = getattr(type(state), "env_axis_fields", None)
    if env_fields is None:
        raise TypeError(
            f"{type(state).__name__} has no `env_axis_fields`: add a ClassVar naming the fields whose "
            "leaves have the env axis leading."
        )
    num_env_devices = mesh.shape[ENVS]
    leading = len(batch_axes)
    replicated = NamedSharding(mesh, PartitionSpec(*batch_axes))

    def of_env_leaf(name: str, leaf: Any) -> NamedSharding:
        if leaf.ndim <= leading:  # e.g. a buffer's write index
            return replicated
        if leaf.shape[leading] % num_env_devices:
            raise ValueError(
                f"`{name}` has {leaf.shape[leading]} envs, which the {num_env_devices} devices of the "
                f"'{ENVS}' mesh axis cannot split: make num_envs a multiple of {num_env_devices}."
            )
        return NamedSharding(mesh, PartitionSpec(*batch_axes, ENVS))

    def of_field(name: str, value: Any) -> PyTree:
        if name not in env_fields:
            return jax.tree.map(lambda _: replicated, value)
        if hasattr(value, "sum_tree_state"):  # prioritised replay: one sum tree over every env's windows
            shardings = jax.tree.map(lambda _: replicated, value)
            return shardings.replace(experience=jax.tree.map(lambda leaf: of_env_leaf(name, leaf), value.experience))
        return jax.tree.map(lambda leaf: of_env_leaf(name, leaf), value)

    return type(state)(**{field.name: of_field(field.name, getattr(state, field.name)) for field in dataclasses.fields(state)})


def init(agent: Any, key: PRNGKey, mesh: Mesh) -> Any:
    """``agent.init(key)`` compiled onto ``mesh``: each device resets and stores only its own envs."""
    shardings = state_sharding(jax.eval_shape(agent.init, key), mesh)
    return jax.jit(agent.init, out_shardings=shardings)(key)


def to_host(tree: PyTree) -> PyTree:
    """``tree``'s global arrays as numpy arrays, the whole values on every process."""
    from jax.experimental import multihost_utils

    if jax.process_count() == 1:
        return jax.device_get(tree)
    return multihost_utils.process_allgather(tree, tiled=True)


def is_main_process() -> bool:
    """Whether this is process 0, the one that writes logs, files and plots."""
    return jax.process_index() == 0
