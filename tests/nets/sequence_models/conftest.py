"""Fixtures over the models of ``sequence_model_cases`` (importable from the test modules)."""

import sys
from pathlib import Path

import flax.linen as nn
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from sequence_model_cases import BF16_MODELS, MEMOROID_CELLS, MODELS, Case, build  # noqa: E402


@pytest.fixture(scope="session", params=list(MODELS))
def case(request: pytest.FixtureRequest) -> Case:
    return build(request.param)


@pytest.fixture(scope="session", params=[name for name in MODELS if not name.startswith("rl2")])
def episodic_case(request: pytest.FixtureRequest) -> Case:
    """Models that reset at ``done`` (all but RL2, which resets per trial)."""
    return build(request.param)


@pytest.fixture(scope="session", params=BF16_MODELS)
def bf16_case(request: pytest.FixtureRequest) -> Case:
    return build(request.param)


@pytest.fixture(scope="session", params=list(MEMOROID_CELLS))
def memoroid_cell(request: pytest.FixtureRequest) -> tuple[str, nn.Module]:
    return request.param, MEMOROID_CELLS[request.param]()
