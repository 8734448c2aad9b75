import csv
import json
import math

import numpy as np

from memorax.loggers import FileLogger, read_metrics

from .conftest import NUM_SEEDS, expected_actor_loss, expected_return, make_logs


def test_file_logger__round_trips_every_scalar_per_seed(tmp_path, log_calls):
    logger = FileLogger(tmp_path)
    for logs, step in log_calls:
        logger.log(logs, step)
    logger.finish()

    rows = read_metrics(tmp_path)
    assert [(row["step"], row["seed"]) for row in rows] == [(8 * (c + 1), s) for c in range(3) for s in range(NUM_SEEDS)]
    for row in rows:
        call, seed = row["step"] // 8 - 1, row["seed"]
        np.testing.assert_equal(row["episode/return"], expected_return(call, seed))
        assert row["losses/actor"] == expected_actor_loss(call, seed)
        assert row["episode/count"] == [2, 1, 0 if call == 0 else 1][seed]


def test_file_logger__stores_numbers_as_numbers_and_nan_as_null(tmp_path, log_calls):
    logger = FileLogger(tmp_path)
    logger.log(*log_calls[0])
    first = json.loads((tmp_path / "metrics.jsonl").read_text().splitlines()[2])  # seed 2, no episode yet
    assert first["seed"] == 2 and first["step"] == 8
    assert first["episode/return"] is None
    assert isinstance(first["losses/actor"], float)

    mean = json.loads((tmp_path / "metrics_mean.jsonl").read_text())
    assert "seed" not in mean
    assert mean["episode/return"] == (6.5 + 102.0) / 2  # the seed without an episode is skipped
    assert mean["losses/critic"] == 0.25


def test_file_logger__csv_matches_jsonl_and_grows_columns(tmp_path, log_calls):
    logger = FileLogger(tmp_path)
    logger.log(*log_calls[0])
    logger.log({**make_logs(1), "eval/return": np.ones((NUM_SEEDS, 2), np.float32)}, 16)

    with (tmp_path / "metrics.csv").open() as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0])[:2] == ["step", "seed"]
    assert "eval/return" in rows[0]
    assert len(rows) == 2 * NUM_SEEDS
    assert rows[2]["episode/return"] == "" and rows[2]["eval/return"] == ""
    assert float(rows[5]["episode/return"]) == expected_return(1, 2)
    assert float(rows[5]["eval/return"]) == 1.0


def test_file_logger__appends_to_an_existing_run_folder(tmp_path, log_calls):
    first = FileLogger(tmp_path)
    first.log(*log_calls[0])
    first.finish()
    resumed = FileLogger(tmp_path)
    resumed.log(*log_calls[1])

    assert [row["step"] for row in read_metrics(tmp_path, across_seeds=True)] == [8, 16]
    with (tmp_path / "metrics.csv").open() as file:
        assert len(list(csv.DictReader(file))) == 2 * NUM_SEEDS


def test_file_logger__unvmapped_logs_are_seed_zero(tmp_path):
    logs = {key: value[1] for key, value in make_logs(0).items()}
    logger = FileLogger(tmp_path)
    logger.log(logs, 8)

    (row,) = read_metrics(tmp_path)
    assert row["seed"] == 0 and row["episode/return"] == expected_return(0, 1)
    assert not math.isnan(read_metrics(tmp_path, across_seeds=True)[0]["episode/return"])


def test_file_logger__prefixed_episode_statistics_use_their_own_end_mask(tmp_path):
    train, evaluation = make_logs(1), make_logs(0)
    merged = {**train, **{f"eval/{key}": value for key, value in evaluation.items() if key != "step"}}
    logger = FileLogger(tmp_path)
    logger.log(merged, 16)

    rows = read_metrics(tmp_path)
    for seed, row in enumerate(rows):
        assert row["episode/return"] == expected_return(1, seed)
        np.testing.assert_equal(row["eval/episode/return"], expected_return(0, seed))
        assert row["eval/episode/count"] == [2, 1, 0][seed]
    assert "eval/episode/done" not in rows[0]
