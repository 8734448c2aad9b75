"""Construction-time checks for sequence-model configs, with messages that say the fix."""


def check_positive(owner: str, **fields: int | float) -> None:
    """Raises ``ValueError`` naming the first field of ``owner`` that is not > 0."""
    for name, value in fields.items():
        if not value > 0:
            raise ValueError(f"{owner}.{name} must be positive, got {value!r}; pass a value > 0.")


def check_divisible(owner: str, name: str, value: int, by_name: str, by: int) -> None:
    """Raises ``ValueError`` unless ``value`` (field ``name``) is a multiple of ``by``."""
    if value % by != 0:
        raise ValueError(
            f"{owner}.{name}={value} must be divisible by {by_name}={by}; "
            f"choose {name} as a multiple of {by_name}."
        )


def check_interval(owner: str, low_name: str, low: float, high_name: str, high: float,
                   lower: float, upper: float) -> None:
    """Raises ``ValueError`` unless ``lower <= low < high <= upper``."""
    if not lower <= low < high <= upper:
        raise ValueError(
            f"{owner} needs {lower} <= {low_name} < {high_name} <= {upper}, got "
            f"{low_name}={low!r}, {high_name}={high!r}; adjust them to that range."
        )
