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


def bootstrap_ranking(labels: np.ndarray, scores: np.ndarray, n_boot: int = 500, seed: int = 0,
                      level: float = 0.95) -> dict[str, float]:
    """Percentile bootstrap intervals (pairs resampled with replacement) for auPRC and auROC."""
    labels, scores = np.asarray(labels, dtype=bool), np.asarray(scores, dtype=float)
    rng = np.random.default_rng(seed)
    draws = {"auprc": [], "auroc": []}
    for _ in range(n_boot if len(labels) else 0):
        idx = rng.integers(0, len(labels), len(labels))
        m = ranking_metrics(labels[idx], scores[idx])
        for k in draws:
            if np.isfinite(m[k]):
                draws[k].append(m[k])
    lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    out = {}
    for k, v in draws.items():
        out[f"{k}_lo"], out[f"{k}_hi"] = (float(np.percentile(v, lo)), float(np.percentile(v, hi))) if v else (
            float("nan"), float("nan"))
    return out
