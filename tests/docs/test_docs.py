"""The documentation site: it builds strictly, every public name has a page, every Python block runs."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest
from mktestdocs import check_md_file, grab_code_blocks

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES_WITH_CODE = sorted(
    path for path in DOCS.rglob("*.md") if grab_code_blocks(path.read_text(), lang="python")
)


def _hooks():
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "mkdocs_hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The site built with ``mkdocs build --strict`` (warnings are errors)."""
    folder = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(folder)],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-4000:]
    return folder


def test_every_public_name_has_an_api_entry(site: Path) -> None:
    hooks = _hooks()
    missing = []
    for package in hooks.PACKAGES:
        page = (site / "api" / package.rsplit(".", 1)[-1] / "index.html").read_text()
        missing += [f"{package}.{name}" for name in hooks.public_names(package) if f'id="{package}.{name}"' not in page]
    assert not missing, f"public names without an API entry: {missing}"


def test_generated_pages_hold_the_code_facts(site: Path) -> None:
    """The generated tables are there: every CLI torso, every algorithm config, the CLI help, the tasks."""
    from memorax.cli.algorithms import registry
    from memorax.cli.torsos import TORSO_NAMES

    networks = (site / "networks" / "index.html").read_text()
    assert all(f"<code>{name}</code>" in networks for name in TORSO_NAMES if name != "mlp")
    algorithms = (site / "algorithms" / "index.html").read_text()
    assert all(entry.config_class.__name__ in algorithms for entry in registry().values())
    assert "--total-steps" in (site / "cli" / "index.html").read_text()
    assert "memorax::RepeatPreviousMedium" in (site / "environments" / "index.html").read_text()


def test_every_api_page_is_in_the_nav() -> None:
    hooks = _hooks()
    nav = (ROOT / "mkdocs.yml").read_text()
    assert all(f"api/{package.rsplit('.', 1)[-1]}.md" in nav for package in hooks.PACKAGES)


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda path: str(path.relative_to(DOCS)))
def test_python_blocks_run(page: Path) -> None:
    check_md_file(page, memory=True)
