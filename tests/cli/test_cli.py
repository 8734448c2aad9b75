"""`memorax train / resume / evaluate / plot` at tiny budgets.

One PPO run (RepeatFirstEasy, MLP 8 wide, 2 seeds, 4 updates of 32 env steps,
constant learning rate, checkpoints and evaluations every 2 updates, TensorBoard on)
is trained once per module; the config round trip, both resume cases and evaluate are
checked against it bit for bit. Every algorithm and recipe torso is traced from the
flags (jax.eval_shape of init and one chunk: no compilation).
"""

import json
import shutil
import subprocess
import sys
from types import SimpleNamespace

import jax
import numpy as np
import pytest

from memorax.cli import runner, session
from memorax.cli.main import main
from memorax.cli.parsing import experiment_from, parse_train
from memorax.cli.plot import _labels, _series
from memorax.cli.torsos import TORSO_NAMES
from memorax.loggers import read_metrics

TINY = [
    "--env", "memorax::RepeatFirstEasy", "--torso", "mlp", "--features", "8", "--num-envs", "4", "--num-steps", "8",
    "--num-minibatches", "2", "--update-epochs", "1", "--seeds", "2", "--no-dashboard",
    "--eval-episodes", "4", "--eval-max-steps", "16",
]  # fmt: skip
BASE = [*TINY, "--total-steps", "128", "--log-every", "32", "--eval-every", "64", "--checkpoint-every", "64",
        "--lr-schedule", "constant", "--logger", "tensorboard"]  # fmt: skip


def _train(argv, run_dir, capsys):
    assert main(["train", *argv, "--run-dir", str(run_dir)]) == 0
    return capsys.readouterr().out


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("runs") / "base"
    assert main(["train", *BASE, "--run-dir", str(run_dir)]) == 0
    return run_dir


def test_train__run_folder_holds_config_metrics_checkpoints_evaluations_and_tensorboard(base_run):
    rows = read_metrics(base_run)
    train_rows = [row for row in rows if "losses/actor" in row]
    eval_rows = [row for row in rows if "eval/episode/return" in row]
    assert sorted({row["step"] for row in train_rows}) == [32, 64, 96, 128]
    assert sorted({row["step"] for row in eval_rows}) == [64, 128]  # --eval-every 64; the end is one of them
    assert all(row["eval/episode/count"] >= 4 for row in eval_rows)  # counts finished episodes per seed
    assert sorted(p.name for p in (base_run / "checkpoints").iterdir()) == ["128", "64"]
    assert (base_run / "config.yaml").read_text().startswith("algo: ppo\n")
    events = list((base_run / "tensorboard").rglob("events.out.tfevents.*"))
    assert len(events) == 2 and all(event.stat().st_size > 0 for event in events)  # one writer per seed


def test_train__saved_config_reproduces_the_run_bit_for_bit(base_run, tmp_path, capsys, run_folders):
    _train(["--config", str(base_run / "config.yaml")], tmp_path / "again", capsys)
    run_folders.assert_identical(base_run, tmp_path / "again")


def test_resume__after_an_interruption_equals_the_uninterrupted_run(base_run, tmp_path, capsys, run_folders):
    interrupted = tmp_path / "interrupted"
    shutil.copytree(base_run, interrupted)
    shutil.rmtree(interrupted / "checkpoints" / "128")  # killed after the checkpoint at 64
    assert main(["resume", str(interrupted)]) == 0
    assert "from step 64" in capsys.readouterr().out
    run_folders.assert_identical(base_run, interrupted)


def test_resume__with_a_larger_total_equals_a_run_of_that_total(base_run, tmp_path, capsys, run_folders):
    short = tmp_path / "short"
    _train([*BASE, "--total-steps", "64"], short, capsys)
    assert main(["resume", str(short), "--total-steps", "128"]) == 0
    run_folders.assert_identical(base_run, short)
    assert "total_steps: 128" in (short / "config.yaml").read_text()


def test_evaluate__a_saved_run_prints_what_its_final_evaluation_printed(base_run, capsys):
    assert main(["evaluate", str(base_run)]) == 0
    out = capsys.readouterr().out
    assert "at step 128" in out
    line = next(line for line in out.splitlines() if line.startswith("evaluation return: "))
    assert " ± " in line and "nan" not in line
    assert main(["evaluate", str(base_run), "--step", "64", "--episodes", "8"]) == 0
    assert "at least 8 per seed" in capsys.readouterr().out


