"""Objects written without memorax satisfy the core protocols structurally."""

import jax.numpy as jnp

from memorax.core import Environment, Logger


class _CoinFlip:
    """A one-step environment written as a third party would (gymnax >= 1.0 signature)."""

    @property
    def default_params(self):
        return None

    def reset(self, key, params):
        return jnp.zeros(1), jnp.int32(0)

    def step(self, key, state, action, params):
        obs = jnp.zeros(1)
        return obs, state, jnp.float32(1.0), jnp.bool_(True), jnp.bool_(False), {"final_observation": obs}

    def observation_space(self, params):
        return None

    def action_space(self, params):
        return None


def test_a_third_party_environment_satisfies_the_protocol():
    assert isinstance(_CoinFlip(), Environment)
    assert not isinstance(object(), Environment)


def test_logger_protocol_is_structural():
    class PrintLogger:
        def log(self, logs, step):
            pass

        def finish(self):
            pass

    assert isinstance(PrintLogger(), Logger)
    assert not isinstance(object(), Logger)
