"""W&B, Neptune and TensorBoard fed with multi-seed logs, read back from what they wrote.

The test values are exact in float32, so they are compared with ==."""

import json
import math
import sqlite3
from collections import defaultdict
from pathlib import Path

import pytest

from memorax.loggers import NeptuneLogger, TensorBoardLogger, WandbLogger

from .conftest import NUM_SEEDS, expected_actor_loss, expected_return


def _expected_points(key_function, seed):
    points = [(8 * (call + 1), key_function(call, seed)) for call in range(3)]
    return [(step, value) for step, value in points if not math.isnan(value)]


def _assert_runs_hold_the_scalars(runs, run_name):
    """``runs``: run name -> {key: [(step, value)]}; one run per seed named ``run_name(seed)``."""
    assert sorted(runs) == sorted(run_name(seed) for seed in range(NUM_SEEDS))
    for seed in range(NUM_SEEDS):
        assert runs[run_name(seed)]["episode/return"] == _expected_points(expected_return, seed)
        assert runs[run_name(seed)]["losses/actor"] == _expected_points(expected_actor_loss, seed)


def test_tensorboard_logger__one_run_directory_per_seed_with_the_values(tmp_path, log_calls):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    logger = TensorBoardLogger(tmp_path)
    for logs, step in log_calls:
        logger.log(logs, step)
    logger.finish()
    logger.finish()

    assert sorted(path.name for path in tmp_path.iterdir()) == [f"seed_{seed}" for seed in range(NUM_SEEDS)]
    for seed in range(NUM_SEEDS):
        events = EventAccumulator(str(tmp_path / f"seed_{seed}"))
        events.Reload()
        for key, function in (("episode/return", expected_return), ("losses/actor", expected_actor_loss)):
            read = [(event.step, event.value) for event in events.Scalars(key)]
            assert read == _expected_points(function, seed)


def _wandb_records(path: Path) -> list[bytes]:
    """Records of a W&B ``.wandb`` file (a LevelDB-style log of 32 KiB blocks after a 7-byte header)."""
    data = path.read_bytes()
    assert data[:4] == b":W&B"
    block, position, records, pending = 32768, 7, [], b""
    while position + 7 <= len(data):
        if block - position % block < 7:  # block trailer padding
            position += block - position % block
            continue
        length, kind = int.from_bytes(data[position + 4 : position + 6], "little"), data[position + 6]
        pending += data[position + 7 : position + 7 + length]
        position += 7 + length
        if kind in (1, 4):  # FULL or LAST
            records.append(pending)
            pending = b""
    return records


def _wandb_history(run_file: Path) -> tuple[str, dict[str, list[tuple[int, float]]]]:
    from wandb.proto.wandb_internal_pb2 import Record

    name, history = "", defaultdict(list)
    for raw in _wandb_records(run_file):
        record = Record()
        record.ParseFromString(raw)
        if record.WhichOneof("record_type") == "run":
            name = record.run.display_name or name  # later run records may leave it empty
        if record.WhichOneof("record_type") == "history":
            items = {item.key or "/".join(item.nested_key): json.loads(item.value_json) for item in record.history.item}
            for key, value in items.items():
                if not key.startswith("_"):
                    history[key].append((items["_step"], value))
    return name, history


def test_wandb_logger__offline_runs_per_seed_contain_the_scalars(tmp_path, monkeypatch, log_calls):
    monkeypatch.setenv("WANDB_MODE", "offline")
    monkeypatch.setenv("WANDB_DIR", str(tmp_path))
    monkeypatch.setenv("WANDB_SILENT", "true")
    logger = WandbLogger(project="memorax-tests", name="ppo", mode="offline", directory=tmp_path)
    for logs, step in log_calls:
        logger.log(logs, step)
    logger.finish()
    import wandb

    wandb.teardown()  # run.finish() may return before W&B's service has written an offline run file

    run_files = sorted(tmp_path.glob("wandb/offline-run-*/run-*.wandb"))
    assert len(run_files) == NUM_SEEDS
    _assert_runs_hold_the_scalars(dict(_wandb_history(path) for path in run_files), lambda seed: f"ppo/seed_{seed}")


def _neptune_metrics(database: Path) -> tuple[str, dict[str, list[tuple[int, float]]]]:
    from neptune_api.proto.neptune_pb.ingest.v1.common_pb2 import UpdateRunSnapshot

    with sqlite3.connect(database) as connection:
        (run_id,) = connection.execute("SELECT run_id FROM metadata").fetchone()
        operations = connection.execute("SELECT operation FROM run_operations WHERE operation_type = 0").fetchall()
    metrics = defaultdict(list)
    for (blob,) in operations:
        snapshot = UpdateRunSnapshot()
        snapshot.ParseFromString(blob)
        for key, value in snapshot.append.items():
            metrics[key].append((int(snapshot.step.whole), value.float64))
    return run_id, metrics


def test_neptune_logger__offline_sqlite_per_seed_contains_the_scalars(tmp_path, log_calls):
    logger = NeptuneLogger("memorax/tests", experiment_name="ppo", mode="offline", log_directory=tmp_path)
    for logs, step in log_calls:
        logger.log(logs, step)
    logger.finish()

    databases = sorted(tmp_path.glob("**/run_operations.sqlite3"))
    assert len(databases) == NUM_SEEDS
    _assert_runs_hold_the_scalars(dict(_neptune_metrics(path) for path in databases), lambda seed: f"ppo-seed_{seed}")


def test_neptune_logger__requires_a_project_even_offline(tmp_path, monkeypatch):
    monkeypatch.delenv("NEPTUNE_PROJECT", raising=False)
    with pytest.raises(ValueError, match="project"):
        NeptuneLogger(mode="offline", log_directory=tmp_path)


def test_per_seed_loggers__reject_logs_with_another_number_of_seeds(tmp_path, log_calls):
    logger = TensorBoardLogger(tmp_path)
    logger.log(*log_calls[0])
    unvmapped = {key: value[0] for key, value in log_calls[1][0].items()}
    with pytest.raises(ValueError, match="these logs have 1 seeds but the first ones had 3"):
        logger.log(unvmapped, 16)
    logger.finish()


@pytest.mark.parametrize("logger_class", [WandbLogger, NeptuneLogger])
def test_run_loggers__reject_an_unknown_mode(logger_class):
    with pytest.raises(ValueError, match="mode must be one of"):
        logger_class("memorax/tests", mode="online-ish")
