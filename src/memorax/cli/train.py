"""Train an agent with the live dashboard, evaluate it, and write logs and learning curves to a run folder.

With no arguments: PPO with a GRU on the built-in memory task memorax::RepeatPreviousMedium
(name the card shown 4 steps ago; a memoryless policy cannot beat -0.5, perfect memory
scores 1), 196,608 env steps: the return climbs to about 0.9 in 1 to 3 minutes on 2 CPU cores. Training runs in chunks of jitted updates so that the dashboard updates
between them; seeds train in parallel with jax.vmap.
"""

import argparse
import datetime
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ALGORITHMS = ("ppo", "pqn", "mappo")
DEFAULT_ENV = "memorax::RepeatPreviousMedium"


def _torsos() -> dict[str, Callable[[int], Any]]:
    import flax.linen as nn

    from memorax import networks as n

    return {
        "mlp": lambda f: None,
        "gru": lambda f: n.RNN(cell=nn.GRUCell(features=f)),
        "lstm": lambda f: n.RNN(cell=nn.LSTMCell(features=f)),
        "slstm": lambda f: n.RNN(cell=n.sLSTMCell(features=f)),
        "shm": lambda f: n.RNN(cell=n.SHMCell(features=f)),
        "rtu": lambda f: n.RNN(cell=n.RTUCell(features=f)),
        "lru": lambda f: n.Memoroid(cell=n.LRUCell(config=n.LRUConfig(features=f, hidden_dim=f))),
        "mingru": lambda f: n.Memoroid(cell=n.MinGRUCell(config=n.MinGRUConfig(features=f))),
        "s5": lambda f: n.Memoroid(cell=n.S5Cell(config=n.S5Config(features=f))),
        "ffm": lambda f: n.Memoroid(cell=n.FFMCell(config=n.FFMConfig(features=f))),
        "mamba2": lambda f: n.Memoroid(cell=n.Mamba2Cell(config=n.Mamba2Config(features=f))),
        "mlstm": lambda f: n.Memoroid(cell=n.mLSTMCell(config=n.mLSTMConfig(features=f))),
        "linear_attention": lambda f: n.Memoroid(cell=n.LinearAttentionCell(config=n.LinearAttentionConfig(features=f))),
        "attention": lambda f: n.SelfAttention(config=n.SelfAttentionConfig(features=f, num_heads=4, context_length=64)),
    }


