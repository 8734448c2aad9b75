"""Validation shared by the algorithm configs: errors name the field and the fix."""

from typing import Any


def require(condition: bool, message: str) -> None:
    """Raises ``ValueError(message)`` unless ``condition``."""
    if not condition:
        raise ValueError(message)


def check_positive(config: Any, *names: str) -> None:
    """Every named field of ``config`` is an integer or float greater than zero."""
    for name in names:
        value = getattr(config, name)
        require(value > 0, f"{type(config).__name__}.{name} must be > 0, got {value!r}.")


def check_fraction(config: Any, *names: str) -> None:
    """Every named field of ``config`` lies in ``[0, 1]``."""
    for name in names:
        value = getattr(config, name)
        require(0.0 <= value <= 1.0, f"{type(config).__name__}.{name} must lie in [0, 1], got {value!r}.")


def check_rollout(config: Any) -> None:
    """The fields every on-policy config shares: envs, steps, epochs, minibatches, burn-in."""
    name = type(config).__name__
    check_positive(config, "num_envs", "num_steps", "num_minibatches", "update_epochs")
    check_fraction(config, "gamma")
    batch = config.num_envs * config.num_steps
    require(
        batch % config.num_minibatches == 0,
        f"{name}.num_minibatches={config.num_minibatches} must divide the batch num_envs * num_steps "
        f"= {batch}; pick a divisor of {batch}.",
    )
    require(
        0 <= config.burn_in_length < config.num_steps,
        f"{name}.burn_in_length={config.burn_in_length} must be >= 0 and shorter than "
        f"num_steps={config.num_steps} (the loss needs steps after the burn-in); lower it.",
    )


def check_recurrent_minibatches(config: Any, recurrent: bool) -> None:
    """Checks made once the networks are known (at agent construction).

    Recurrent networks learn from whole env rows, so ``num_minibatches`` must divide
    ``num_envs``; burn-in only makes sense with a carry to warm up.
    """
    name = type(config).__name__
    if recurrent:
        require(
            config.num_envs % config.num_minibatches == 0,
            f"{name}.num_minibatches={config.num_minibatches} must divide num_envs={config.num_envs} "
            "with a recurrent network (minibatches are whole env rows); use a divisor of num_envs.",
        )
    else:
        require(
            config.burn_in_length == 0,
            f"{name}.burn_in_length={config.burn_in_length} needs a recurrent torso (the networks "
            "have no carry to warm up); set burn_in_length=0 or use e.g. RNN(cell=nn.GRUCell(...)).",
        )


def updates_for(config: Any, num_steps: int, steps_per_update: int) -> int:
    """How many updates of ``steps_per_update`` env transitions train ``num_steps`` of them.

    ``ceil(num_steps / steps_per_update)``: a budget that is not a multiple of one
    update is rounded up to whole updates (a rollout cannot stop half-way), so at
    least ``num_steps`` transitions are trained; the logs' ``"step"`` reports the
    exact count. ``num_steps`` must be positive.
    """
    require(
        num_steps > 0,
        f"num_steps={num_steps} must be > 0 (env transitions to train; {type(config).__name__} trains "
        f"{steps_per_update} per update and rounds a budget up to whole updates).",
    )
    return -(-num_steps // steps_per_update)
