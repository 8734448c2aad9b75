"""Every example runs end to end at a tiny budget (one update or iteration)."""

import importlib.util
import math
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    "name", ["ppo_memory", "pqn_cartpole", "mappo_mpe", "dqn_cartpole", "r2d2_memory", "sac_pendulum"]
)
def test_example__runs_at_a_tiny_budget(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.TOTAL_STEPS > 0
    result = module.main(total_steps=1)
    assert math.isfinite(result)
