"""The CLI tests rerun the same tiny programs (round trip, resume, evaluate): a persistent
compilation cache for this folder compiles each once (about 25 s of CPU down to 3 per run).
The ``run_folders`` fixture reads run folders back: final states, bit-for-bit equality."""

from types import SimpleNamespace

import jax
import numpy as np
import pytest

from memorax.cli import runner
from memorax.cli.parsing import experiment_from
from memorax.loggers import CheckpointLogger

_OPTIONS = {
    "jax_compilation_cache_dir": None,
    "jax_persistent_cache_min_compile_time_secs": 0.0,
    "jax_persistent_cache_min_entry_size_bytes": -1,
}


def _reset_cache() -> None:
    from jax._src import compilation_cache  # no public reset; without it a worker that compiled before ignores the dir

    compilation_cache.reset_cache()


@pytest.fixture(scope="module", autouse=True)
def compilation_cache(tmp_path_factory):
    previous = {name: getattr(jax.config, name) for name in _OPTIONS}
    for name, value in _OPTIONS.items():
        jax.config.update(name, str(tmp_path_factory.mktemp("jax_cache")) if value is None else value)
    _reset_cache()
    yield
    for name, value in previous.items():
        jax.config.update(name, value)
    _reset_cache()


def checkpoint_state(run_dir, step=None):
    """The states of a run folder's checkpoint ``step`` (the latest if ``None``), on one device."""
    import yaml

    plan = runner.plan(experiment_from(yaml.safe_load((run_dir / "config.yaml").read_text()), "config"))
    checkpoints = CheckpointLogger(run_dir / "checkpoints")
    state = checkpoints.restore(plan.state_template(), step)
    checkpoints.finish()
    return state


def assert_identical(run_a, run_b):
    """Same metrics rows and the same final states, bit for bit."""
    assert (run_a / "metrics.jsonl").read_text() == (run_b / "metrics.jsonl").read_text()
    leaves_a, leaves_b = jax.tree.leaves(checkpoint_state(run_a)), jax.tree.leaves(checkpoint_state(run_b))
    assert len(leaves_a) == len(leaves_b)
    for a, b in zip(leaves_a, leaves_b):
        if jax.dtypes.issubdtype(a.dtype, jax.dtypes.prng_key):
            a, b = jax.random.key_data(a), jax.random.key_data(b)
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


@pytest.fixture(scope="session")
def run_folders():
    return SimpleNamespace(checkpoint_state=checkpoint_state, assert_identical=assert_identical)
