"""Metrics: correlations per track, ranking metrics for enhancer–gene pairs."""

from __future__ import annotations

import numpy as np


def pearson_per_track(pred: np.ndarray, obs: np.ndarray) -> np.ndarray:
    """Pearson r per track over all bins: (..., T), (..., T) -> (T,). NaN for a constant track."""
    p = pred.reshape(-1, pred.shape[-1]).astype(np.float64)
    o = obs.reshape(-1, obs.shape[-1]).astype(np.float64)
    p, o = p - p.mean(axis=0), o - o.mean(axis=0)
    denom = np.sqrt((p ** 2).sum(axis=0) * (o ** 2).sum(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(denom > 0, (p * o).sum(axis=0) / denom, np.nan)


def ranking_metrics(labels: np.ndarray, scores: np.ndarray) -> dict[str, float]:
    """auPRC (average precision, as sklearn's ``average_precision_score``) and auROC of ``scores`` for binary
    ``labels``; NaN if one class only. Computed here in numpy, ties grouped as sklearn does (the tests check
    it against sklearn): the bootstrap calls it thousands of times, and sklearn's input validation made the
    demo's interpretation spend ~90 of its 140 s in the intervals."""
    labels, scores = np.asarray(labels, dtype=bool), np.asarray(scores, dtype=float)
    if labels.all() or not labels.any():
        return {"auprc": float("nan"), "auroc": float("nan")}
    order = np.argsort(-scores, kind="mergesort")
    s, y = scores[order], labels[order]
    last = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]      # last rank of each group of tied scores
    tp = np.cumsum(y)[last].astype(float)
    fp = last + 1 - tp
    recall, fpr = tp / tp[-1], fp / fp[-1]
    auprc = np.sum(np.diff(recall, prepend=0.0) * tp / (last + 1))          # sklearn's average precision
    auroc = np.sum(np.diff(fpr, prepend=0.0) * (recall + np.r_[0.0, recall[:-1]]) / 2)   # trapezoids
    return {"auprc": float(auprc), "auroc": float(auroc)}


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


def bootstrap_auprc_difference(labels: np.ndarray, scores: np.ndarray, reference: np.ndarray, groups: np.ndarray,
                               n_boot: int = 500, seed: int = 0, level: float = 0.95) -> dict[str, float]:
    """auPRC of ``scores`` minus auPRC of ``reference`` on the same pairs, with a paired percentile interval
    from a cluster bootstrap: whole ``groups`` (genes) are resampled with replacement, and both scores are
    ranked on the same draw. Pairs of one gene share its promoter and, for ABC-like, its normalisation, so
    resampling single pairs would understate the spread. NaN where the labels have one class only."""
    labels, scores, reference = (np.asarray(labels, dtype=bool), np.asarray(scores, dtype=float),
                                 np.asarray(reference, dtype=float))
    diff = ranking_metrics(labels, scores)["auprc"] - ranking_metrics(labels, reference)["auprc"]
    members = [np.flatnonzero(groups == g) for g in np.unique(groups)] if len(labels) else []
    rng, draws = np.random.default_rng(seed), []
    for _ in range(n_boot if members else 0):
        idx = np.concatenate([members[i] for i in rng.integers(0, len(members), len(members))])
        d = ranking_metrics(labels[idx], scores[idx])["auprc"] - ranking_metrics(labels[idx], reference[idx])["auprc"]
        if np.isfinite(d):
            draws.append(d)
    lo, hi = ((float(np.percentile(draws, (1 - level) / 2 * 100)), float(np.percentile(draws, (1 + level) / 2 * 100)))
              if draws else (float("nan"), float("nan")))
    return {"auprc_minus_abc": float(diff), "auprc_minus_abc_lo": lo, "auprc_minus_abc_hi": hi}
