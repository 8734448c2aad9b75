"""RNN: scans any Flax recurrent cell over time, resetting its carry at episode starts."""

from collections.abc import Callable
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.sequence_models.fused_gru import gru_sequence, is_fusable
from memorax.networks.sequence_models.sequence_model import SequenceModel, check_sequence_inputs, reset_carry


class RNN(SequenceModel):
    """``carry, y = RNN(cell)(inputs (B, T, F), done (B, T), initial_carry)``.

    Before step ``t`` the carry of every row with ``done[b, t]`` is replaced by the
    cell's fresh carry (``cell.initialize_carry``), inside one ``nn.scan`` over time.
    Works with ``nn.GRUCell``, ``nn.LSTMCell`` and memorax's ``sLSTMCell``, ``SHMCell``,
    ``RTUCell`` (any ``nn.RNNCellBase`` whose fresh carry depends only on batch dims).
    flax's ``nn.GRUCell`` runs with fused matrix products (same parameters and
    equations, see :mod:`memorax.networks.sequence_models.fused_gru`), and a cell with a
    ``sequence`` method (``sLSTMCell``) runs through it.

    Example:
        >>> torso = RNN(cell=nn.GRUCell(features=64))
        >>> carry, y = torso.apply(params, x, done)          # y (B, T, 64)
    """

    cell: nn.RNNCellBase
    unroll: int = 1

    @nn.compact
    def __call__(
        self, inputs: Array, done: Array, initial_carry: Carry | None = None, **kwargs: Any
    ) -> tuple[Carry, Array]:
        check_sequence_inputs("RNN", inputs, done)
        fresh = self.initialize_carry(jax.random.key(0), (inputs.shape[0], inputs.shape[2]))
        carry = fresh if initial_carry is None else initial_carry
        done = jnp.asarray(done, bool)
        whole_sequence = _whole_sequence(self.cell)
        if whole_sequence is not None:
            # One cell step creates (init) or binds (apply) the cell's own parameters; its
            # output is unused, and XLA removes it.
            self.cell(carry, inputs[:, 0])
            return whole_sequence(self.cell.variables["params"], inputs, done, carry, fresh, self.unroll)

        def step(cell: nn.RNNCellBase, carry: Carry, xs: tuple[Array, Array]) -> tuple[Carry, Array]:
            x, reset = xs
            return cell(reset_carry(reset, carry, fresh), x)

        scan = nn.scan(
            step,
            variable_broadcast="params",
            split_rngs={"params": False},
            in_axes=1,
            out_axes=1,
            unroll=self.unroll,
        )
        return scan(self.cell, carry, (inputs, done))

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        """Fresh carry for ``input_shape`` ``(*batch, F)``."""
        return self.cell.initialize_carry(key, input_shape)


def _whole_sequence(cell: nn.RNNCellBase) -> Callable | None:
    """A whole-sequence form of ``cell``'s steps, where one exists, else ``None``.

    The form is ``(params, inputs (B, T, F), reset (B, T), carry, fresh, unroll) -> (carry,
    outputs (B, T, H))``, a pure function of the cell's parameters: flax's ``GRUCell``
    uses :func:`gru_sequence`, and a cell of its own opts in with a ``sequence`` method
    of that signature (``sLSTMCell``), so the work that needs no carry runs outside the loop.
    """
    if is_fusable(cell):
        return lambda params, *args: gru_sequence(params, cell.gate_fn, cell.activation_fn, *args)
    return getattr(cell, "sequence", None)