def test_sweep__three_learning_rates_train_in_one_compiled_program(tmp_path, capsys, monkeypatch):
    plans = []
    original = runner.plan
    monkeypatch.setattr(runner, "plan", lambda *args: plans.append(original(*args)) or plans[-1])
    run_dir = tmp_path / "sweep"
    out = _train([*TINY, "--total-steps", "128", "--log-every", "32", "--sweep", "learning_rate=1e-4,1e-3,1e-2"],
                 run_dir, capsys)  # fmt: skip
    assert plans[0].chunk_program._cache_size() == 1  # 4 chunks, 3 values x 2 seeds: one program
    assert out.count("evaluation return (learning_rate=") == 3
    folders = sorted(p.name for p in (run_dir / "sweep").iterdir())
    assert folders == ["learning_rate=0.0001", "learning_rate=0.001", "learning_rate=0.01"]
    entropies = [[row["losses/entropy"] for row in read_metrics(run_dir / "sweep" / name) if "losses/entropy" in row]
                 for name in folders]  # fmt: skip
    assert len({tuple(values) for values in entropies}) == 3  # each value trained with its own rate
    labels = _labels(*zip(*[(folder, config) for folder, config in _series(run_dir)]))
    assert labels == ["learning_rate=0.0001", "learning_rate=0.001", "learning_rate=0.01"]

    # The multi-run plot overlays the base-like run and the sweep values.
    output = tmp_path / "both.png"
    assert main(["plot", str(run_dir), "-o", str(output)]) == 0
    assert output.stat().st_size > 20_000


@pytest.mark.parametrize(
    ("algo", "env", "extra"),
    [
        ("ppo", "memorax::RepeatFirstEasy", []),
        ("irppo", "memorax::RepeatFirstEasy", ["--intrinsic", "rnd"]),
        ("irppo", "gymnax::DeepSea-bsuite", ["--intrinsic", "icm"]),  # (N, N) grids flattened for phi
        ("irppo", "gymnax::Pendulum-v1", ["--intrinsic", "rnd"]),  # RND takes continuous actions
        ("pqn", "memorax::RepeatFirstEasy", []),
        ("dqn", "memorax::RepeatFirstEasy", []),
        ("r2d2", "memorax::RepeatFirstEasy", ["--burn-in-length", "0"]),  # burn-in needs a recurrent torso
        ("sac", "gymnax::Pendulum-v1", []),
        ("mappo", "jaxmarl::MPE_simple_spread_v3", ["--centralised-critic"]),
        ("ippo", "jaxmarl::MPE_simple_spread_v3", ["--no-share-parameters"]),
        ("gradientppo", "memorax::RepeatFirstEasy", []),
        ("streamac", "memorax::RepeatFirstEasy", []),
        ("qrc", "memorax::RepeatFirstEasy", []),
    ],
)
def test_train__every_algorithm_is_reachable_from_the_flags(algo, env, extra):
    experiment = parse_train(["--algo", algo, "--env", env, "--torso", "mlp", "--features", "8", "--seeds", "2",
                              "--num-envs", "4", *extra])  # fmt: skip
    assert (experiment.algo, experiment.algorithm.num_envs) == (algo, 4)
    plan = runner.plan(experiment)
    plan.check_traceable()  # traces init and one chunk of the vmapped train program (no compilation)
    assert plan.state_template().step.shape == (1, 2)  # (sweep values, seeds)


def test_train__irppo_rnd_on_a_deepsea_grid_logs_the_intrinsic_reward_and_module_loss(tmp_path, capsys, run_folders):
    """DeepSea's (N, N) grid observations: the encoders flatten them (N * N inputs), and the
    metrics and the dashboard's lines carry the reward module's terms."""
    argv = [*TINY, "--algo", "irppo", "--intrinsic", "rnd", "--env", "gymnax::DeepSea-bsuite",
            "--env-kwargs", "size", "5", "--total-steps", "64", "--log-every", "32"]  # fmt: skip
    out = _train(argv, tmp_path / "run", capsys)
    assert "losses/intrinsic_reward" in out and "losses/intrinsic_loss" in out
    rows = [row for row in read_metrics(tmp_path / "run") if "losses/actor" in row]
    assert sorted({row["step"] for row in rows}) == [32, 64] and len(rows) == 4  # 2 rows x 2 seeds
    for name in ("losses/intrinsic_reward", "losses/intrinsic_loss", "losses/rnd"):
        assert all(np.isfinite(row[name]) and row[name] > 0 for row in rows), name
    state = run_folders.checkpoint_state(tmp_path / "run")
    actor_encoder = state.actor_params["params"]["feature_extractor"]["observation_extractor"]
    assert actor_encoder["Dense_0"]["kernel"].shape[-2:] == (25, 8)  # (seeds, 25, 8): the 5 x 5 grid flattened


