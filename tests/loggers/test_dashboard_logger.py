import io

import numpy as np
import pytest
from rich.console import Console

from memorax.loggers import DashboardLogger

from .conftest import make_logs


def _console(terminal: bool) -> Console:
    return Console(file=io.StringIO(), force_terminal=terminal, width=140, color_system=None)


def test_dashboard_logger__plain_lines_when_not_a_terminal(log_calls):
    console = _console(terminal=False)
    dashboard = DashboardLogger(total_steps=24, title="ppo", console=console)
    for logs, step in log_calls[:2]:
        dashboard.log(logs, step)
    dashboard.finish()
    dashboard.finish()

    compiling, first, second, last = console.file.getvalue().splitlines()
    assert compiling == "[ppo] compiling ..."
    assert first.startswith("[ppo] step 8/24 (33.3%) | - steps/s")  # one call: no rate yet (compilation excluded)
    assert "steps/s | elapsed 0:00:00 | remaining " in first
    assert "return 54.25 (seeds: 6.5 102 -)" in first  # seed 2 has no episode yet: no crash, a dash
    assert "losses/actor 1.5 losses/critic 0.25" in first
    assert "episode/count 1" in first and "episode/length" in first
    assert "return 114.5 (seeds: 16.5 112 215)" in second
    assert last.startswith("[ppo] finished at step 16")


def test_dashboard_logger__keeps_the_last_return_when_no_episode_ended():
    console = _console(terminal=False)
    dashboard = DashboardLogger(total_steps=100, console=console)
    dashboard.log(make_logs(1), 16)
    no_episode = {**make_logs(2), "episode/done": np.zeros((3, 4, 2), bool)}
    dashboard.log(no_episode, 24)
    assert "return 114.5 (seeds: 16.5 112 215)" in console.file.getvalue().splitlines()[2]


def test_dashboard_logger__live_panel_on_a_terminal(log_calls):
    console = _console(terminal=True)
    dashboard = DashboardLogger(total_steps=48, title="ppo", console=console, refresh_per_second=20)
    for logs, step in log_calls:
        dashboard.log(logs, step)
    dashboard.finish()

    screen = console.file.getvalue()
    for text in ("ppo", "step 24/48 (50.0%)", "steps/s", "remaining", "episode return (latest)",
                 "seed 2", "225", "losses", "actor", "critic", "0.75"):
        assert text in screen, text


def test_dashboard_logger__says_compiling_until_the_first_log_and_names_series():
    console = _console(terminal=True)
    dashboard = DashboardLogger(
        total_steps=48, console=console, refresh_per_second=20, series_labels=["lr=0.1 seed 0", "b", "c"]
    )
    assert "compiling ... elapsed 0:00:00" in _render_text(dashboard)
    dashboard.log(make_logs(0), 8)
    dashboard.finish()
    assert "lr=0.1 seed 0" in console.file.getvalue()
    assert "compiling" not in _render_text(dashboard)


def _render_text(dashboard):
    console = _console(terminal=False)
    console.print(dashboard._render())
    return console.file.getvalue()


def test_dashboard_logger__unvmapped_logs():
    console = _console(terminal=False)
    dashboard = DashboardLogger(total_steps=8, console=console)
    dashboard.log({key: value[0] for key, value in make_logs(0).items()}, 8)
    assert "return 6.5 (seeds: 6.5)" in console.file.getvalue()


def test_dashboard_logger__rejects_a_non_positive_total():
    with pytest.raises(ValueError, match="total_steps must be positive"):
        DashboardLogger(total_steps=0)
