"""``pip install "memorax[cuda]"`` asks for jax's CUDA 12 wheels at the jax line the lock pins."""

import pathlib
import tomllib

from packaging.requirements import Requirement

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _locked_versions() -> dict[str, str]:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    return {package["name"]: package["version"] for package in lock["package"] if "version" in package}


def test_cuda_extra__requires_jax_with_cuda12_at_the_locked_jax_line():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [Requirement(text) for text in project["optional-dependencies"]["cuda"]]
    jax = [r for r in requirements if r.name == "jax"]
    assert len(jax) == 1 and jax[0].extras == {"cuda12"}
    locked = _locked_versions()
    assert jax[0].specifier.contains(locked["jax"]), f"cuda extra {jax[0]} excludes the locked jax {locked['jax']}"


def test_cuda_extra__is_resolved_in_the_lock_with_the_matching_plugin():
    locked = _locked_versions()
    assert locked["jax-cuda12-plugin"] == locked["jax"]
