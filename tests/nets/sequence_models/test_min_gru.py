"""MinGRU's chrono-initialised update gate and its float32 recurrence."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from memorax.networks import Memoroid, MinGRUCell, MinGRUConfig


def _timescales(params) -> np.ndarray:
    bias = np.asarray(params["params"]["cell"]["gates"]["bias"])
    z = 1.0 / (1.0 + np.exp(-bias[: bias.shape[0] // 2]))
    return 1.0 / z


def test_min_gru__gate_starts_with_timescales_up_to_max_timescale():
    model = Memoroid(cell=MinGRUCell(config=MinGRUConfig(features=256, max_timescale=32.0)))
    x, done = jnp.zeros((1, 2, 3)), jnp.zeros((1, 2), bool)
    timescales = _timescales(model.init(jax.random.key(0), x, done))
    assert timescales.min() >= 2.0 - 1e-4 and timescales.max() <= 32.0 + 1e-3
    # spread over the range (uniform): a quarter of the units above 24 steps, a quarter below 10
    assert np.mean(timescales > 24.0) > 0.15 and np.mean(timescales < 10.0) > 0.15


def test_min_gru__keeps_a_cue_through_long_blank_stretches_at_init():
    """At initialisation, the output after 32 blank steps still depends on the first input
    (a zero-bias gate halves the state every step: 2^-32 of it would be left)."""
    model = Memoroid(cell=MinGRUCell(config=MinGRUConfig(features=64)))
    done = jnp.zeros((1, 33), bool)
    params = model.init(jax.random.key(0), jnp.zeros((1, 33, 4)), done)

    def last_output(cue):
        x = jnp.zeros((1, 33, 4)).at[0, 0].set(cue)
        return model.apply(params, x, done)[1][0, -1]

    sensitivity = jnp.linalg.norm(jax.jacobian(last_output)(jnp.ones(4)))
    assert sensitivity > 1e-2


def test_min_gru__float32_recurrence_matches_a_float64_reference_over_256_steps():
    model = Memoroid(cell=MinGRUCell(config=MinGRUConfig(features=8)), mode="associative")
    x = jax.random.normal(jax.random.key(1), (2, 256, 3))
    done = jnp.zeros((2, 256), bool).at[1, 150].set(True)
    params = model.init(jax.random.key(0), x, done)
    _, y = model.apply(params, x, done)
    gates = params["params"]["cell"]["gates"]
    logits = np.asarray(x, np.float64) @ np.asarray(gates["kernel"], np.float64) + np.asarray(gates["bias"], np.float64)
    z_logit, candidate = np.split(logits, 2, axis=-1)
    z = 1.0 / (1.0 + np.exp(-z_logit))
    g = np.where(candidate >= 0, candidate + 0.5, 1.0 / (1.0 + np.exp(-candidate)))
    h, reference = np.zeros((2, 8)), np.zeros((2, 256, 8))
    for t in range(256):
        h = np.where(np.asarray(done[:, t])[:, None], 0.0, h)
        h = (1.0 - z[:, t]) * h + z[:, t] * g[:, t]
        reference[:, t] = h
    np.testing.assert_allclose(np.asarray(y), reference, rtol=1e-4, atol=1e-5)


def test_min_gru__max_timescale_must_exceed_two():
    with pytest.raises(ValueError, match="MinGRUConfig.max_timescale must be > 2"):
        MinGRUConfig(features=4, max_timescale=2.0)