@pytest.mark.parametrize("torso", TORSO_NAMES)
def test_train__every_torso_and_recipe_builds_from_the_flags(torso):
    experiment = parse_train(["--torso", torso, "--features", "8", "--num-heads", "2", "--context-length", "8",
                              "--num-envs", "4", "--env", "memorax::RepeatFirstEasy"])  # fmt: skip
    template = runner.plan(experiment).state_template()  # traces init: networks and carries of that torso
    assert template.step.shape == (1, 1)
    assert bool(jax.tree.leaves(template.actor_carry)) == (torso != "mlp")  # a memory torso has a carry


def test_train__config_file_and_flags_override_it(tmp_path):
    config = tmp_path / "exp.toml"
    config.write_text('algo = "dqn"\ntotal_steps = 5000\n[algorithm]\nnum_envs = 2\nbatch_size = 16\n'
                      '[optimizer]\nlearning_rate = 1\n')  # fmt: skip
    experiment = parse_train(["--config", str(config), "--batch-size", "8"])
    assert (experiment.algo, experiment.total_steps) == ("dqn", 5000)
    assert (experiment.algorithm.num_envs, experiment.algorithm.batch_size) == (2, 8)
    assert experiment.optimizer.learning_rate == 1.0 and isinstance(experiment.optimizer.learning_rate, float)
    assert experiment.algorithm.train_frequency == 16  # the CLI's DQN default, not the file's


