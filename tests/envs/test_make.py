"""make(): ids, namespaces, lazy backends and the errors a user sees."""

import subprocess
import sys

import pytest

from memorax.environments import environment, make
from memorax.environments.tasks import registry


def test_make__is_reachable_as_the_seed_readme_writes_it():
    env, env_params = environment.make("memorax::RepeatFirstEasy")
    assert env.num_values == 4 and env.length == 8


def test_make__kwargs_override_a_preset_size():
    env, _ = make("memorax::RepeatFirstEasy", length=16)
    assert env.length == 16 and env.num_values == 4


def test_make__every_builtin_id_builds():
    assert len(registry.ids()) == 48
    for env_id in registry.ids():
        env, params = make(f"memorax::{env_id}")
        action_space = env.action_space(params)
        assert env.observation_space(params).shape and (getattr(action_space, "n", 2) >= 2 or action_space.shape)


@pytest.mark.parametrize("bad", ["CartPole-v1", "gymnax::", "::CartPole-v1"])
def test_make__malformed_id_explains_the_format(bad):
    with pytest.raises(ValueError, match="namespace::name"):
        make(bad)


def test_make__unknown_namespace_lists_namespaces():
    with pytest.raises(ValueError, match="memorax, popjym, gymnax, jaxmarl, craftax, xminigrid, navix, brax"):
        make("popgym::RepeatFirstEasy")


def test_make__left_out_namespace_says_why():
    with pytest.raises(ValueError, match="not supported: popgym-arcade .*stable-gymnax.*'popjym::"):
        make("popgym_arcade::CountRecallEasy")


@pytest.mark.parametrize(
    ("popjym_id", "memorax_id"),
    [
        ("MinesweeperHard", "MineSweeperHard"),
        ("MultiArmedBanditEasy", "MultiarmedBanditEasy"),
        ("StatelessPendulumMedium", "PositionOnlyPendulumMedium"),
        ("NoisyStatelessPendulumHard", "NoisyPositionOnlyPendulumHard"),
        ("RepeatFirstEasy", "RepeatFirstEasy"),
    ],
)
def test_make__popjym_names_build_memorax_tasks(popjym_id, memorax_id):
    env, params = make(f"popjym::{popjym_id}")
    reference, reference_params = make(f"memorax::{memorax_id}")
    sizes = lambda e: {k: v for k, v in vars(e).items() if isinstance(v, int | float | str | tuple)}  # noqa: E731
    assert type(env) is type(reference) and sizes(env) == sizes(reference) and sizes(env)
    assert env.observation_space(params).shape == reference.observation_space(reference_params).shape


@pytest.mark.parametrize(
    ("env_id", "suggestion"),
    [
        ("memorax::RepeatFirstEasyy", "memorax::RepeatFirstEasy"),
        ("popjym::MineSweeperEasy", "popjym::MinesweeperEasy"),
        ("gymnax::CartPole-v2", "gymnax::CartPole-v1"),
        ("craftax::Craftax-Classic-Symbolic", "craftax::Craftax-Classic-Symbolic-v1"),
        ("xminigrid::MiniGrid-Empty-5x6", "xminigrid::MiniGrid-Empty-5x5"),
        ("navix::Navix-Empty-5x5", "navix::Navix-Empty-5x5-v0"),
        ("jaxmarl::MPE_simple_spread", "jaxmarl::MPE_simple_spread_v3"),
        ("brax::antt", "brax::ant"),
    ],
)
def test_make__unknown_id_lists_known_ids_closest_first(env_id, suggestion):
    with pytest.raises(ValueError, match="Known .* ids:") as error:
        make(env_id)
    suggestions = str(error.value).split("Did you mean ")[1].split("?")[0]
    assert suggestion in suggestions.split(", ")


@pytest.mark.parametrize(
    ("env_id", "blocked", "extra"),
    [
        ("craftax::Craftax-Classic-Symbolic-v1", ["craftax", "craftax.craftax_env"], "craftax"),
        ("jaxmarl::MPE_simple_spread_v3", ["jaxmarl"], "jaxmarl"),
        ("xminigrid::MiniGrid-Empty-5x5", ["xminigrid"], "xminigrid"),
        ("navix::Navix-Empty-5x5-v0", ["navix"], "navix"),
        ("brax::ant", ["brax", "brax.envs"], "brax"),
        ("playground::CartpoleBalance", ["mujoco_playground"], "playground"),
        ("gxm::Navix/Navix-Empty-5x5-v0", ["gxm", "gxm.registration"], "gxm"),
    ],
)
def test_make__missing_backend_names_the_extra(monkeypatch, env_id, blocked, extra):
    for module in blocked:
        monkeypatch.setitem(sys.modules, module, None)  # as if not installed
    with pytest.raises(ImportError, match=rf'pip install "memorax-envs\[{extra}\]"'):
        make(env_id)


def test_make__imports_no_backend_until_used():
    code = (
        "import sys; from memorax.environments import make; make('memorax::TMazeEasy'); "
        "print(sorted(m for m in ('gymnax', 'jaxmarl', 'craftax', 'xminigrid', 'navix', 'brax', 'mujoco_playground',"
        " 'gxm') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize(
    ("env_id", "kwargs", "match"),
    [
        ("memorax::RepeatFirstEasy", {"num_values": 0}, "num_values must be a positive integer"),
        ("memorax::RepeatPreviousEasy", {"delay": 16}, "delay .* must be smaller than length"),
        ("memorax::StatelessCartPoleEasy", {"noise_std": -1.0}, "noise_std"),
    ],
)
def test_make__bad_task_sizes_name_the_field(env_id, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make(env_id, **kwargs)
