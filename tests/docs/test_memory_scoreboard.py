"""benchmarks/memory_scoreboard.py --quick: trains, evaluates, resumes and renders."""

import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _scoreboard():
    spec = importlib.util.spec_from_file_location("memory_scoreboard", ROOT / "benchmarks" / "memory_scoreboard.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run_quick(out: Path) -> str:
    """Runs ``--quick`` in its own process (the script sets an XLA flag before jax starts); returns stdout."""
    script = ROOT / "benchmarks" / "memory_scoreboard.py"
    result = subprocess.run([sys.executable, str(script), "--quick", "--out", str(out)], capture_output=True, text=True,
                            timeout=300)  # fmt: skip
    assert result.returncode == 0, result.stderr[-1000:]
    return result.stdout


def test_quick_run_writes_a_resumable_board(tmp_path: Path) -> None:
    scoreboard = _scoreboard()
    assert len(scoreboard.memory_tasks()) >= 7
    _run_quick(tmp_path)
    board = json.loads((tmp_path / "memory_scoreboard.json").read_text())
    assert {(cell["torso"], cell["env"].split("::")[1]) for cell in board["cells"]} == {
        (torso, f"{task}Easy") for torso in ("mlp", "gru") for task in scoreboard.memory_tasks()[:1]
    }
    for cell in board["cells"]:
        assert len(cell["return_per_seed"]) == 2 and all(math.isfinite(value) for value in cell["return_per_seed"])
        assert math.isclose(cell["normalised"], (cell["return_mean"] - cell["memoryless"]) / (cell["perfect"] - cell["memoryless"]))
        assert cell["env_steps_per_second"] > 0 and cell["compile_seconds"] > 0
    table = (tmp_path / "memory_scoreboard.md").read_text()
    assert table.count("| gru |") == 2 and "RepeatFirstEasy" in table
    assert (tmp_path / "memory_scoreboard.png").read_bytes()[:4] == b"\x89PNG"
    assert "memory_scoreboard/return" not in _run_quick(tmp_path)  # resumes: every cell is there, nothing trains
    assert json.loads((tmp_path / "memory_scoreboard.json").read_text())["cells"] == board["cells"]


def test_markdown_table__ranks_complete_rows_first_and_never_averages_a_partial_row():
    """A torso with fewer tasks (a board still filling) sits below every complete row, whatever its
    mean over the tasks it has, and its mean cell says how many tasks it has instead of a number."""
    cell = lambda torso, env, normalised: {
        "torso": torso, "env": f"memorax::{env}", "normalised": normalised, "return_mean": normalised,
        "return_std": 0.0, "memoryless": 0.0, "perfect": 1.0, "env_steps_per_second": 1.0, "compile_seconds": 1.0,
    }  # fmt: skip
    board = {"cells": [cell("gru", "A", 0.5), cell("gru", "B", 0.7), cell("gtrxl", "A", 1.0), cell("mlp", "A", 0.0),
                       cell("mlp", "B", 0.0)]}  # fmt: skip
    rows = _scoreboard().markdown_table(board).splitlines()[2:5]
    assert rows == ["| gru | 0.50 | 0.70 | 0.60 |", "| mlp | 0.00 | 0.00 | 0.00 |", "| gtrxl | 1.00 | – | (1 of 2 tasks) |"]
