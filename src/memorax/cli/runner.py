"""From an :class:`Experiment` to compiled programs: build, init, train in chunks, evaluate.

Every seed and every sweep value trains in one program: ``jax.vmap`` over seeds inside
``jax.vmap`` over sweep values, so state leaves are ``(values, seeds, ...)``. Swept
hyperparameters are traced values: the agent is built inside the traced function from
a copy of the config whose swept fields hold the traced values (validated beforehand
with every concrete value), and the optimizer's learning rate is traced the same way.

Update ``u`` of a seed always gets the key ``fold_in(train_key, u)``, whatever the
chunking, so a run resumed from a checkpoint continues exactly as an uninterrupted one.

On several devices (``Plan.mesh``, see :mod:`memorax.cli.cluster`) the states live on a
``(seeds, envs)`` mesh: each seed's envs are split over ``"envs"`` and the seeds over
``"seeds"``; parameters and optimizer states are replicated within a seed.
"""

import copy
import dataclasses
import itertools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from memorax.cli.algorithms import Entry, Parts, registry
from memorax.cli.experiment import Experiment, NetworkSpec, OptimizerSpec, UsageError
from memorax.cli.torsos import build_torso

EVAL_ROUNDS = 8
_SECTIONS = ("optimizer", "algorithm")


@dataclasses.dataclass(frozen=True)
class Sweep:
    """The grid of swept float fields: ``paths`` like ``("optimizer", "learning_rate")``."""

    paths: tuple[tuple[str, str], ...]
    grid: tuple[tuple[float, ...], ...]

    @property
    def size(self) -> int:
        return max(len(self.grid), 1)

    def labels(self) -> list[str]:
        """One label per value, e.g. ``"learning_rate=0.001"``; ``[""]`` without a sweep."""
        if not self.paths:
            return [""]
        return [",".join(f"{name}={value:g}" for (_, name), value in zip(self.paths, values)) for values in self.grid]

    def hyper(self) -> dict[str, np.ndarray]:
        """``{"section.name": (values,) float32}``, the traced inputs of the programs."""
        return {
            f"{section}.{name}": np.asarray([values[i] for values in self.grid], np.float32)
            for i, (section, name) in enumerate(self.paths)
        }


def parse_sweep(experiment: Experiment) -> Sweep:
    """Reads ``--sweep FIELD=v1,v2`` entries; refuses fields that are not float hyperparameters."""
    paths, axes = [], []
    for spec in experiment.sweep:
        field, separator, values = spec.partition("=")
        if not separator or not values:
            raise UsageError(f"--sweep {spec!r} must look like FIELD=v1,v2,... (e.g. learning_rate=1e-3,3e-3).")
        path = _sweep_path(experiment, field.strip())
        try:
            numbers = tuple(float(value) for value in values.split(","))
        except ValueError as error:
            raise UsageError(f"--sweep {spec!r}: the values must be numbers separated by commas.") from error
        if path in paths:
            raise UsageError(f"--sweep names {path[1]} twice; give all its values in one --sweep.")
        section = getattr(experiment, path[0])
        for number in numbers:  # every value must make a valid config
            try:
                dataclasses.replace(section, **{path[1]: number})
            except (TypeError, ValueError) as error:
                raise UsageError(f"--sweep {path[1]}={number:g}: {error}") from error
        paths.append(path)
        axes.append(numbers)
    return Sweep(tuple(paths), tuple(itertools.product(*axes)))


def _sweep_path(experiment: Experiment, field: str) -> tuple[str, str]:
    sections = [field.split(".", 1)[0]] if "." in field else list(_SECTIONS)
    name = field.split(".", 1)[-1]
    sweepable = [
        f.name for section in _SECTIONS for f in dataclasses.fields(getattr(experiment, section))
        if _is_float(getattr(getattr(experiment, section), f.name))
    ]  # fmt: skip
    for section in sections:
        if section in _SECTIONS and name in {f.name for f in dataclasses.fields(getattr(experiment, section))}:
            if not _is_float(getattr(getattr(experiment, section), name)):
                raise UsageError(
                    f"--sweep cannot vary {name}: it is not a float hyperparameter (it changes shapes or "
                    f"the program); sweepable: {', '.join(sweepable)}."
                )
            return section, name
    raise UsageError(f"--sweep: unknown field {field!r}; sweepable: {', '.join(sweepable)}.")


def _is_float(value: Any) -> bool:
    return isinstance(value, float)