def test_help__shows_defaults_and_the_chosen_algorithms_fields(capsys):
    assert main(["train", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--total-steps INT" in out and "(default: 196608)" in out and "--entropy-coefficient" in out
    assert main(["train", "--algo", "dqn", "--help"]) == 0
    assert "--target-update-frequency" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--seeds", "0"], "--seeds must be >= 1"),
        (["--seeds", "-1"], "--seeds must be >= 1"),
        (["--total-steps", "-5"], "--total-steps must be >= 1"),
        (["--total-steps", "0"], "--total-steps must be >= 1"),
        (["--eval-episodes", "0"], "--eval-episodes must be >= 1"),
        (["--checkpoint-every", "0"], "--checkpoint-every must be >= 1"),
        (["--no-such-field", "1"], "Unrecognized options: --no-such-field"),
        (["--gamma", "2"], "gamma must lie in [0, 1]"),
        (["--sweep", "num_envs=4,8"], "cannot vary num_envs: it is not a float hyperparameter"),
        (["--sweep", "learning_rate=1e-3,-1"], "learning_rate must be > 0"),
        (["--sweep", "nope=1,2"], "unknown field 'nope'"),
        (["--algo", "nope"], "unknown algorithm 'nope'"),
        (["--algo", "sac"], "--algo sac needs continuous actions"),
        (["--algo", "irppo", "--intrinsic", "foo"], "invalid choice 'foo' for argument '--intrinsic'"),
        (["--algo", "irppo", "--intrinsic", "icm", "--env", "gymnax::Pendulum-v1"],
         "--intrinsic icm infers discrete actions from its inverse model, but this env's actions are continuous; "
         "use --intrinsic rnd"),
        (["--algo", "irppo", "--intrinsic-gamma", "1"], "intrinsic_gamma must be < 1"),
        (["--algo", "mappo"], "use --algo ppo or irppo or pqn or dqn or r2d2 or sac"),
        (["--env", "nope::x"], "Unknown environment namespace"),
        (["--config", "missing.yaml"], "no such file"),
        (["--logger", "neptune"], "--logger neptune needs --neptune-project"),
        (["--logger", "mlflow"], "--logger 'mlflow' is not one of wandb, tensorboard, neptune"),
        (["--num-processes", "2"], "--num-processes also needs --coordinator-address and --process-id"),
        (["--coordinator-address", "host0", "--num-processes", "2", "--process-id", "0"],
         "--coordinator-address must look like HOST:PORT, got 'host0'"),
        (["--coordinator-address", "h:1", "--num-processes", "2", "--process-id", "2"],
         "--process-id must lie in [0, --num-processes), got 2"),
        (["--num-processes", "abc"], "argument --num-processes: invalid int value: 'abc'"),
        (["--seed-devices", "0"], "--seed-devices must be >= 1"),
        (["--seed-devices", "2"], "--seed-devices 2 must divide the run's 1 devices"),
    ],
)
def test_bad_input__one_line_exit_2_no_traceback_no_folder(argv, message, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("NEPTUNE_PROJECT", raising=False)
    run_dir = tmp_path / "run"
    assert main(["train", *argv, "--run-dir", str(run_dir)]) == 2
    captured = capsys.readouterr()
    assert message in captured.err, captured.err
    assert len(captured.err.strip().splitlines()) == 1 and "Traceback" not in captured.err + captured.out
    assert not run_dir.exists()


def test_bad_input__existing_run_folder_is_refused_and_left_alone(base_run, capsys):
    before = (base_run / "metrics.jsonl").read_text()
    assert main(["train", *BASE, "--run-dir", str(base_run)]) == 2
    assert "exists; a run never writes into an old one" in capsys.readouterr().err
    assert (base_run / "metrics.jsonl").read_text() == before


def test_bad_input__through_the_installed_command(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "memorax.cli.main", "train", "--seeds", "0", "--run-dir", str(tmp_path / "x")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "--seeds must be >= 1" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x").exists()


def test_train__rnn_torso_over_two_seeds_finishes(tmp_path):
    """Regression: this run deadlocked in XLA:CPU's concurrency-optimised scheduler (idle CPU, no return)
    until the command turned that scheduler off; bounded by a timeout so a relapse fails instead of hanging."""
    argv = ["train", "--seeds", "2", "--torso", "gru", "--total-steps", "2048", "--env", "memorax::RepeatFirstEasy",
            "--no-dashboard", "--eval-episodes", "4", "--run-dir", str(tmp_path / "run")]  # fmt: skip
    result = subprocess.run([sys.executable, "-m", "memorax.cli.main", *argv], capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-500:]
    assert "finished at step 2,048" in result.stdout
    assert (tmp_path / "run" / "metrics.jsonl").exists()


def test_summary__says_in_words_when_no_evaluation_episode_finished():
    plan = SimpleNamespace(sweep=runner.Sweep((), ((),)), experiment=SimpleNamespace(eval_max_steps=16))
    shape = (1, 2, 16, 4)  # (sweep values, seeds, steps, envs)
    logs = {"eval/episode/done": np.zeros(shape, bool), "eval/episode/return": np.full(shape, np.nan)}
    assert session.summary(plan, logs) == [
        "evaluation return: no evaluation episode finished within 8 x 16 steps per env; raise --eval-max-steps."
    ]
    logs["eval/episode/done"][0, 1, 3, 0] = True
    logs["eval/episode/return"][0, 1, 3, 0] = 0.5
    assert session.summary(plan, logs)[0].startswith("evaluation return: 0.500 ± 0.000 (std over 1 episodes")


def test_summary__warns_when_some_evaluation_envs_finished_no_episode():
    """Episodes longer than a round never end inside it: the mean is biased to short episodes, so it says so."""
    plan = SimpleNamespace(sweep=runner.Sweep((), ((),)), experiment=SimpleNamespace(eval_max_steps=16))
    shape = (1, 2, 16, 4)  # (sweep values, seeds, steps, envs)
    logs = {"eval/episode/done": np.zeros(shape, bool), "eval/episode/return": np.zeros(shape)}
    logs["eval/episode/done"][0, :, 5, :3] = True  # env 3 of both seeds runs past the round
    lines = session.summary(plan, logs)
    assert lines[0].startswith("evaluation return: 0.000 ± 0.000 (std over 6 episodes")
    assert lines[1] == (
        "warning: 2 of 8 evaluation env rounds finished no episode within --eval-max-steps 16, so the longest "
        "episodes are missing from this mean; raise --eval-max-steps above the env's time limit."
    )
    logs["eval/episode/done"][0, :, 5, 3] = True
    assert len(session.summary(plan, logs)) == 1
