"""Encoders: MLP, CNN and ViT map (B, T, ...) observations to (B, T, F) per frame."""

import jax
import jax.numpy as jnp
import pytest

from memorax.networks import CNN, MLP, PatchEmbedding, ViT

B, T = 2, 3


def test_mlp__layer_sizes_and_validation():
    mlp = MLP(features=(16, 4), activate_final=False)
    x = jax.random.normal(jax.random.key(0), (B, T, 5))
    y = mlp.apply(mlp.init(jax.random.key(1), x), x)
    assert y.shape == (B, T, 4) and jnp.any(y < 0)
    with pytest.raises(ValueError, match="MLP.features"):
        MLP(features=16)


def test_mlp__input_ndim_flattens_each_grid_observation_as_a_vector_mlp_would():
    grid = MLP(features=(8,), input_ndim=2)
    x = jax.random.normal(jax.random.key(0), (B, T, 4, 3))
    params = grid.init(jax.random.key(1), x)
    assert params["params"]["Dense_0"]["kernel"].shape == (12, 8)
    flat = x.reshape(B, T, 12)
    assert jnp.array_equal(grid.apply(params, x), MLP(features=(8,)).apply(params, flat))
    with pytest.raises(ValueError, match="MLP.input_ndim must be >= 1"):
        MLP(features=(8,), input_ndim=0)
    with pytest.raises(ValueError, match="at least 3 axes"):
        MLP(features=(8,), input_ndim=3).init(jax.random.key(1), jnp.zeros((4, 3)))


def test_cnn__applies_per_frame_over_batch_and_time():
    cnn = CNN(features=(8,), kernel_sizes=((3, 3),), strides=((2, 2),), output_features=16)
    frames = jax.random.uniform(jax.random.key(0), (B, T, 10, 10, 4))
    params = jax.jit(cnn.init)(jax.random.key(1), frames)
    apply = jax.jit(cnn.apply)
    y = apply(params, frames)
    assert y.shape == (B, T, 16)
    changed = apply(params, frames.at[1, 2].set(0.0)) != y  # frames are encoded independently
    assert changed[1, 2].any() and not changed.at[1, 2].set(False).any()
    assert jax.eval_shape(cnn.apply, params, frames.astype(jnp.uint8)).dtype == jnp.float32
    with pytest.raises(ValueError, match="one entry per conv layer"):
        CNN(features=(8, 8), kernel_sizes=((3, 3),), strides=((1, 1), (1, 1)))


def test_vit__patch_tokens_pooled_per_frame():
    vit = ViT(features=16, num_layers=1, num_heads=2, expansion_factor=2, patch_embedding=PatchEmbedding(patch_size=4, features=16))
    frames = jax.random.uniform(jax.random.key(0), (B, T, 8, 8, 3))
    params = jax.jit(vit.init)(jax.random.key(1), frames)
    assert params["params"]["position_embedding"].shape == (4, 16)
    apply = jax.jit(vit.apply)
    y = apply(params, frames)
    assert y.shape == (B, T, 16)
    changed = apply(params, frames.at[0, 1].set(0.0)) != y  # frames are encoded independently
    assert changed[0, 1].any() and not changed.at[0, 1].set(False).any()
    with pytest.raises(ValueError, match="patch_embedding.features"):
        ViT(features=16, num_heads=2, patch_embedding=PatchEmbedding(patch_size=4, features=8))
