"""Training losses over predicted rates (B, bins, T) and observed binned counts (B, bins, T).

- ``poisson``: Poisson negative log-likelihood per bin (Enformer), averaged over bins and tracks.
- ``poisson_multinomial``: Borzoi's split of the same likelihood into the window's *total* count per
  track (Poisson on the sum over bins) and its *shape* (multinomial over bins given the total), with
  the total term weighted by ``total_weight``; both are divided by the number of bins so the value is
  on the per-bin scale of ``poisson``.

Both are ``f(pred, obs) -> scalar``; neither changes its inputs. Optional per-track ``weights`` (T,)
(mean 1) scale each track's terms: ``null_deviance_weights`` gives every track the same loss to gain, so a
sparse track (CAGE: two TSS bins in a window) is not drowned by dense ones (a histone mark);
``scaled_track_weights`` multiplies in the user's ``train.track_loss_weights`` (e.g. ``{cage: 3}``).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from seq2track.errors import ConfigError

LOSSES = ("poisson", "poisson_multinomial")
_EPS = 1e-7


def _weighted_mean(x: torch.Tensor, weights: torch.Tensor | None) -> torch.Tensor:
    """Mean of (..., T) after scaling track t by ``weights[t]``."""
    return (x * weights.to(x.device, x.dtype)).mean() if weights is not None else x.mean()


def poisson_loss(pred: torch.Tensor, obs: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """Mean Poisson NLL of ``obs`` given rates ``pred`` (constant log(obs!) terms left out)."""
    return _weighted_mean(F.poisson_nll_loss(pred, obs, log_input=False, full=False, reduction="none"), weights)


def poisson_multinomial_loss(pred: torch.Tensor, obs: torch.Tensor, total_weight: float = 0.2,
                             weights: torch.Tensor | None = None) -> torch.Tensor:
    """Multinomial NLL of the profile over bins plus ``total_weight`` x Poisson NLL of the window total.

    Shapes (B, bins, T). Per bin and track, as ``poisson_loss`` is.
    """
    bins = pred.shape[1]
    pred_total, obs_total = pred.sum(dim=1), obs.sum(dim=1)                      # (B, T)
    total = F.poisson_nll_loss(pred_total, obs_total, log_input=False, full=False, reduction="none")
    log_share = torch.log(pred + _EPS) - torch.log(pred_total + bins * _EPS)[:, None]
    shape = -(obs * log_share).sum(dim=1)                                        # (B, T)
    return _weighted_mean(shape + total_weight * total, weights) / bins


def null_deviance_weights(mean: np.ndarray, mean_ylogy: np.ndarray, power: float = 1.0) -> np.ndarray:
    """Per-track weights (T,), mean 1, proportional to (Poisson deviance of predicting the mean) ** -power.

    From per-track moments (``WindowDataset.track_moments``): the null deviance per bin is
    E[y log(y / m) - (y - m)] = E[y log y] - m log m. It is what a perfect model gains over the track's
    mean, so after weighting every track offers the same gain (demo: DNase 2.8, H3K27ac 5.8, CAGE 1.0 per bin).
    """
    mean, mean_ylogy = np.asarray(mean, dtype=np.float64), np.asarray(mean_ylogy, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = mean_ylogy - mean * np.log(mean)
    if not (np.isfinite(dev).all() and (dev > 1e-12).all()):
        raise ValueError("a track is constant over the training windows: its loss cannot be weighted")
    w = dev ** -power
    return w / w.mean()


def scaled_track_weights(tracks: list[str], weights: np.ndarray | None, extra: dict[str, float] | None
                         ) -> np.ndarray | None:
    """``weights`` (None = all 1) times ``extra[track]`` (``train.track_loss_weights``; unnamed tracks 1),
    back to mean 1; None when both are unset. A track id ``extra`` names that ``tracks`` lacks is a ConfigError."""
    unknown = sorted(set(extra or {}) - set(tracks))
    if unknown:
        raise ConfigError("train.track_loss_weights", f"names tracks {unknown} that the track sheet lacks",
                          f"use track ids of the track sheet: {', '.join(tracks)}")
    if not extra:
        return weights
    w = (np.ones(len(tracks)) if weights is None else np.asarray(weights, dtype=np.float64)) * \
        np.array([float(extra.get(t, 1.0)) for t in tracks])
    return w / w.mean()


def make_loss(name: str, total_weight: float = 0.2,
              weights: torch.Tensor | None = None) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """The loss called ``name`` (``train.loss``) as ``f(pred, obs) -> scalar``, tracks scaled by ``weights``."""
    if name == "poisson":
        return lambda pred, obs: poisson_loss(pred, obs, weights)
    if name == "poisson_multinomial":
        return lambda pred, obs: poisson_multinomial_loss(pred, obs, total_weight, weights)
    raise ConfigError("train.loss", f"unknown loss '{name}'", f"use one of {list(LOSSES)}")