TORSO_NAMES = (
    "mlp", "gru", "lstm", "slstm", "shm", "rtu", "lru", "mingru", "s5", "ffm", "mamba2", "mlstm",
    "linear_attention", "attention",
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--algo", choices=ALGORITHMS, default="ppo", help="algorithm (mappo needs a multi-agent env)")
    parser.add_argument("--torso", choices=TORSO_NAMES, default="gru", help="sequence model between encoder and heads")
    parser.add_argument("--env", default=DEFAULT_ENV, help='environment id, e.g. "gymnax::CartPole-v1"')
    parser.add_argument("--seeds", type=int, default=1, help="seeds trained in parallel (jax.vmap)")
    parser.add_argument("--seed", type=int, default=0, help="first PRNG seed")
    parser.add_argument("--total-steps", type=int, default=196_608, help="env steps per seed")
    parser.add_argument("--num-envs", type=int, default=16, help="parallel envs per seed")
    parser.add_argument("--num-steps", type=int, default=64, help="rollout length per update")
    parser.add_argument("--features", type=int, default=64, help="width of encoder and torso")
    parser.add_argument("--learning-rate", type=float, default=3e-3, help="Adam step size (linearly annealed to 0)")
    parser.add_argument("--chunks", type=int, default=24, help="jitted train calls (dashboard updates between them)")
    parser.add_argument("--eval-steps", type=int, default=None, help="evaluation env steps (default 64 x num-envs)")
    parser.add_argument("--run-dir", default=None, help="run folder (default runs/<timestamp>-<algo>-<env>)")
    parser.add_argument("--no-dashboard", action="store_true", help="plain log lines instead of the live dashboard")


def _network(head: Any, torso: str, features: int) -> Any:
    from memorax.networks import MLP, FeatureExtractor, Network

    encoder = FeatureExtractor(observation_extractor=MLP(features=(features,)))
    return Network(encoder, torso=_torsos()[torso](features), head=head)


def build_agent(args: argparse.Namespace, env: Any, env_params: Any) -> tuple[Any, int]:
    """The agent the arguments describe and the env transitions per update."""
    import optax

    from memorax import algorithms
    from memorax.networks import heads

    space = env.action_space(env_params)
    discrete = hasattr(space, "n")
    policy_head = heads.Categorical(action_dim=space.n) if discrete else heads.Gaussian(action_dim=space.shape[-1])
    num_minibatches = 4 if args.num_envs % 4 == 0 else 1
    shape = {"num_envs": args.num_envs, "num_steps": args.num_steps, "num_minibatches": num_minibatches}
    if args.algo == "pqn":
        if not discrete:
            raise ValueError("PQN needs a discrete action space; use --algo ppo.")
        config = algorithms.PQNConfig(**shape, epsilon_decay_steps=max(args.total_steps // 5, 1))
    else:
        config = (algorithms.MAPPOConfig if args.algo == "mappo" else algorithms.PPOConfig)(**shape)
    updates = max(args.total_steps // config.batch_size, 1)
    schedule = optax.linear_schedule(args.learning_rate, 0.0, updates * config.update_epochs * config.num_minibatches)

    def optimizer() -> optax.GradientTransformation:
        return optax.chain(optax.clip_by_global_norm(0.5), optax.adam(schedule))

    if args.algo == "pqn":
        q_network = _network(heads.DiscreteQNetwork(action_dim=space.n), args.torso, args.features)
        return algorithms.PQN(config, env, env_params, q_network, optimizer()), config.batch_size
    agent_class = algorithms.MAPPO if args.algo == "mappo" else algorithms.PPO
    actor = _network(policy_head, args.torso, args.features)
    critic = _network(heads.VNetwork(), args.torso, args.features)
    return agent_class(config, env, env_params, actor, critic, optimizer(), optimizer()), config.batch_size


def _run_dir(args: argparse.Namespace) -> Path:
    if args.run_dir is not None:
        return Path(args.run_dir)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    env = args.env.replace("::", "-").replace("/", "-")
    return Path("runs") / f"{stamp}-{args.algo}-{env}"


def run(args: argparse.Namespace) -> int:
    try:
        import jax

        from memorax.core import MultiAgentEnvironment, episode_return
        from memorax.environments import make
        from memorax.environments.wrappers import MultiAgentRecordEpisodeStatistics, RecordEpisodeStatistics
        from memorax.loggers import DashboardLogger, FileLogger, MultiLogger, plot_learning_curves
    except ImportError as error:
        print(f'memorax train needs the full install: pip install "memorax[all]" ({error})', file=sys.stderr)
        return 1

    try:
        env, env_params = make(args.env)
        multi_agent = isinstance(env, MultiAgentEnvironment)
        if multi_agent != (args.algo == "mappo"):
            raise ValueError(
                f"--algo {args.algo} does not fit {args.env} ({'multi' if multi_agent else 'single'}-agent); "
                f"use --algo {'mappo' if multi_agent else 'ppo or pqn'}."
            )
        env = (MultiAgentRecordEpisodeStatistics if multi_agent else RecordEpisodeStatistics)(env)
        agent, steps_per_update = build_agent(args, env, env_params)
    except (ValueError, KeyError) as error:
        print(f"memorax train: {error}", file=sys.stderr)
        return 2

    updates = max(args.total_steps // steps_per_update, 1)
    chunks = max(1, min(args.chunks, updates))
    updates_per_chunk = -(-updates // chunks)
    chunk_steps = updates_per_chunk * steps_per_update
    total_steps = chunk_steps * chunks
    eval_steps = args.eval_steps or 64 * args.num_envs

    run_dir = _run_dir(args)
    run_dir.mkdir(parents=True, exist_ok=True)
    print(f"memorax train: {args.algo} + {args.torso} on {args.env}, {args.seeds} seed(s) x {total_steps} steps -> {run_dir}")

    train = jax.jit(jax.vmap(agent.train, in_axes=(0, 0, None)), static_argnums=2)
    evaluate = jax.jit(jax.vmap(agent.evaluate, in_axes=(0, 0, None)), static_argnums=2)
    keys = jax.random.split(jax.random.key(args.seed), (args.seeds, chunks + 2))
    states = jax.vmap(agent.init)(keys[:, 0])

    dashboard = DashboardLogger(total_steps=total_steps, title=f"memorax {args.algo} {args.torso} {args.env}")
    loggers = [FileLogger(run_dir)] if args.no_dashboard else [dashboard, FileLogger(run_dir)]
    with MultiLogger(loggers) as logger:
        for chunk in range(chunks):
            states, logs = train(keys[:, chunk + 1], states, chunk_steps)
            logger.log(logs, (chunk + 1) * chunk_steps)
            if args.no_dashboard:
                print(f"step {(chunk + 1) * chunk_steps}: return {episode_return(logs):.3f}", flush=True)
        eval_logs = evaluate(keys[:, -1], states, eval_steps)
        logger.log(
            {"step": eval_logs["step"], **{f"eval/{k}": v for k, v in eval_logs.items() if k != "step"}}, total_steps
        )
    plot = plot_learning_curves(run_dir)
    print(f"evaluation return (mean over seeds): {episode_return(eval_logs):.3f}")
    print(f"run folder: {run_dir}  (learning curves: {plot})")
    return 0
