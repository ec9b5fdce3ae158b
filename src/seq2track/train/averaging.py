"""Exponential moving average of the weights (Polyak & Juditsky 1992; as in many sequence-to-function
trainers): the averaged copy, not the raw weights, is validated, checkpointed and written as the model.

With ``train.ema_decay`` d > 0, after every optimiser step the copy moves to d x copy + (1 - d) x weights
(its horizon is ~1 / (1 - d) steps); BatchNorm statistics are averaged too and then recalibrated on
training windows before each validation (``batchnorm``). 0 turns it off (the raw weights are used).
"""

from __future__ import annotations

from torch import nn
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn


def make_ema(module: nn.Module, decay: float) -> AveragedModel | None:
    """The averaged copy of ``module`` (None when ``decay`` is 0)."""
    if not decay:
        return None
    return AveragedModel(module, multi_avg_fn=get_ema_multi_avg_fn(decay), use_buffers=True)