def with_values(config: Any, values: dict[str, Any]) -> Any:
    """A copy of the frozen ``config`` whose fields ``values`` hold traced values (no re-validation:
    every concrete value was validated by :func:`parse_sweep`)."""
    if not values:
        return config
    clone = copy.copy(config)
    for name, value in values.items():
        object.__setattr__(clone, name, value)
    return clone


def make_optimizer(spec: OptimizerSpec, values: dict[str, Any], num_steps: int) -> Any:
    """The optax optimizer of ``spec`` with the (maybe traced) ``values``, annealed over ``num_steps``."""
    import optax

    hyper = {field.name: values.get(field.name, getattr(spec, field.name)) for field in dataclasses.fields(spec)}
    rate = hyper["learning_rate"]
    if spec.lr_schedule == "linear":
        rate = optax.linear_schedule(rate, 0.0, max(num_steps, 1))
    elif spec.lr_schedule == "cosine":
        rate = optax.cosine_decay_schedule(rate, max(num_steps, 1))
    base = {
        "adam": lambda: optax.adam(rate, eps=hyper["eps"]),
        "adamw": lambda: optax.adamw(rate, eps=hyper["eps"], weight_decay=hyper["weight_decay"]),
        "rmsprop": lambda: optax.rmsprop(rate, eps=hyper["eps"]),
        "sgd": lambda: optax.sgd(rate),
    }[spec.optimizer]()
    if spec.max_grad_norm is None:
        return base
    return optax.chain(optax.clip_by_global_norm(hyper["max_grad_norm"]), base)


