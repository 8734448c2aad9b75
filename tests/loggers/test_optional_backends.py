import ast
import sys
from pathlib import Path

import pytest

import memorax.loggers
from memorax.loggers import CheckpointLogger, NeptuneLogger, TensorBoardLogger, WandbLogger


@pytest.mark.parametrize(
    ("make_logger", "module", "extra"),
    [
        (lambda path: WandbLogger(mode="offline", directory=path), "wandb", "wandb"),
        (lambda path: NeptuneLogger("memorax/tests", mode="offline", log_directory=path), "neptune_scale", "neptune"),
        (lambda path: TensorBoardLogger(path), "tensorboardX", "tensorboard"),
        (lambda path: CheckpointLogger(path), "orbax.checkpoint", "checkpoint"),
    ],
)
def test_loggers__missing_backend_names_the_extra_to_install(tmp_path, monkeypatch, make_logger, module, extra):
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` raise ImportError
    with pytest.raises(ImportError, match=rf'pip install "memorax-loggers\[{extra}\]"'):
        make_logger(tmp_path)


def test_loggers__modules_import_no_backend_at_import_time():
    """Backends are imported inside the loggers' constructors, never at module level."""
    backends = {"wandb", "neptune_scale", "tensorboardX", "orbax", "matplotlib"}
    package = Path(memorax.loggers.__file__).parent
    eager = [
        f"{path.name}: {name}"
        for path in package.glob("*.py")
        for node in ast.parse(path.read_text()).body
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for name in ([alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""])
        if name.split(".")[0] in backends
    ]
    assert not eager, eager
