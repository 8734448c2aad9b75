"""The experiment a ``memorax train`` run is: frozen dataclasses, validated when built.

An :class:`Experiment` holds everything that decides a run's numbers: algorithm and its
own config, env and keyword arguments, torso and network sizes, optimizer and schedule,
budget, seeds, evaluation, checkpoints and sweeps. It is read from flags (tyro), from a
YAML or TOML file (``--config FILE``, flags override it), and written to
``RUN/config.yaml``, from which ``memorax train --config`` reproduces the run bit for bit.
"""

import dataclasses
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import tyro
import yaml

from memorax.cli.torsos import TORSO_NAMES

DEFAULT_ENV = "memorax::RepeatPreviousMedium"
LOGGERS = ("wandb", "tensorboard", "neptune")


class UsageError(ValueError):
    """Bad input: ``memorax`` prints the message on one line and exits with code 2."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise UsageError(message)


@dataclasses.dataclass(frozen=True)
class NetworkSpec:
    """Network sizes: an MLP encoder to ``features``, the torso, the algorithm's heads."""

    features: int = 64
    """width of the encoder output and of the torso"""
    encoder_layers: int = 1
    """dense layers (each `features` wide) of the observation encoder"""
    num_heads: int = 4
    """attention heads (attention, gtrxl, gpt2, xlstm)"""
    num_layers: int = 2
    """layers of the gtrxl and gpt2 recipes"""
    context_length: int = 64
    """steps an attention torso sees (gtrxl: also its memory length)"""
    xlstm_pattern: str = "ms"
    """xlstm blocks: m = mLSTM, s = sLSTM"""

    def __post_init__(self) -> None:
        for name in ("features", "encoder_layers", "num_heads", "num_layers", "context_length"):
            _require(getattr(self, name) >= 1, f"network.{name} must be >= 1, got {getattr(self, name)}.")
        _require(
            self.features % self.num_heads == 0,
            f"network.features={self.features} must be a multiple of network.num_heads={self.num_heads}.",
        )


@dataclasses.dataclass(frozen=True)
class OptimizerSpec:
    """The optimizer of every network, with gradient clipping and a learning-rate schedule."""

    optimizer: Literal["adam", "adamw", "rmsprop", "sgd"] = "adam"
    """optax optimizer"""
    learning_rate: float = 3e-3
    """initial step size"""
    lr_schedule: Literal["linear", "cosine", "constant"] = "linear"
    """decay to 0 over the optimizer steps of the updates that actually run, or constant"""
    max_grad_norm: float | None = 0.5
    """clip gradients to this global norm (None: no clipping)"""
    eps: float = 1e-8
    """adam/adamw/rmsprop epsilon"""
    weight_decay: float = 1e-4
    """adamw weight decay"""

    def __post_init__(self) -> None:
        _require(self.learning_rate > 0, f"learning_rate must be > 0, got {self.learning_rate}.")
        _require(
            self.max_grad_norm is None or self.max_grad_norm > 0,
            f"max_grad_norm must be > 0 or None, got {self.max_grad_norm}.",
        )
        _require(self.eps > 0, f"eps must be > 0, got {self.eps}.")
        _require(self.weight_decay >= 0, f"weight_decay must be >= 0, got {self.weight_decay}.")


