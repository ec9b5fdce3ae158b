"""Training losses over predicted rates (B, bins, T) and observed binned counts (B, bins, T).

- ``poisson``: Poisson negative log-likelihood per bin (Enformer), averaged over bins and tracks.
- ``poisson_multinomial``: Borzoi's split of the same likelihood into the window's *total* count per
  track (Poisson on the sum over bins) and its *shape* (multinomial over bins given the total), with
  the total term weighted by ``total_weight``; both are divided by the number of bins so the value is
  on the per-bin scale of ``poisson``.

Both are ``f(pred, obs) -> scalar``; neither changes its inputs.
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F

from seq2track.errors import ConfigError

LOSSES = ("poisson", "poisson_multinomial")
_EPS = 1e-7


def poisson_loss(pred: torch.Tensor, obs: torch.Tensor) -> torch.Tensor:
    """Mean Poisson NLL of ``obs`` given rates ``pred`` (constant log(obs!) terms left out)."""
    return F.poisson_nll_loss(pred, obs, log_input=False, full=False)


def poisson_multinomial_loss(pred: torch.Tensor, obs: torch.Tensor, total_weight: float = 0.2) -> torch.Tensor:
    """Multinomial NLL of the profile over bins plus ``total_weight`` x Poisson NLL of the window total.

    Shapes (B, bins, T). Per bin and track, as ``poisson_loss`` is.
    """
    bins = pred.shape[1]
    pred_total, obs_total = pred.sum(dim=1), obs.sum(dim=1)                      # (B, T)
    total = F.poisson_nll_loss(pred_total, obs_total, log_input=False, full=False)
    log_share = torch.log(pred + _EPS) - torch.log(pred_total + bins * _EPS)[:, None]
    shape = -(obs * log_share).sum(dim=1).mean()
    return (shape + total_weight * total) / bins


def make_loss(name: str, total_weight: float = 0.2) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The loss called ``name`` (``train.loss``) as ``f(pred, obs) -> scalar``."""
    if name == "poisson":
        return poisson_loss
    if name == "poisson_multinomial":
        return lambda pred, obs: poisson_multinomial_loss(pred, obs, total_weight)
    raise ConfigError("train.loss", f"unknown loss '{name}'", f"use one of {list(LOSSES)}")
