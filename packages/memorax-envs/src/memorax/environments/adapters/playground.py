"""``playground::`` MuJoCo Playground environments (DM Control suite, locomotion, manipulation on MJX).

MuJoCo Playground's ``MjxEnv`` has brax's interface (``reset(key)``, ``step(state,
action)``, a state with ``obs``, ``reward``, ``done``) and, like brax's base envs, no time
limit and no auto-reset of its own (its training wrappers add both). The brax adapter's
logic applies: a step limit ``params.max_steps_in_episode`` (truncation, the environment
config's ``episode_length`` by default) next to the env's ``done`` (termination, e.g. a
fallen walker), and same-step auto-reset.
"""

from typing import Any

from memorax.core.typing import Array
from memorax.environments.adapters.brax import BraxEnvironment, BraxParams
from memorax.environments.backends import import_backend, unknown_id


class PlaygroundEnvironment(BraxEnvironment):
    """A MuJoCo Playground environment with a time limit; actions ``Box(-1, 1, (action_size,))``.

    Dict observations (locomotion's ``{"state", "privileged_state"}``) give the policy
    their ``"state"`` entry.

    Example:
        >>> env, params = make("playground::CartpoleBalance", episode_length=500)
    """

    def observation(self, obs: Any) -> Array:
        return obs["state"] if isinstance(obs, dict) else obs


def ids() -> list[str]:
    return list(import_backend("mujoco_playground", "playground").registry.ALL_ENVS)


def make(
    name: str, episode_length: int | None = None, impl: str | None = "jax", **config_overrides: Any
) -> tuple[PlaygroundEnvironment, BraxParams]:
    """Loads ``name`` with ``mujoco_playground.registry.load``.

    Args:
        name: a Playground id, e.g. ``"CartpoleBalance"``, ``"Go1JoystickFlatTerrain"``.
        episode_length: the step limit; the environment config's ``episode_length`` by default.
        impl: the MJX implementation, ``"jax"`` (default: runs everywhere) or ``"warp"``
            (NVIDIA GPUs); ``None`` keeps the config's default.
        **config_overrides: other entries of the environment config (``ctrl_dt``, ...).
    """
    registry = import_backend("mujoco_playground", "playground").registry
    if name not in registry.ALL_ENVS:
        raise unknown_id("playground", name, registry.ALL_ENVS)
    config = registry.get_default_config(name)
    if impl is not None and "impl" in config:
        config_overrides = {"impl": impl, **config_overrides}
    env = registry.load(name, config_overrides=config_overrides or None)
    env = PlaygroundEnvironment(env, int(episode_length or config.episode_length))
    return env, env.default_params
