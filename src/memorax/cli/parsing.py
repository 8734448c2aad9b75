"""Flags and config files to an :class:`Experiment`, with tyro; every error in one line.

``memorax train [--algo NAME] [--config FILE] [FLAGS]``: the algorithm (from ``--algo``,
else the file, else ppo) decides which config class the flags describe, so
``--algo dqn --help`` lists DQN's own fields with their defaults. Precedence: flags,
then the file, then the algorithm's CLI defaults (:mod:`memorax.cli.algorithms`).
"""

import argparse
import contextlib
import dataclasses
import io
import re
import typing
from collections.abc import Sequence
from typing import Any, Literal

import tyro

from memorax.cli.algorithms import Entry, registry
from memorax.cli.experiment import Experiment, NetworkSpec, OptimizerSpec, UsageError, build, read_file
from memorax.cli.torsos import TORSO_NAMES

_SECTIONS = ("network", "optimizer", "algorithm")


class ArgumentParser(argparse.ArgumentParser):
    """argparse whose errors are :class:`UsageError` (one line, exit code 2) instead of usage text."""

    def error(self, message: str) -> typing.NoReturn:
        raise UsageError(message)


def experiment_from(data: dict[str, Any], where: str) -> Experiment:
    """An :class:`Experiment` from a mapping (e.g. a config file) over the algorithm's CLI defaults."""
    algo = data.get("algo", "ppo")
    entry = _entry(algo)
    merged = _defaults(algo, entry)
    for key, value in data.items():
        if key in _SECTIONS and isinstance(value, dict):
            merged[key] = {**merged.get(key, {}), **value}
        else:
            merged[key] = value
    algorithm = build(entry.config_class, merged.pop("algorithm"), f"{where} algorithm")
    return build(Experiment, {**merged, "algorithm": algorithm}, where)


def parse_train(argv: Sequence[str]) -> Experiment:
    """The experiment of ``memorax train ARGV``."""
    argv = list(argv)
    config_file = _pop_option(argv, "--config")
    data = read_file(config_file) if config_file else {}
    algo = _peek_option(argv, "--algo")
    if algo is not None and data.get("algo", algo) != algo:
        raise UsageError(
            f"--algo {algo} differs from algo: {data['algo']} in {config_file}, whose algorithm fields are "
            f"{data['algo']}'s; edit the file or drop --algo."
        )
    if algo is not None:
        data["algo"] = algo
    default = experiment_from(data, str(config_file or "defaults"))
    cls = _flags_type(default.algo, type(default.algorithm))
    default = cls(**{field.name: getattr(default, field.name) for field in dataclasses.fields(Experiment)})
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            return tyro.cli(cls, args=argv, default=default, prog="memorax train", description=Experiment.__doc__)
    except SystemExit as exit_:
        if exit_.code in (0, None):
            raise
        raise UsageError(condense(stderr.getvalue()) or "invalid arguments; see memorax train --help") from None


def condense(text: str) -> str:
    """tyro's boxed error message as one line."""
    lines = []
    for line in text.splitlines():
        line = re.sub(r"[│╭╮╰╯─┃━┏┓┗┛]+", " ", line).strip()
        if line and not line.startswith(("For full helptext", "usage:")):
            lines.append(line)
    if len(lines) > 1 and lines[0].endswith(("error", "options", "argument", "arguments")):
        lines = lines[1:]  # the box title, e.g. "Value error"
    text = re.sub(r"^Error parsing \S+: ", "", " ".join(lines))  # our own validation message follows
    return re.sub(r"^Invalid choice (?=invalid choice)", "", text)


def _entry(algo: str) -> Entry:
    entries = registry()
    if algo not in entries:
        raise UsageError(f"unknown algorithm {algo!r}; choose one of {', '.join(entries)}.")
    return entries[algo]


def _defaults(algo: str, entry: Entry) -> dict[str, Any]:
    return {
        "algo": algo,
        "optimizer": {"learning_rate": entry.learning_rate},
        "algorithm": dict(entry.defaults),
    }


def _pop_option(argv: list[str], name: str) -> str | None:
    for index, arg in enumerate(argv):
        if arg == name:
            if index + 1 >= len(argv):
                raise UsageError(f"{name} needs a value.")
            value = argv[index + 1]
            del argv[index : index + 2]
            return value
        if arg.startswith(f"{name}="):
            del argv[index]
            return arg.split("=", 1)[1]
    return None


def _peek_option(argv: list[str], name: str) -> str | None:
    copy = list(argv)
    return _pop_option(copy, name)


def _flags_type(algo_name: str, config_class: type) -> type:
    """The :class:`Experiment` subclass tyro reads: choices as Literals, the algorithm's own config."""
    algos = typing.cast(Any, Literal)[tuple(registry())]
    torsos = typing.cast(Any, Literal)[TORSO_NAMES]

    @dataclasses.dataclass(frozen=True)
    class TrainFlags(Experiment):
        algo: algos = algo_name  # type: ignore[valid-type]
        """algorithm; `--algo NAME --help` lists its own fields"""
        torso: torsos = "gru"  # type: ignore[valid-type]
        """sequence model between encoder and heads (mlp: none)"""
        network: typing.Annotated[NetworkSpec, tyro.conf.OmitArgPrefixes] = NetworkSpec()
        optimizer: typing.Annotated[OptimizerSpec, tyro.conf.OmitArgPrefixes] = OptimizerSpec()
        algorithm: typing.Annotated[config_class, tyro.conf.OmitArgPrefixes] = dataclasses.field(  # type: ignore[valid-type]
            default_factory=config_class
        )

    TrainFlags.__doc__ = Experiment.__doc__
    return TrainFlags
