"""Configs and cells refuse bad sizes with a message that names the field and the fix."""

from collections.abc import Callable

import pytest

from memorax.networks import (
    BlockDiagonalDense,
    CausalConv1d,
    FFMConfig,
    LinearAttentionConfig,
    LRUConfig,
    Mamba2Config,
    MinGRUConfig,
    RTUCell,
    S5Config,
    SHMCell,
    mLSTMConfig,
    sLSTMCell,
)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: LRUConfig(features=0), r"LRUConfig.features must be positive"),
        (lambda: LRUConfig(features=4, r_min=0.9, r_max=0.5), r"LRUConfig needs 0.0 <= r_min < r_max <= 1.0"),
        (lambda: S5Config(features=4, hidden_dim=-1), r"S5Config.hidden_dim must be positive"),
        (lambda: MinGRUConfig(features=0), r"MinGRUConfig.features must be positive"),
        (lambda: FFMConfig(features=4, context_size=0), r"FFMConfig.context_size must be positive"),
        (lambda: Mamba2Config(features=10, head_dim=16), r"expansion \* features=20 must be divisible by head_dim=16"),
        (lambda: mLSTMConfig(features=4, hidden_dim=10, num_heads=4), r"mLSTMConfig.hidden_dim=10 must be divisible by num_heads=4"),
        (lambda: LinearAttentionConfig(features=4, head_dim=0), r"LinearAttentionConfig.head_dim must be positive"),
        (lambda: sLSTMCell(features=6, num_heads=4), r"sLSTMCell.features=6 must be divisible by num_heads=4"),
        (lambda: SHMCell(features=4, num_thetas=0), r"SHMCell.num_thetas must be positive"),
        (lambda: RTUCell(features=4, r_max=1.5), r"RTUCell needs 0.0 <= r_min < r_max <= 1.0"),
        (lambda: CausalConv1d(features=4, kernel_size=0), r"CausalConv1d needs positive"),
        (lambda: BlockDiagonalDense(features=6, num_heads=4), r"features=6 must be a positive multiple of num_heads=4"),
    ],
)
def test_config__bad_values_are_refused_naming_the_field(build: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


def test_config__seed_guide_defaults_fill_omitted_fields() -> None:
    assert Mamba2Config(features=64).num_heads == 8
    assert mLSTMConfig(features=64, hidden_dim=64, num_heads=4).conv_kernel_size == 4
    assert LRUConfig(features=64, hidden_dim=64).r_max < 1.0
