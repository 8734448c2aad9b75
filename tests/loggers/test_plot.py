import argparse
import struct

import numpy as np
import pytest

from memorax.cli import plot
from memorax.loggers import FileLogger, learning_curves_figure, read_metrics

from .conftest import NUM_SEEDS, expected_return


@pytest.fixture
def run_dir(tmp_path, log_calls):
    logger = FileLogger(tmp_path / "run")
    for logs, step in log_calls:
        logger.log(logs, step)
    logger.finish()
    return tmp_path / "run"


def main(argv):
    """``memorax plot ARGV`` through the sub-command's own parser (the train sub-command needs algos)."""
    parser = argparse.ArgumentParser(prog="memorax plot")
    plot.add_arguments(parser)
    return plot.run(parser.parse_args(argv))


def _png_size(path):
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def test_plot_command__writes_a_png_of_one_panel_per_metric(run_dir, capsys):
    assert main([str(run_dir)]) == 0

    output = run_dir / "learning_curves.png"
    assert capsys.readouterr().out.strip() == str(output)
    assert output.stat().st_size > 10_000
    # 4 metrics (return, length, two losses) -> 3 columns x 2 rows of 4.8 x 3.4 inches (+0.4 title) at 100 dpi
    assert _png_size(output) == (1440, 720)


def test_plot_command__output_and_keys_options(run_dir, tmp_path):
    output = tmp_path / "plots" / "return.png"
    assert main([str(run_dir), "--output", str(output), "--keys", "episode/return"]) == 0
    assert _png_size(output) == (480, 380)


def test_plot_command__fails_cleanly_without_a_run_folder(tmp_path, capsys):
    assert main([str(tmp_path / "missing")]) == 1
    assert "metrics.jsonl does not exist" in capsys.readouterr().err
    assert main([str(tmp_path), "--keys", "nope"]) == 1


def test_learning_curves_figure__axes_show_mean_and_spread_over_seeds_against_env_steps(run_dir):
    figure = learning_curves_figure(read_metrics(run_dir))

    axes = figure.get_axes()
    assert [ax.get_ylabel() for ax in axes] == ["episode/return", "episode/length", "losses/actor", "losses/critic"]
    assert {ax.get_xlabel() for ax in axes} == {"env steps"}
    steps, mean = axes[0].get_lines()[0].get_data()
    per_seed = np.array([[expected_return(call, seed) for seed in range(NUM_SEEDS)] for call in range(3)])
    np.testing.assert_array_equal(steps, [8, 16, 24])
    np.testing.assert_allclose(mean, np.nanmean(per_seed, axis=1))
    band = axes[0].collections[0].get_paths()[0].vertices
    np.testing.assert_allclose(band[:, 1].max(), (np.nanmean(per_seed, axis=1) + np.nanstd(per_seed, axis=1)).max())


def test_learning_curves_figure__overlays_runs_with_evaluation_on_the_return_axes_and_reference_lines():
    def rows(scale):
        train = [{"step": s, "seed": seed, "episode/return": scale * s + seed, "losses/actor": scale, "losses/zero": 0.0}
                 for s in (8, 16) for seed in (0, 1)]  # fmt: skip
        return [*train, *({"step": 16, "seed": seed, "eval/episode/return": 2.0 * scale} for seed in (0, 1))]

    figure = learning_curves_figure(
        {"lr=0.1": rows(1.0), "lr=0.2": rows(2.0)}, title="ppo · gru · env",
        references={"memoryless best": -0.5, "perfect memory": 1.0},
    )  # fmt: skip

    axes = figure.get_axes()
    # losses/zero is constant (dropped); the evaluation shares the return panel; losses/actor varies across runs.
    assert [ax.get_ylabel() for ax in axes] == ["episode/return (dashed: evaluation)", "losses/actor"]
    assert [line.get_color() for line in axes[0].get_lines()[:4]] == ["C0", "C0", "C1", "C1"]
    assert [text.get_text() for text in figure.legends[0].get_texts()] == [
        "lr=0.1: mean ± std over 2 seeds", "evaluation (dashed)", "lr=0.2: mean ± std over 2 seeds",
        "memoryless best (-0.5)", "perfect memory (1)",
    ]  # fmt: skip
    np.testing.assert_allclose(axes[0].get_lines()[3].get_data()[1], [4.0])
    np.testing.assert_allclose(axes[0].get_lines()[2].get_data()[1], [16.5, 32.5])
    assert figure._suptitle.get_text() == "ppo · gru · env"


def test_learning_curves_figure__a_run_of_one_update_still_draws_its_metrics():
    # one logged point per metric: nothing "varies", which must not leave the figure empty
    rows = [{"step": 1024, "seed": 0, "episode/return": 0.5, "episode/count": 3.0, "losses/actor": 0.1}]

    axes = learning_curves_figure(rows).get_axes()

    assert [ax.get_ylabel() for ax in axes] == ["episode/return", "losses/actor"]
    np.testing.assert_allclose(axes[0].get_lines()[0].get_data()[1], [0.5])
