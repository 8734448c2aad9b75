"""The CLI tests rerun the same tiny programs (round trip, resume, evaluate): a persistent
compilation cache for this folder compiles each once (about 25 s of CPU down to 3 per run)."""

import jax
import pytest

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
