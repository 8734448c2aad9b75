"""A tiny pure-jax training loop (minibatch SGD on linear regression, PRNG key in the state).

Run as a script, it restores the latest checkpoint of a CheckpointLogger folder,
trains more steps and saves the resulting leaves to an .npz file; the checkpoint test
runs it in a fresh process.
"""

import sys
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

from memorax.core import pytree_dataclass


@pytree_dataclass
class State:
    params: dict[str, jax.Array]
    key: jax.Array
    step: jax.Array


_INPUTS = jax.random.normal(jax.random.key(1), (256, 4))
_TARGETS = _INPUTS @ jnp.array([1.0, -2.0, 0.5, 3.0]) + 0.7


def init(seed: int = 0) -> State:
    params = {"w": jnp.zeros(4), "b": jnp.zeros(())}
    return State(params=params, key=jax.random.key(seed), step=jnp.zeros((), jnp.int32))


@partial(jax.jit, static_argnums=1)
def train(state: State, num_steps: int) -> State:
    def update(state, _):
        key, batch_key = jax.random.split(state.key)
        index = jax.random.randint(batch_key, (16,), 0, _INPUTS.shape[0])

        def loss(params):
            prediction = _INPUTS[index] @ params["w"] + params["b"]
            return jnp.mean((prediction - _TARGETS[index]) ** 2)

        grads = jax.grad(loss)(state.params)
        params = jax.tree.map(lambda p, g: p - 0.05 * g, state.params, grads)
        return State(params=params, key=key, step=state.step + 1), None

    return jax.lax.scan(update, state, length=num_steps)[0]


def leaves(state: State) -> dict[str, np.ndarray]:
    return {
        "w": np.asarray(state.params["w"]),
        "b": np.asarray(state.params["b"]),
        "key": np.asarray(jax.random.key_data(state.key)),
        "step": np.asarray(state.step),
    }


if __name__ == "__main__":
    from memorax.loggers import CheckpointLogger

    directory, num_steps, output = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    checkpoints = CheckpointLogger(directory)
    state = checkpoints.restore(jax.eval_shape(init))
    checkpoints.finish()
    np.savez(output, **leaves(train(state, num_steps)))
