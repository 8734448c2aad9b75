"""mkdocs hook: pages generated from the code at build time, so that they cannot drift.

A page marks a generated part with ``<!-- generated: NAME -->``: ``api MODULE`` (every public
name of MODULE's namespace), ``algorithm-configs``, ``cli-reference``, ``sequence-models``,
``memory-tasks`` or ``scoreboard``. :func:`public_names` is also what the docs test checks
the built inventory against.
"""

import contextlib
import dataclasses
import inspect
import io
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

PACKAGES = (
    "memorax.core",
    "memorax.networks",
    "memorax.networks.heads",
    "memorax.algorithms",
    "memorax.buffers",
    "memorax.environments",
    "memorax.environments.wrappers",
    "memorax.algorithms.distributed",
    "memorax.loggers",
)
_MARKER = re.compile(r"<!-- generated: ([\w-]+)(?: ([\w.]+))? -->")
RESULTS = Path(__file__).parent / "docs" / "results"


def public_names(module_name: str) -> list[str]:
    """The public, non-module names a package's ``__init__`` re-exports (a module's ``__all__``)."""
    import importlib

    module = importlib.import_module(module_name)
    if hasattr(module, "__all__"):
        return sorted(module.__all__)
    return sorted(
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    )


def _api(module_name: str) -> str:
    """mkdocstrings blocks for every public name; a type alias of a foreign type (``Logs = Mapping[...]``),
    which griffe cannot follow, gets a heading with the same anchor and its definition."""
    import importlib

    module = importlib.import_module(module_name)
    blocks = [f"::: {module_name}\n    options:\n      members: false\n      show_root_heading: false\n"]
    for name in public_names(module_name):
        value = getattr(module, name)
        origin = getattr(value, "__origin__", None)
        if origin is not None and not getattr(origin, "__module__", "").startswith("memorax"):
            blocks.append(f"## `{name}` {{ #{module_name}.{name} }}\n\nType alias: `{value!r}`.\n")
        else:
            blocks.append(f"::: {module_name}.{name}\n    options:\n      heading_level: 2\n")
    return "\n".join(blocks)


def _algorithm_configs(_: str | None) -> str:
    from memorax.cli.algorithms import registry

    parts = []
    for algo, entry in registry().items():
        cls = entry.config_class
        parts.append(f"### {cls.__name__} (`--algo {algo}`)\n")
        parts.append("| field | type | default | `memorax train` default |\n|---|---|---|---|")
        for field in dataclasses.fields(cls):
            default = field.default if field.default is not dataclasses.MISSING else (
                field.default_factory() if field.default_factory is not dataclasses.MISSING else "required"
            )
            type_name = getattr(field.type, "__name__", str(field.type)).replace("|", "\\|")
            cli = entry.defaults.get(field.name, default)
            parts.append(f"| `{field.name}` | `{type_name}` | `{default!r}` | `{cli!r}` |")
        parts.append("")
    return "\n".join(parts)


def _cli_reference(_: str | None) -> str:
    from memorax.cli.parsing import parse_train

    os.environ["COLUMNS"] = "110"
    sections = []
    for title, argv in (("memorax train --help", ["--help"]), ("memorax train --algo dqn --help", ["--algo", "dqn", "--help"])):
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            parse_train(argv)
        text = re.sub(r"\x1b\[[0-9;]*m", "", out.getvalue())
        sections.append(f"### `{title}`\n\n```text\n{text.rstrip()}\n```\n")
    return "\n".join(sections)


_PAPERS = {
    "gru": "Cho et al., 2014", "lstm": "Hochreiter & Schmidhuber, 1997", "slstm": "Beck et al., 2024 (xLSTM)",
    "shm": "Le et al., 2024 (stable Hadamard memory)", "rtu": "Elelimy et al., 2024 (recurrent trace units)",
    "lru": "Orvieto et al., 2023", "mingru": "Feng et al., 2024 (Were RNNs all we needed?)",
    "s5": "Smith et al., 2023", "ffm": "Morad et al., 2023 (fast and forgetful memory)",
    "mamba2": "Dao & Gu, 2024", "mlstm": "Beck et al., 2024 (xLSTM)",
    "linear_attention": "Katharopoulos et al., 2020", "attention": "Vaswani et al., 2017",
    "gtrxl": "Parisotto et al., 2020", "gpt2": "Radford et al., 2019", "xlstm": "Beck et al., 2024",
}  # fmt: skip


def _sequence_models(_: str | None) -> str:
    """One row per CLI torso: its classes, whether it scans in parallel, RTRL support and carry size, computed."""
    import jax
    import numpy as np

    from memorax.cli.experiment import NetworkSpec
    from memorax.cli.torsos import TORSO_NAMES, build_torso
    from memorax.networks import RTRL, Memoroid

    spec = NetworkSpec()
    rows = [
        f"Computed from `memorax train --torso NAME` at `features={spec.features}`, `num_heads={spec.num_heads}`, "
        f"`context_length={spec.context_length}`; carry size = float32 numbers per env.\n",
        "| torso | model | paper | parallel scan | RTRL | carry size |",
        "|---|---|---|---|---|---:|",
    ]
    for name in TORSO_NAMES:
        model = build_torso(name, spec)
        if model is None:
            continue
        cell = getattr(model, "cell", None)
        label = type(model).__name__ + (f"({type(cell).__name__})" if cell is not None else "")
        try:
            RTRL(model)
            rtrl = "yes"
        except (ValueError, TypeError):
            rtrl = "no"
        carry = jax.eval_shape(lambda key, m=model: m.initialize_carry(key, (1, spec.features)), jax.random.key(0))
        size = sum(int(np.prod(leaf.shape)) for leaf in jax.tree.leaves(carry))
        parallel = "yes" if isinstance(model, Memoroid) else "no"
        rows.append(f"| `{name}` | `{label}` | {_PAPERS.get(name, '')} | {parallel} | {rtrl} | {size:,} |")
    return "\n".join(rows)


def _memory_tasks(_: str | None) -> str:
    from memorax.environments import make, reference_returns
    from memorax.environments.tasks.reference import MEMORYLESS, PERFECT
    from memorax.environments.tasks.registry import LEVELS, SIZES

    rows = ["| id | sizes | memoryless best | perfect memory |", "|---|---|---:|---:|"]
    for task, (_, presets) in SIZES.items():
        for level, preset in zip(LEVELS, presets, strict=True):
            env_id = f"memorax::{task}{level}"
            references = reference_returns(make(env_id)[0])
            low, high = ("–", "–") if references is None else (f"{references[MEMORYLESS]:.3f}", f"{references[PERFECT]:.3f}")
            sizes = ", ".join(f"{key}={value}" for key, value in preset.items())
            rows.append(f"| `{env_id}` | {sizes} | {low} | {high} |")
    return "\n".join(rows)


def _scoreboard(_: str | None) -> str:
    path = RESULTS / "memory_scoreboard.md"
    return path.read_text() if path.exists() else "*No scoreboard yet: run `benchmarks/memory_scoreboard.py`.*"


GENERATORS: dict[str, Callable[[str | None], str]] = {
    "api": _api,
    "algorithm-configs": _algorithm_configs,
    "cli-reference": _cli_reference,
    "sequence-models": _sequence_models,
    "memory-tasks": _memory_tasks,
    "scoreboard": _scoreboard,
}


def on_page_markdown(markdown: str, **_: Any) -> str:
    return _MARKER.sub(lambda match: GENERATORS[match.group(1)](match.group(2)), markdown)
