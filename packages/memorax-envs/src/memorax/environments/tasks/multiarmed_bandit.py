"""Episodic multi-armed bandit: explore the arms, then exploit the best (Morad et al., 2023, POPGym)."""

import jax
import jax.numpy as jnp

from memorax.core.dataclass import pytree_dataclass
from memorax.core.typing import Array, PRNGKey
from memorax.environments.auto_reset import AutoResetEnvironment
from memorax.environments.spaces import Box, Discrete
from memorax.environments.tasks.card_task import CardParams, check_sizes


@pytree_dataclass
class MultiarmedBanditState:
    payout_probabilities: Array  # (num_arms,)
    time: Array


class MultiarmedBandit(AutoResetEnvironment):
    """``num_arms`` arms with payout probabilities drawn uniformly in [0, 1] for each episode.

    Action ``Discrete(num_arms)``. A payout gives ``+1 / length``, no payout
    ``-1 / length``. Observation ``(1 + num_arms,)``: the payout bit and the arm just
    pulled, one-hot (POPGym gives the payout bit and lets the agent see its previous
    action; zeros at the start). Truncated after ``length`` pulls. Sizes (POPGym):
    10 arms for 200 pulls, 20 for 400, 30 for 600.

    Returns, means of first episodes of scripted policies (``tests/envs/test_popgym_tasks.py``):
    a random arm 0; memoryless win-stay, lose-shift (to the next arm, which the observation
    allows) 0.46 / 0.55 / 0.60; perfect memory (Thompson sampling on per-arm counts,
    Gaussian posteriors) 0.63 / 0.70 / 0.70.
    """

    def __init__(self, num_arms: int, length: int) -> None:
        check_sizes("MultiarmedBandit", num_arms=num_arms, length=length)
        self.num_arms = num_arms
        self.length = length

    @property
    def default_params(self) -> CardParams:
        return CardParams()

    def observation_space(self, params: CardParams) -> Box:
        return Box(0.0, 1.0, (1 + self.num_arms,))

    def action_space(self, params: CardParams) -> Discrete:
        return Discrete(self.num_arms)

    def reset_env(self, key: PRNGKey, params: CardParams) -> tuple[Array, MultiarmedBanditState]:
        state = MultiarmedBanditState(jax.random.uniform(key, (self.num_arms,)), jnp.int32(0))
        return jnp.zeros(1 + self.num_arms, jnp.float32), state

    def step_env(self, key: PRNGKey, state: MultiarmedBanditState, action: Array, params: CardParams):
        payout = jax.random.uniform(key) < state.payout_probabilities[action]
        reward = jnp.where(payout, 1.0, -1.0) / self.length
        observation = jnp.concatenate(
            [payout.astype(jnp.float32)[None], jax.nn.one_hot(action, self.num_arms, dtype=jnp.float32)]
        )
        time = state.time + 1
        return observation, state.replace(time=time), reward, jnp.bool_(False), time >= self.length, {}