@dataclasses.dataclass
class Plan:
    """An experiment made concrete: env, agent builder, budget in updates, compiled programs."""

    experiment: Experiment
    entry: Entry
    env: Any
    env_params: Any
    sweep: Sweep
    steps_per_update: int
    num_updates: int
    chunk_updates: int
    mesh: Any = None
    """the ``(seeds, envs)`` device mesh of the states, or ``None`` on one device"""

    @property
    def total_steps(self) -> int:
        """The env steps per seed that actually run: whole updates."""
        return self.num_updates * self.steps_per_update

    def build_agent(self, hyper: dict[str, Any]) -> Any:
        """The agent with swept fields set to ``hyper`` (traced inside the programs)."""
        experiment = self.experiment
        values = {section: {} for section in _SECTIONS}
        for key, value in hyper.items():
            section, name = key.split(".", 1)
            values[section][name] = value
        config = with_values(experiment.algorithm, values["algorithm"])
        optimizer_steps = self.entry.optimizer_steps(experiment.algorithm, self.num_updates)
        space = self.env.action_space(self.env_params)
        discrete = hasattr(space, "n")
        observation_ndim = max(len(getattr(self.env.observation_space(self.env_params), "shape", ())), 1)
        encoder = lambda extra_layers=0, activate_final=True: _encoder(  # noqa: E731
            experiment.network, observation_ndim, extra_layers, activate_final
        )
        parts = Parts(
            network=lambda head: _network(experiment, encoder(), head),
            optimizer=lambda: make_optimizer(experiment.optimizer, values["optimizer"], optimizer_steps),
            action_dim=int(space.n) if discrete else int(space.shape[-1]),
            discrete=discrete,
            encoder=encoder,
        )
        return self.entry.build(config, self.env, self.env_params, parts)

    # The programs: leaves of states and keys are (values, seeds, ...).
    def _over_values_and_seeds(self, fn: Callable[..., Any], value_axes: tuple, seed_axes: tuple) -> Callable[..., Any]:
        """``fn(hyper, *args)`` vmapped over seeds inside a vmap over sweep values (``axis_size`` sweep values)."""
        import jax

        over_seeds = jax.vmap(fn, in_axes=(None, *seed_axes))
        return jax.vmap(over_seeds, in_axes=(0, *value_axes), axis_size=self.sweep.size)

    def _init_states(self, hyper: dict, keys: Any) -> Any:
        init = lambda hyper, key: self.build_agent(hyper).init(key)  # noqa: E731
        return self._over_values_and_seeds(init, (None,), (0,))(hyper, keys)

    def state_shardings(self) -> Any:
        """The sharding of every state leaf on :attr:`mesh`; a ``ValueError`` if the devices cannot split
        the envs."""
        import jax

        from memorax.algorithms import distributed

        if not hasattr(self, "_shardings"):
            template = jax.eval_shape(self._init_states, self.sweep.hyper(), self.keys()[0])
            self._shardings = distributed.state_sharding(template, self.mesh, (None, distributed.SEEDS))
        return self._shardings

    def _placed(self, states: Any) -> Any:
        """``states`` constrained to their shardings inside a program (on one device: unchanged)."""
        import jax

        return states if self.mesh is None else jax.lax.with_sharding_constraint(states, self.state_shardings())

    @property
    def init_program(self) -> Any:
        import jax

        if not hasattr(self, "_init"):
            self._init = jax.jit(lambda hyper, keys: self._placed(self._init_states(hyper, keys)))
        return self._init

    @property
    def chunk_program(self) -> Any:
        """``(hyper, train_keys, states, first_update, length) -> (states, logs)``; ``length`` static."""
        import jax

        if not hasattr(self, "_chunk"):
            def chunk(hyper: dict, key: Any, state: Any, first_update: Any, length: int) -> tuple[Any, Any]:
                agent = self.build_agent(hyper)

                def update(state: Any, index: Any) -> tuple[Any, Any]:
                    return agent.train(jax.random.fold_in(key, index), state, self.steps_per_update)

                state, logs = jax.lax.scan(update, state, first_update + jax.numpy.arange(length))
                return state, _merge_updates(logs)

            def program(hyper: dict, keys: Any, states: Any, first_update: Any, length: int) -> Any:
                fn = lambda h, k, s, u: chunk(h, k, s, u, length)  # noqa: E731
                over = self._over_values_and_seeds(fn, (None, 0, None), (0, 0, None))
                states, logs = over(hyper, keys, states, first_update)
                return self._placed(states), logs

            self._chunk = jax.jit(program, static_argnames="length")
        return self._chunk

    @property
    def evaluate_program(self) -> Any:
        """``(hyper, eval_keys, states, update, round) -> logs`` of ``eval_max_steps`` steps per env."""
        import jax

        if not hasattr(self, "_evaluate"):
            num_steps = self.experiment.algorithm.num_envs * self.experiment.eval_max_steps

            def evaluate(hyper: dict, key: Any, state: Any, update: Any, round_: Any) -> Any:
                key = jax.random.fold_in(jax.random.fold_in(key, update), round_)
                return self.build_agent(hyper).evaluate(key, state, num_steps)

            over = self._over_values_and_seeds(evaluate, (None, 0, None, None), (0, 0, None, None))
            self._evaluate = jax.jit(over)
        return self._evaluate

    def keys(self) -> tuple[Any, Any, Any]:
        """``(init, train, eval)`` keys per seed, ``(seeds,)`` each, from ``experiment.seed``."""
        import jax

        seed_keys = jax.random.split(jax.random.key(self.experiment.seed), self.experiment.seeds)
        parts = jax.vmap(lambda key: jax.random.split(key, 3))(seed_keys)
        return parts[:, 0], parts[:, 1], parts[:, 2]

    def init_states(self) -> Any:
        return self.init_program(self.sweep.hyper(), self.keys()[0])

    def state_template(self) -> Any:
        """The shapes, dtypes and shardings of the states, without running init: a checkpoint restores
        into it whatever devices wrote it (e.g. one written by 4 GPUs, evaluated on a laptop)."""
        import jax

        template = jax.eval_shape(self._init_states, self.sweep.hyper(), self.keys()[0])
        if self.mesh is None:
            one_device = jax.sharding.SingleDeviceSharding(jax.devices()[0])
            shardings = jax.tree.map(lambda _: one_device, template)
        else:
            shardings = self.state_shardings()
        return jax.tree.map(
            lambda leaf, sharding: jax.ShapeDtypeStruct(leaf.shape, leaf.dtype, sharding=sharding), template, shardings
        )

    def check_traceable(self) -> None:
        """Traces init and one chunk (no compilation): a swept field the algorithm uses in Python
        control flow, or a shape error, is reported before any run folder exists."""
        import jax

        try:
            template = self.state_template()
            jax.eval_shape(
                lambda *args: self.chunk_program(*args, length=1), self.sweep.hyper(), self.keys()[1], template, 0
            )
        except (
            jax.errors.ConcretizationTypeError,
            jax.errors.TracerArrayConversionError,
            jax.errors.TracerIntegerConversionError,
        ) as error:
            names = ", ".join(name for _, name in self.sweep.paths) or "a field"
            raise UsageError(
                f"--sweep {names}: {self.experiment.algo} uses it to choose the program's structure, "
                "so it cannot be traced; sweep another field or run one value per run."
            ) from error


def _merge_updates(logs: dict[str, Any]) -> dict[str, Any]:
    """Logs of ``L`` one-update calls stacked by scan, to the logs of one ``L``-update call."""
    from memorax.core import STEP

    return {
        key: value[-1] if key == STEP else value.reshape(value.shape[0] * value.shape[1], *value.shape[2:])
        for key, value in logs.items()
    }


