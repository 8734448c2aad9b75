"""memorax.loggers: where training logs go (terminal, files and plots, W&B, Neptune, TensorBoard, checkpoints).

Every logger has ``log(logs, step)`` and ``finish()`` (memorax.core.Logger) and reduces
the logs with the memorax.core reductions, with or without a leading seed axis. The
optional backends are imported when their logger is built.
"""

from memorax.loggers.checkpoint import CheckpointLogger as CheckpointLogger
from memorax.loggers.dashboard import DashboardLogger as DashboardLogger
from memorax.loggers.file import FileLogger as FileLogger
from memorax.loggers.file import read_metrics as read_metrics
from memorax.loggers.multi import MultiLogger as MultiLogger
from memorax.loggers.neptune_logger import NeptuneLogger as NeptuneLogger
from memorax.loggers.plot import learning_curves_figure as learning_curves_figure
from memorax.loggers.plot import plot_learning_curves as plot_learning_curves
from memorax.loggers.plot import save_figure as save_figure
from memorax.loggers.tensorboard_logger import TensorBoardLogger as TensorBoardLogger
from memorax.loggers.wandb_logger import WandbLogger as WandbLogger

__version__ = "0.1.0"
