"""Multi-process training: 2 processes with 2 CPU devices each (gloo collectives) train PPO and
DQN to the same parameters and losses as 1 process with 4 devices."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np

JOB = Path(__file__).with_name("distributed_job.py")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _launch(num_processes: int, devices_per_process: int, output: Path) -> list[subprocess.Popen]:
    env = {
        **os.environ,
        "JAX_PLATFORMS": "cpu",
        "XLA_FLAGS": f"--xla_force_host_platform_device_count={devices_per_process}",
    }
    port = str(_free_port())
    return [
        subprocess.Popen(
            [sys.executable, str(JOB), str(num_processes), str(process), port, str(output)],
            cwd=JOB.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        for process in range(num_processes)
    ]


def _wait(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        try:
            stdout, stderr = process.communicate(timeout=600)
        except subprocess.TimeoutExpired:
            for other in processes:
                other.kill()
            raise
        assert process.returncode == 0, stderr[-3000:]
        assert "DISTRIBUTED-OK" in stdout


def test_two_processes__train_ppo_and_dqn_exactly_as_one_process_with_as_many_devices(tmp_path):
    single, multi = tmp_path / "one_process.npz", tmp_path / "two_processes.npz"
    _wait(_launch(1, 4, single) + _launch(2, 2, multi))
    expected, result = np.load(single), np.load(multi)
    assert sorted(result.files) == sorted(expected.files)
    assert any(name.startswith("dqn/q/") for name in result.files)
    for name in expected.files:  # same program, same shards: only the all-reduce order could differ
        np.testing.assert_allclose(result[name], expected[name], rtol=1e-5, atol=1e-6, err_msg=name)
