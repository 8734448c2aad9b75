"""Memoroid: a monoid cell evaluated with a resettable associative (or sequential) scan.

Reference: Morad et al., "Reinforcement Learning with Fast and Forgetful Memory" (2023)
and "Revisiting Recurrent Reinforcement Learning with Memory Monoids" (2024).
"""

from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.layers.flat_dense import dense_on_rows
from memorax.networks.sequence_models.scan import Scan, associative_scan, sequential_scan
from memorax.networks.sequence_models.sequence_model import SequenceModel, check_sequence_inputs

MODES = ("auto", "associative", "sequential")


class MemoroidCell(nn.Module):
    """A cell whose recurrence is a monoid; :class:`Memoroid` chooses how to scan it.

    ``carry, outputs = cell(inputs, done, carry, scan)`` with inputs ``(B, T, F)`` and
    done ``(B, T)``: the cell maps inputs to monoid elements, calls
    ``scan(operator, elements, done, initial)`` (see :mod:`.scan`) and reads the states
    out. Everything the cell needs from the past (the monoid state, convolution windows)
    is in ``carry``, whose leaves are ``(*batch, ...)`` and depend only on the config.
    """

    def __call__(self, inputs: Array, done: Array, carry: Carry, scan: Scan) -> tuple[Carry, Array]:
        raise NotImplementedError

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        raise NotImplementedError


class Memoroid(SequenceModel):
    """Runs a :class:`MemoroidCell` over ``(B, T, F)`` inputs with resets at ``done``.

    ``mode`` picks the evaluation: ``"associative"`` (``jax.lax.associative_scan``,
    O(log T) depth, for training on long sequences), ``"sequential"`` (``jax.lax.scan``,
    cheapest for rollouts) or ``"auto"``: sequential when ``T <= sequential_max_length``
    or when running on CPU (where benchmarks/sequence_models.py measured the sequential
    scan as fast or faster at T=1024), associative otherwise. All modes give the same
    outputs and carry up to float rounding.

    Example:
        >>> torso = Memoroid(cell=LRUCell(config=LRUConfig(features=64, hidden_dim=64)))
        >>> carry, y = torso.apply(params, x, done)          # x (B, T, F), done (B, T)
    """

    cell: MemoroidCell
    mode: str = "auto"
    sequential_max_length: int = 16

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"Memoroid.mode must be one of {MODES}, got {self.mode!r}.")
        if self.sequential_max_length < 0:
            raise ValueError(
                f"Memoroid.sequential_max_length must be >= 0, got {self.sequential_max_length}."
            )
        super().__post_init__()

    @nn.compact
    def __call__(
        self, inputs: Array, done: Array, initial_carry: Carry | None = None, **kwargs: Any
    ) -> tuple[Carry, Array]:
        """inputs ``(B, T, F)``, done ``(B, T)``; returns ``(carry, outputs (B, T, features))``."""
        check_sequence_inputs("Memoroid", inputs, done)
        if initial_carry is None:
            initial_carry = self.initialize_carry(jax.random.key(0), (inputs.shape[0], inputs.shape[2]))
        with dense_on_rows():  # 2-D matmuls in the weight gradients (see layers/flat_dense.py)
            return self.cell(inputs, jnp.asarray(done, bool), initial_carry, self.scan_for(inputs.shape[1]))

    @nn.nowrap
    def scan_for(self, length: int) -> Scan:
        """The scan used for sequences of ``length`` steps under ``mode``."""
        short_or_cpu = length <= self.sequential_max_length or jax.default_backend() == "cpu"
        sequential = self.mode == "sequential" or (self.mode == "auto" and short_or_cpu)
        return sequential_scan if sequential else associative_scan

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        """Fresh carry for ``input_shape`` ``(*batch, F)`` (only the batch dims matter)."""
        return self.cell.initialize_carry(key, input_shape)