def _encoder(spec: NetworkSpec, observation_ndim: int, extra_layers: int, activate_final: bool) -> Any:
    """The observation MLP: ``encoder_layers + extra_layers`` layers ``features`` wide; an observation of
    ``observation_ndim`` axes (e.g. an ``(N, N)`` grid) is flattened first."""
    import flax.linen as nn

    from memorax.networks import MLP

    return MLP(
        features=(spec.features,) * (spec.encoder_layers + extra_layers), activation=nn.relu,
        activate_final=activate_final, input_ndim=observation_ndim,
    )  # fmt: skip


def _network(experiment: Experiment, encoder: Any, head: Any) -> Any:
    from memorax.networks import FeatureExtractor, Network

    torso = build_torso(experiment.torso, experiment.network)
    return Network(FeatureExtractor(observation_extractor=encoder), torso=torso, head=head)


def chunk_length(entry: Entry, config: Any, total_steps: int, log_every: int | None) -> tuple[int, int, int]:
    """``(steps per update, updates, updates per chunk)``; by default about 24 chunks, a divisor of the updates."""
    per_update = entry.steps_per_update(config)
    updates = math.ceil(total_steps / per_update)
    if log_every is not None:
        return per_update, updates, math.ceil(log_every / per_update)
    target = max(1, round(updates / 24))
    divisors = [d for d in range(max(1, target // 2), 2 * target + 1) if updates % d == 0]
    return per_update, updates, min(divisors, key=lambda d: abs(d - target)) if divisors else target


def plan(experiment: Experiment, mesh: Any = None) -> Plan:
    """Checks the experiment against its env, algorithm and device ``mesh`` (``None``: one device) and
    builds the plan (no compilation)."""
    from memorax.core import MultiAgentEnvironment
    from memorax.environments import make
    from memorax.environments.wrappers import MultiAgentRecordEpisodeStatistics, RecordEpisodeStatistics

    entry = registry()[experiment.algo]
    try:
        env, env_params = make(experiment.env, **experiment.env_kwargs)
    except (ValueError, KeyError, TypeError) as error:
        raise UsageError(f"--env {experiment.env}: {error}") from error
    multi_agent = isinstance(env, MultiAgentEnvironment)
    if multi_agent != entry.multi_agent:
        kind = "multi" if multi_agent else "single"
        fits = [name for name, e in registry().items() if e.multi_agent == multi_agent]
        raise UsageError(f"--algo {experiment.algo} does not fit {experiment.env} ({kind}-agent); use --algo "
                         f"{' or '.join(fits)}.")
    space = env.action_space(env_params)
    discrete = hasattr(space, "n")
    if entry.actions != "any" and (entry.actions == "discrete") != discrete:
        raise UsageError(f"--algo {experiment.algo} needs {entry.actions} actions; {experiment.env} has "
                         f"{'discrete' if discrete else 'continuous'} ones.")
    env = (MultiAgentRecordEpisodeStatistics if multi_agent else RecordEpisodeStatistics)(env)
    per_update, updates, chunk = chunk_length(entry, experiment.algorithm, experiment.total_steps, experiment.log_every)
    result = Plan(experiment, entry, env, env_params, parse_sweep(experiment), per_update, updates, chunk, mesh)
    if not entry.uses_optimizer and any(section == "optimizer" for section, _ in result.sweep.paths):
        raise UsageError(f"--algo {experiment.algo} has no optimizer (its step sizes are fields of its own config); "
                         "sweep those instead.")
    try:
        result.build_agent({})
    except ValueError as error:
        raise UsageError(f"--algo {experiment.algo}: {error}") from error
    if mesh is not None:
        _check_devices(result, mesh)
    return result


def _check_devices(plan: Plan, mesh: Any) -> None:
    """The seeds must split over the ``"seeds"`` mesh axis and each seed's envs over ``"envs"``."""
    from memorax.algorithms import distributed

    seed_devices, env_devices = mesh.shape[distributed.SEEDS], mesh.shape[distributed.ENVS]
    if plan.experiment.seeds % seed_devices:
        raise UsageError(f"--seeds {plan.experiment.seeds} cannot be split over --seed-devices {seed_devices}: "
                         f"use a multiple of {seed_devices}.")
    try:
        plan.state_shardings()
    except ValueError as error:
        raise UsageError(f"--num-envs {plan.experiment.algorithm.num_envs} on {env_devices} devices per seed: "
                         f"{error}") from error
