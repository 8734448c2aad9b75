"""The import graph points only towards core (ARCHITECTURE.md section 2)."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

# sub-package -> the memorax sub-packages it may import
ALLOWED = {
    "core": {"core"},
    "networks": {"core", "networks"},
    "algorithms": {"core", "networks", "algorithms", "buffers"},
    "buffers": {"core", "buffers"},
    "environments": {"core", "environments"},
    "loggers": {"core", "loggers"},
}


def _sources():
    for path in sorted((ROOT / "packages").glob("*/src/memorax/*/**/*.py")):
        yield path.relative_to(ROOT / "packages").parts[3], path


def _memorax_imports(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "memorax" and len(parts) > 1:
                yield parts[1]


@pytest.mark.parametrize("subpackage", sorted(ALLOWED))
def test_imports_point_only_towards_core(subpackage):
    bad = [
        f"{path.relative_to(ROOT)} imports memorax.{target}"
        for owner, path in _sources()
        if owner == subpackage
        for target in _memorax_imports(path)
        if target not in ALLOWED[subpackage]
    ]
    assert not bad, bad


def test_no_namespace_init_anywhere():
    inits = list(ROOT.glob("packages/*/src/memorax/__init__.py")) + list(ROOT.glob("src/memorax/__init__.py"))
    assert not inits, inits
