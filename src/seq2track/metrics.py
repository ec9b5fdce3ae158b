"""Metrics: correlations per track, ranking metrics for enhancer–gene pairs."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score


def pearson_per_track(pred: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """Pearson r per track over all bins: (..., T), (..., T) -> (T,). NaN for a constant track."""
    p = pred.reshape(-1, pred.shape[-1]).astype(np.float64)
    o = obs.reshape(-1, obs.shape[-1]).astype(np.float64)
    p, o = p - p.mean(axis=0), o - o.mean(axis=0)
    denom = np.sqrt((p ** 2).sum(axis=0) * (o ** 2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (p * o).sum(axis=0) / denom, np.nan)


def ranking_metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """auPRC (average precision) and auROC of ``scores`` for binary ``labels``; NaN if one class only."""
    labels = np.asarray(labels, dtype=bool)
    if labels.all() or not labels.any():
        return {"auprc": float("nan"), "auroc": float("nan")}
    return {"auprc": float(average_precision_score(labels, scores)), "auroc": float(roc_auc_score(labels, scores))}
