"""``make("namespace::id")``: one entry point for every environment memorax knows.

Each namespace is a backend module with ``make(name, **kwargs) -> (env, params)`` and
``ids() -> list[str]``. Backend modules are imported only when their namespace is
used, and they import their environment library only inside ``make``.
"""

import importlib
from typing import Any

from memorax.core.typing import EnvParams

NAMESPACES: dict[str, str] = {
    "memorax": "memorax.environments.tasks.registry",
    "popjym": "memorax.environments.tasks.popjym",
    "gymnax": "memorax.environments.adapters.gymnax",
    "jaxmarl": "memorax.environments.adapters.jaxmarl",
    "craftax": "memorax.environments.adapters.craftax",
    "xminigrid": "memorax.environments.adapters.xminigrid",
    "navix": "memorax.environments.adapters.navix",
    "brax": "memorax.environments.adapters.brax",
    "playground": "memorax.environments.adapters.playground",
    "gxm": "memorax.environments.adapters.gxm",
}
# Namespaces users may expect that memorax leaves out on purpose, and why.
LEFT_OUT: dict[str, str] = {
    "popgym_arcade": (
        "popgym-arcade 0.0.7 depends on stable-gymnax, whose wheel installs its own top-level "
        "'gymnax' package (a 0.0.x copy) over gymnax 1.x's files, which memorax needs"
    ),
}


def make(env_id: str, **kwargs: Any) -> tuple[Any, EnvParams]:
    """Builds an auto-resetting environment and its default parameters.

    Args:
        env_id: ``"namespace::name"``, e.g. ``"gymnax::CartPole-v1"`` or
            ``"memorax::RepeatFirstEasy"``. Namespaces: ``memorax`` (built-in memory
            tasks), ``popjym`` (the built-in POPGym tasks under POPJym's names),
            ``gymnax``, ``jaxmarl``, ``craftax``, ``xminigrid``, ``navix``, ``brax``,
            ``playground`` (MuJoCo Playground), ``gxm`` (``"gxm::Library/Name"``).
        **kwargs: forwarded to the backend's own constructor.

    Returns:
        ``(env, env_params)``; ``env`` satisfies ``memorax.core.Environment`` (or
        ``MultiAgentEnvironment`` for ``jaxmarl``).

    Raises:
        ValueError: unknown namespace or id (the message lists what exists).
        ImportError: the backend library is not installed (the message names the extra).

    Example:
        >>> env, env_params = make("gymnax::CartPole-v1")
        >>> obs, state = env.reset(jax.random.key(0), env_params)
    """
    namespace, separator, name = env_id.partition("::")
    if not separator or not namespace or not name:
        raise ValueError(
            f"Environment ids look like 'namespace::name' (e.g. 'gymnax::CartPole-v1'), got {env_id!r}. "
            f"Namespaces: {', '.join(NAMESPACES)}."
        )
    if namespace in LEFT_OUT:
        raise ValueError(
            f"The {namespace!r} namespace is not supported: {LEFT_OUT[namespace]}. "
            "POPGym's tasks are built in: 'memorax::<Task><Level>' or 'popjym::<Task><Level>'."
        )
    if namespace not in NAMESPACES:
        raise ValueError(
            f"Unknown environment namespace {namespace!r} in {env_id!r}. Namespaces: {', '.join(NAMESPACES)}."
        )
    return importlib.import_module(NAMESPACES[namespace]).make(name, **kwargs)
