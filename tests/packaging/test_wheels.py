"""Every distribution builds on its own, and memorax-nets installs without the RL stack.

This is slow (a build and a fresh virtual environment) but it is the promise the
product makes, so it stays in the default run.
"""

import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DISTRIBUTIONS = {
    "memorax": "memorax",
    "memorax_core": "packages/memorax-core",
    "memorax_nets": "packages/memorax-nets",
    "memorax_algos": "packages/memorax-algos",
    "memorax_envs": "packages/memorax-envs",
    "memorax_loggers": "packages/memorax-loggers",
}


def _uv() -> list[str]:
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def _project_version(directory: pathlib.Path) -> str:
    import tomllib

    return tomllib.loads((directory / "pyproject.toml").read_text())["project"]["version"]


@pytest.fixture(scope="module")
def wheels(tmp_path_factory) -> dict[str, pathlib.Path]:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([*_uv(), "build", "--all-packages", "--wheel", "-o", str(out), "-q"], cwd=ROOT, check=True)
    found = {path.name.split("-")[0]: path for path in out.glob("*.whl")}
    return found


@pytest.mark.slow
def test_six_wheels_with_their_own_versions_and_no_namespace_init(wheels):
    assert set(wheels) == set(DISTRIBUTIONS)
    for name, wheel in wheels.items():
        directory = ROOT if DISTRIBUTIONS[name] == "memorax" else ROOT / DISTRIBUTIONS[name]
        assert wheel.name.split("-")[1] == _project_version(directory)
        with zipfile.ZipFile(wheel) as archive:
            files = archive.namelist()
        assert "memorax/__init__.py" not in files, wheel.name
        code = [f for f in files if f.startswith("memorax/")]
        if name == "memorax":
            assert all(f.startswith("memorax/cli/") for f in code), code
        else:
            assert code, f"{wheel.name} ships no code"


@pytest.mark.slow
def test_member_wheels_keep_version_bounds_on_siblings(wheels):
    with zipfile.ZipFile(wheels["memorax_nets"]) as archive:
        metadata = archive.read(next(f for f in archive.namelist() if f.endswith("METADATA"))).decode()
    assert "Requires-Dist: memorax-core<0.2,>=0.1" in metadata


@pytest.mark.slow
def test_memorax_nets_alone_installs_no_rl_env_or_logging_library(wheels, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([*_uv(), "venv", "-q", "-p", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [*_uv(), "pip", "install", "-q", "-p", str(python), str(wheels["memorax_core"]), str(wheels["memorax_nets"])],
        check=True,
    )
    probe = (
        "import importlib.util, memorax.networks, memorax.core\n"
        "absent = [m for m in ('gymnax', 'flashbax', 'wandb', 'neptune', 'neptune_scale', 'memorax.algorithms')"
        " if importlib.util.find_spec(m.split('.')[0] if m != 'memorax.algorithms' else m) is not None]\n"
        "assert not absent, absent\n"
        "print('ok')\n"
    )
    result = subprocess.run([str(python), "-c", probe], capture_output=True, text=True)
    assert result.returncode == 0 and "ok" in result.stdout, result.stderr
