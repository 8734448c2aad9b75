import warnings

import pytest

from memorax.loggers import FileLogger, MultiLogger, read_metrics


class _Broken:
    """A backend that fails on every call, like one without network."""

    def __init__(self):
        self.calls = 0

    def log(self, logs, step):
        self.calls += 1
        raise ConnectionError("no network")

    def finish(self):
        raise ConnectionError("no network")


class _Recording:
    def __init__(self):
        self.steps, self.finished = [], 0

    def log(self, logs, step):
        self.steps.append(step)

    def finish(self):
        self.finished += 1


def test_multi_logger__failing_backend_warns_once_and_the_others_get_everything(tmp_path, log_calls):
    broken, recording = _Broken(), _Recording()
    logger = MultiLogger([broken, FileLogger(tmp_path), recording])
    with pytest.warns(RuntimeWarning, match=r"_Broken\.log failed with ConnectionError") as caught:
        for logs, step in log_calls:
            logger.log(logs, step)
        logger.finish()

    assert len([warning for warning in caught if issubclass(warning.category, RuntimeWarning)]) == 1
    assert broken.calls == 3  # still called: a passing outage loses only its own points
    assert recording.steps == [8, 16, 24] and recording.finished == 1
    assert sorted({row["step"] for row in read_metrics(tmp_path)}) == [8, 16, 24]


def test_multi_logger__finish_is_idempotent():
    recording = _Recording()
    logger = MultiLogger([recording])
    logger.finish()
    logger.finish()
    assert recording.finished == 1


def test_multi_logger__context_manager_finishes_even_when_training_raises():
    recording = _Recording()
    with pytest.raises(KeyboardInterrupt), MultiLogger([recording]) as logger:
        logger.log({"step": 8}, 8)
        raise KeyboardInterrupt
    assert recording.steps == [8] and recording.finished == 1


def test_multi_logger__failing_finish_does_not_skip_the_next_logger():
    recording = _Recording()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        MultiLogger([_Broken(), recording]).finish()
    assert recording.finished == 1
    assert "_Broken.finish failed" in str(caught[0].message)


def test_multi_logger__rejects_objects_that_are_not_loggers():
    with pytest.raises(TypeError, match="is not a Logger"):
        MultiLogger([object()])
