"""`memorax train` end to end at a tiny budget, and every torso it offers builds."""

import argparse
import json

import jax
import pytest

from memorax.cli import train
from memorax.cli.main import main
from memorax.environments import make


def test_cli_train__writes_logs_and_plot_to_the_run_folder(tmp_path, capsys):
    run_dir = tmp_path / "run"
    code = main([
        "train", "--torso", "mlp", "--total-steps", "2048", "--num-envs", "4", "--num-steps", "16", "--chunks", "2",
        "--seeds", "2", "--run-dir", str(run_dir), "--no-dashboard", "--eval-steps", "128",
    ])
    assert code == 0
    out = capsys.readouterr().out
    assert f"run folder: {run_dir}" in out
    assert (run_dir / "learning_curves.png").stat().st_size > 0
    rows = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]
    assert {row["seed"] for row in rows} == {0, 1}
    assert any("eval/episode/return" in row for row in rows)


def test_cli_train__refuses_mappo_on_a_single_agent_env(tmp_path, capsys):
    assert main(["train", "--algo", "mappo", "--env", "gymnax::CartPole-v1", "--run-dir", str(tmp_path)]) == 2
    assert "use --algo ppo or pqn" in capsys.readouterr().err


@pytest.mark.parametrize("torso", train.TORSO_NAMES)
def test_cli_train__every_torso_builds_an_agent(torso):
    env, params = make("memorax::RepeatFirstEasy")
    args = argparse.Namespace(algo="ppo", torso=torso, num_envs=4, num_steps=8, total_steps=1024, features=16, learning_rate=1e-3)
    agent, steps_per_update = train.build_agent(args, env, params)
    assert steps_per_update == 32
    state = jax.eval_shape(agent.init, jax.random.key(0))
    assert state.step.shape == ()
