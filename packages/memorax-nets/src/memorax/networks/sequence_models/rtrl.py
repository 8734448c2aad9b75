"""RTRL: real-time recurrent learning, gradients carried forward instead of through time.

Reference: Williams & Zipser, "A Learning Algorithm for Continually Running Fully
Recurrent Neural Networks" (1989); for diagonal recurrences, Zucchet et al. (2023) and
Elelimy et al. (2024).
"""

from typing import Any

import flax.linen as nn
import jax

from memorax.core.typing import Array, Carry, PRNGKey
from memorax.networks.sequence_models.lru import LRUCell
from memorax.networks.sequence_models.memoroid import Memoroid
from memorax.networks.sequence_models.rnn import RNN
from memorax.networks.sequence_models.rtu import RTUCell
from memorax.networks.sequence_models.scan import sequential_scan
from memorax.networks.sequence_models.sequence_model import SequenceModel, check_sequence_inputs

SUPPORTED = "RNN(cell=RTUCell(...)) and Memoroid(cell=LRUCell(...))"


class RTRL(SequenceModel):
    """Wraps a diagonal recurrence so that gradients need no backpropagation through time.

    The carry is ``(inner_carry, sensitivity)``, where ``sensitivity`` holds the exact
    derivatives ``dh/dparam`` of the hidden state, updated forward with every step and
    zeroed at episode starts. The gradient of any loss on the outputs of one call, with
    the incoming carry treated as data, is the full-BPTT gradient of the recurrence's
    parameters over the whole history (tested). Gradients to the *inputs* are
    backpropagated within the call only.

    ``input_features`` (default: the cell's ``features``) is the width of the inputs; the
    sensitivity of the input matrix has that size, so the carry needs it up front.
    Supported: ``RNN(cell=RTUCell(...))`` and ``Memoroid(cell=LRUCell(...))``.

    Example:
        >>> torso = RTRL(RNN(cell=RTUCell(features=64)))
        >>> carry, y = torso.apply(params, x, done, carry)   # carry from the previous step
    """

    sequence_model: SequenceModel
    input_features: int | None = None

    def __post_init__(self) -> None:
        model = self.sequence_model
        supported = (isinstance(model, RNN) and isinstance(model.cell, RTUCell)) or (
            isinstance(model, Memoroid) and isinstance(model.cell, LRUCell)
        )
        if not supported:
            cell = getattr(model, "cell", None)
            raise ValueError(
                f"RTRL supports only {SUPPORTED}; got {type(model).__name__}"
                f"{f'(cell={type(cell).__name__})' if cell is not None else ''}. Use one of "
                "those, or train the model with ordinary backpropagation through time."
            )
        if self.input_features is not None and self.input_features <= 0:
            raise ValueError(f"RTRL.input_features must be positive, got {self.input_features}.")
        super().__post_init__()

    @property
    def features_in(self) -> int:
        """Width of the inputs the sensitivities are sized for."""
        if self.input_features is not None:
            return self.input_features
        cell = self.sequence_model.cell
        return cell.config.features if isinstance(cell, LRUCell) else cell.features

    @nn.compact
    def __call__(
        self, inputs: Array, done: Array, initial_carry: Carry | None = None, **kwargs: Any
    ) -> tuple[Carry, Array]:
        """inputs ``(B, T, input_features)``, done ``(B, T)``; returns ``((carry, sensitivity), y)``."""
        check_sequence_inputs("RTRL", inputs, done)
        if inputs.shape[-1] != self.features_in:
            raise ValueError(
                f"RTRL expects inputs (B, T, {self.features_in}), got {inputs.shape}; set "
                "RTRL.input_features to the width of the inputs."
            )
        if initial_carry is None:
            initial_carry = self.initialize_carry(jax.random.key(0), (inputs.shape[0], inputs.shape[2]))
        carry, sensitivity = initial_carry
        if self.is_initializing():
            self.sequence_model(inputs, done, carry)
        model = self.sequence_model
        scan = model.scan_for(inputs.shape[1]) if isinstance(model, Memoroid) else sequential_scan
        params = model.variables["params"]["cell"]
        carry, sensitivity, y = model.cell.rtrl(params, inputs, done.astype(bool), carry, sensitivity, scan)
        return (jax.lax.stop_gradient(carry), sensitivity), y

    @nn.nowrap
    def initialize_carry(self, key: PRNGKey, input_shape: tuple[int, ...]) -> Carry:
        """``(inner_carry, sensitivity)`` for ``input_shape`` ``(*batch, F)``; F is not used."""
        batch_shape = tuple(input_shape[:-1])
        return (
            self.sequence_model.initialize_carry(key, input_shape),
            self.sequence_model.cell.initialize_sensitivity(batch_shape, self.features_in),
        )