@dataclasses.dataclass(frozen=True)
class Experiment:
    """Train an agent with the live dashboard; write metrics, checkpoints, config and plots to a run folder.

    With no arguments: PPO with a GRU on the built-in memory task memorax::RepeatPreviousMedium
    (name the card shown 4 steps ago; a memoryless policy cannot beat -0.5, perfect memory
    scores 1): the return climbs to about 0.9 in 1 to 3 minutes on 2 CPU cores.

    Launch options (where the run computes; not saved in config.yaml): --coordinator-address
    HOST:PORT --num-processes N --process-id I join N processes into one run, --distributed
    does so under SLURM / Open MPI, --seed-devices K splits the seeds over K devices.
    """

    algo: str = "ppo"
    """algorithm (`memorax train --algo NAME --help` lists its own fields)"""
    env: str = DEFAULT_ENV
    """environment id, e.g. gymnax::CartPole-v1"""
    env_kwargs: dict[str, int | float | bool | str] = dataclasses.field(default_factory=dict)
    """keyword arguments of the environment, e.g. --env-kwargs length 16 num_values 4"""
    torso: str = "gru"
    """sequence model between encoder and heads"""
    total_steps: int = 196_608
    """env steps per seed (rounded up to whole updates; the run says so)"""
    seeds: int = 1
    """seeds trained in parallel (jax.vmap)"""
    seed: int = 0
    """PRNG seed of the first run"""
    log_every: int | None = None
    """env steps between dashboard/metrics rows (default: about 24 rows per run)"""
    eval_every: int | None = None
    """env steps between evaluations (default: only at the end)"""
    eval_episodes: int = 32
    """finished episodes per evaluation and seed"""
    eval_max_steps: int = 512
    """env steps per env and evaluation round (up to 8 rounds run to finish eval_episodes)"""
    checkpoint_every: int | None = None
    """env steps between Orbax checkpoints in RUN/checkpoints (always one at the end)"""
    sweep: typing.Annotated[tuple[str, ...], tyro.conf.UseAppendAction] = ()
    """FIELD=v1,v2,... over a float hyperparameter, trained in one program; several: a grid"""
    logger: typing.Annotated[tuple[str, ...], tyro.conf.UseAppendAction] = ()
    """extra backend: wandb, tensorboard or neptune"""
    logger_mode: Literal["online", "offline"] = "online"
    """wandb/neptune mode; offline needs no network"""
    wandb_project: str = "memorax"
    """W&B project of --logger wandb"""
    neptune_project: str | None = None
    """workspace/project of --logger neptune (default: the NEPTUNE_PROJECT variable)"""
    run_dir: str | None = None
    """run folder (default runs/<time>-<algo>-<torso>-<env>); an existing one is refused"""
    dashboard: bool = True
    """live dashboard (--no-dashboard: plain lines)"""
    network: NetworkSpec = NetworkSpec()
    optimizer: OptimizerSpec = OptimizerSpec()
    algorithm: Any = None
    """the algorithm's own config (its fields are flags of their own)"""

    def __post_init__(self) -> None:
        _require(self.seeds >= 1, f"--seeds must be >= 1 (seeds trained in parallel), got {self.seeds}.")
        _require(self.seed >= 0, f"--seed must be >= 0, got {self.seed}.")
        _require(self.total_steps >= 1, f"--total-steps must be >= 1 env step, got {self.total_steps}.")
        _require(self.eval_episodes >= 1, f"--eval-episodes must be >= 1, got {self.eval_episodes}.")
        _require(self.eval_max_steps >= 1, f"--eval-max-steps must be >= 1, got {self.eval_max_steps}.")
        for name in ("log_every", "eval_every", "checkpoint_every"):
            value = getattr(self, name)
            _require(value is None or value >= 1, f"--{name.replace('_', '-')} must be >= 1 env step, got {value}.")
        for name in self.logger:
            _require(name in LOGGERS, f"--logger {name!r} is not one of {', '.join(LOGGERS)}.")
        _require(
            "neptune" not in self.logger or bool(self.neptune_project or os.environ.get("NEPTUNE_PROJECT")),
            "--logger neptune needs --neptune-project workspace/project (or the NEPTUNE_PROJECT variable), "
            "even offline.",
        )
        _require(self.torso in TORSO_NAMES, f"--torso {self.torso!r} is not one of {', '.join(TORSO_NAMES)}.")
        _require("::" in self.env, f"--env must look like namespace::name (e.g. gymnax::CartPole-v1), got {self.env!r}.")


def to_mapping(experiment: Experiment) -> dict[str, Any]:
    """The experiment as plain YAML-ready data (tuples as lists, nested configs as mappings)."""

    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value):
            return {field.name: plain(getattr(value, field.name)) for field in dataclasses.fields(value)}
        if isinstance(value, tuple | list):
            return [plain(item) for item in value]
        if isinstance(value, Mapping):
            return {key: plain(item) for key, item in value.items()}
        return value

    return plain(experiment)


def save(experiment: Experiment, path: Path, comment: str = "") -> None:
    """Writes ``experiment`` as YAML (floats round-trip exactly)."""
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    path.write_text(header + yaml.safe_dump(to_mapping(experiment), sort_keys=False))


def read_file(path: str | Path) -> dict[str, Any]:
    """The mapping in a YAML (``.yaml``/``.yml``) or TOML (``.toml``) config file."""
    path = Path(path)
    _require(path.is_file(), f"--config {path}: no such file.")
    try:
        data = tomllib.loads(path.read_text()) if path.suffix == ".toml" else yaml.safe_load(path.read_text())
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as error:
        raise UsageError(f"--config {path} is not valid {'TOML' if path.suffix == '.toml' else 'YAML'}: "
                         f"{' '.join(str(error).split())}") from error
    _require(isinstance(data, dict), f"--config {path} must hold a mapping of fields, got {type(data).__name__}.")
    return data


def build(cls: type, data: Mapping[str, Any], where: str) -> Any:
    """``cls(**data)`` with nested dataclasses built too, lists to tuples, ints to floats;
    unknown fields are refused by name."""
    fields = {field.name: field for field in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    _require(not unknown, f"unknown field{'s' * (len(unknown) > 1)} {', '.join(unknown)} in {where}; "
             f"the fields are {', '.join(fields)}.")
    hints = typing.get_type_hints(cls)
    values = {name: _coerce(hints[name], value, f"{where}.{name}") for name, value in data.items()}
    try:
        return cls(**values)
    except UsageError:
        raise
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from error


def _coerce(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is typing.Annotated:
        return _coerce(typing.get_args(hint)[0], value, where)
    if dataclasses.is_dataclass(hint) and isinstance(value, Mapping):
        return build(hint, value, where)
    if origin is tuple and isinstance(value, list):
        return tuple(value)
    accepts_float = hint is float or (origin in (typing.Union, types.UnionType) and float in typing.get_args(hint))
    if accepts_float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value
