"""benchmarks/memory_scoreboard.py --quick: trains, evaluates, resumes and renders."""

import importlib.util
import json
import math
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _scoreboard():
    spec = importlib.util.spec_from_file_location("memory_scoreboard", ROOT / "benchmarks" / "memory_scoreboard.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quick_run_writes_a_resumable_board(tmp_path: Path, capsys) -> None:
    scoreboard = _scoreboard()
    assert len(scoreboard.memory_tasks()) >= 7
    scoreboard.main(["--quick", "--out", str(tmp_path)])
    board = json.loads((tmp_path / "memory_scoreboard.json").read_text())
    assert {(cell["torso"], cell["env"].split("::")[1]) for cell in board["cells"]} == {
        (torso, f"{task}Easy") for torso in ("mlp", "gru") for task in scoreboard.memory_tasks()[:2]
    }
    for cell in board["cells"]:
        assert len(cell["return_per_seed"]) == 2 and all(math.isfinite(value) for value in cell["return_per_seed"])
        assert math.isclose(cell["normalised"], (cell["return_mean"] - cell["memoryless"]) / (cell["perfect"] - cell["memoryless"]))
        assert cell["env_steps_per_second"] > 0 and cell["compile_seconds"] > 0
    table = (tmp_path / "memory_scoreboard.md").read_text()
    assert table.count("| gru |") == 3 and "RepeatFirstEasy" in table
    assert (tmp_path / "memory_scoreboard.png").read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    scoreboard.main(["--quick", "--out", str(tmp_path)])  # resumes: every cell is there, nothing trains again
    assert "memory_scoreboard/return" not in capsys.readouterr().out
    assert json.loads((tmp_path / "memory_scoreboard.json").read_text())["cells"] == board["cells"]
