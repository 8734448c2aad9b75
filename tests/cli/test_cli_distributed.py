"""`memorax train` / `resume` across processes: 2 processes with 2 CPU devices each (gloo) against
1 process with 4 devices, launched by the test on free ports; only process 0 writes the run folder,
and a 2-process run resumed from its checkpoint equals the uninterrupted one bit for bit."""

import json
import os
import shutil
import socket
import subprocess
import sys

import jax
import numpy as np

RUN = [
    "--env", "memorax::RepeatFirstEasy", "--torso", "mlp", "--features", "8", "--num-envs", "4", "--num-steps", "8",
    "--num-minibatches", "2", "--update-epochs", "1", "--seeds", "2", "--no-dashboard", "--eval-episodes", "4",
    "--eval-max-steps", "16", "--total-steps", "128", "--log-every", "32", "--checkpoint-every", "64",
    "--lr-schedule", "constant", "--logger", "tensorboard",
]  # fmt: skip


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _launch(argv: list[str], num_processes: int, devices: int, cache) -> list[subprocess.Popen]:
    """``memorax ARGV`` as ``num_processes`` processes of ``devices`` CPU devices each."""
    env = {
        **os.environ,
        "JAX_PLATFORMS": "cpu",
        "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices}",
        "JAX_COMPILATION_CACHE_DIR": str(cache),  # resume reuses the programs train compiled
        "JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS": "0",
    }
    launch = []
    if num_processes > 1:
        launch = ["--coordinator-address", f"127.0.0.1:{_free_port()}", "--num-processes", str(num_processes)]
    return [
        subprocess.Popen(
            [sys.executable, "-m", "memorax.cli.main", *argv, *launch, *(["--process-id", str(i)] if launch else [])],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        for i in range(num_processes)
    ]


def _outputs(processes: list[subprocess.Popen], returncode: int = 0) -> list[tuple[str, str]]:
    """Each process's (stdout, stderr) once all exited with ``returncode``."""
    outputs = []
    try:
        for process in processes:
            outputs.append(process.communicate(timeout=600))
    finally:
        for process in processes:
            process.kill()
    for process, (_, stderr) in zip(processes, outputs):
        assert process.returncode == returncode, stderr[-3000:]
    return outputs


def _rows(run_dir):
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def test_two_processes__train_as_one_process_with_four_devices_write_once_and_resume_exactly(tmp_path, run_folders):
    one, two = tmp_path / "one_process", tmp_path / "two_processes"
    cache = tmp_path / "jax_cache"
    one_process = _launch(["train", *RUN, "--seed-devices", "2", "--run-dir", str(one)], 1, 4, cache)
    two_processes = _launch(["train", *RUN, "--run-dir", str(two)], 2, 2, cache)
    refused = _launch(["train", *RUN, "--num-envs", "6", "--run-dir", str(tmp_path / "refused")], 1, 4, cache)
    (one_out, _), = _outputs(one_process)
    (main_out, _), (other_out, _) = _outputs(two_processes)
    (_, refused_err), = _outputs(refused, returncode=2)

    assert "on 4 devices (seeds 2 x envs 2)" in one_out
    assert "on 4 devices of 2 processes (seeds 1 x envs 4)" in main_out
    assert "memorax:" not in other_out and "run folder:" not in other_out  # process 1 prints nothing of its own
    assert "--num-envs 6 on 4 devices per seed" in refused_err and "make num_envs a multiple of 4" in refused_err
    assert not (tmp_path / "refused").exists()

    # the same run: seeds and envs split differently, so only the order of the all-reduce sums differs
    rows_one, rows_two = _rows(one), _rows(two)
    assert [(row["step"], row["seed"]) for row in rows_two] == [(row["step"], row["seed"]) for row in rows_one]
    for row_one, row_two in zip(rows_one, rows_two):
        for key, value in row_one.items():
            np.testing.assert_allclose(row_two[key], value, rtol=1e-4, atol=1e-6, err_msg=key)
    actor_one, actor_two = (run_folders.checkpoint_state(run).actor_params for run in (one, two))
    for a, b in zip(jax.tree.leaves(actor_one), jax.tree.leaves(actor_two), strict=True):
        np.testing.assert_allclose(np.asarray(b), np.asarray(a), rtol=1e-5, atol=1e-6)

    # written once: one writer per seed, each metrics row once, one checkpoint per save
    assert len(list((two / "tensorboard").rglob("events.out.tfevents.*"))) == 2
    assert sorted(p.name for p in (two / "checkpoints").iterdir()) == ["128", "64"]

    interrupted = tmp_path / "interrupted"
    shutil.copytree(two, interrupted)
    shutil.rmtree(interrupted / "checkpoints" / "128")  # killed after the checkpoint at 64
    (resumed_out, _), _ = _outputs(_launch(["resume", str(interrupted)], 2, 2, cache))
    assert "from step 64" in resumed_out
    run_folders.assert_identical(two, interrupted)
