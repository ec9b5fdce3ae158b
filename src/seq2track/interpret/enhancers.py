"""Score enhancer–gene pairs by model attention and gradient x input, next to simple baselines.

Model scores: a per-gene profile over the gene's TSS-centred window (attention over key bins, or
|gradient x input| per base) is aggregated over the element (max | mean | sum) and divided by the
profile's mean over the whole window (the local background), so genes are comparable.
In-silico perturbation (``perturbation``): the predicted change at the TSS when the element is shuffled.
Baselines: 1/distance; accessibility (observed signal summed over the element); ABC-like
(accessibility x 1/distance, as a fraction of that product over all candidates of the gene).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from seq2track.data.windows import WindowSpec
from seq2track.interpret.attention import element_span, tss_window_start
from seq2track.io.bigwig import BigWigReader
from seq2track.metrics import bootstrap_ranking, ranking_metrics

DISTANCE_BINS_BP = {"0-10kb": (0, 10_000), "10-50kb": (10_000, 50_000), "50-100kb": (50_000, 100_000)}
BASELINES = ("inverse_distance", "accessibility", "abc")
_AGGREGATE = {"max": np.max, "mean": np.mean, "sum": np.sum}


def element_score(profile: np.ndarray, start0: int, end: int, window_start0: int, resolution_bp: int,
                  aggregate: str) -> float:
    """Aggregate of ``profile`` entries overlapping [start0, end), over its window mean; NaN outside."""
    span = element_span(start0, end, window_start0, resolution_bp, profile.size)
    background = float(np.mean(profile))
    if span is None or background <= 0:
        return float("nan")
    return float(_AGGREGATE[aggregate](profile[span[0]:span[1] + 1])) / background


def score_pairs(pairs: pd.DataFrame, genes: pd.DataFrame, profiles: dict[str, tuple[np.ndarray, int]],
                spec: WindowSpec, aggregate: str = "mean") -> pd.DataFrame:
    """Add one column per model score in ``profiles`` ({name: ((G, P) array, bp per entry)}) and 1/distance.

    ``genes`` (chrom, tss, gene) are the rows of each profile; pairs match them by chromosome and gene
    symbol, and windows are centred on the gene's TSS. A pair whose gene has no profile, or whose element
    lies outside the window, gets ``in_reach`` False and NaN model scores; it is kept, not dropped.
    """
    index = {(g.chrom, g.gene): (i, g.tss) for i, g in enumerate(genes.itertuples())}
    scores = {name: [] for name in profiles}
    for p in pairs.itertuples():
        row, tss = index.get((p.chrTSS, p.measuredGeneSymbol), (None, None))
        for name, (values, resolution) in profiles.items():
            scores[name].append(float("nan") if row is None else element_score(
                values[row], p.chromStart, p.chromEnd, tss_window_start(tss, spec), resolution, aggregate))
    centre = (pairs["chromStart"] + pairs["chromEnd"]) // 2
    distance = np.abs(centre - pairs["startTSS"]).clip(lower=1)
    out = pairs.assign(distance_bp=distance, inverse_distance=1.0 / distance, **scores)
    first = next(iter(profiles), None)
    return out.assign(in_reach=out[first].notna() if first else True)


def add_accessibility_baselines(pairs: pd.DataFrame, accessibility_bigwig: str) -> pd.DataFrame:
    """Accessibility summed over each element, and the ABC-like score per gene."""
    reader = BigWigReader(accessibility_bigwig)
    try:
        acc = np.array([reader.values(p.chrom, p.chromStart, p.chromEnd).sum() for p in pairs.itertuples()])
    finally:
        reader.close()
    product = acc * pairs["inverse_distance"].to_numpy()
    total = pd.Series(product).groupby(pairs["measuredGeneSymbol"].to_numpy()).transform("sum").to_numpy()
    return pairs.assign(accessibility=acc, abc=np.divide(product, total, out=np.zeros_like(product),
                                                         where=total > 0))


def summarise(scored: pd.DataFrame, methods: list[str], n_boot: int = 500, seed: int = 0) -> pd.DataFrame:
    """auPRC/auROC with bootstrap intervals per method, overall and by distance bin, over pairs in reach."""
    reach = scored[scored["in_reach"]]
    bins = {"all": (0, np.inf), **DISTANCE_BINS_BP}
    rows = []
    for method in methods:
        for name, (lo, hi) in bins.items():
            part = reach[(reach["distance_bp"] > lo) & (reach["distance_bp"] <= hi)] if name != "all" else reach
            labels, values = part["Regulated"].to_numpy(dtype=bool), part[method].to_numpy(dtype=float)
            rho = np.nan  # rank correlation with the measured effect (EffectSize < 0: the gene goes down)
            if "EffectSize" in part and len(part) > 2 and np.nanstd(values) > 0:
                rho = float(spearmanr(values, -part["EffectSize"].to_numpy(dtype=float), nan_policy="omit")[0])
            rows.append({"method": method, "kind": "baseline" if method in BASELINES else "model",
                         "distance_bin": name, "n_pairs": len(part), "n_positive": int(labels.sum()),
                         "positive_rate": float(labels.mean()) if len(labels) else np.nan,
                         "n_out_of_reach": int((~scored["in_reach"]).sum()), "spearman_effect_size": rho,
                         **ranking_metrics(labels, values), **bootstrap_ranking(labels, values, n_boot, seed)})
    return pd.DataFrame(rows)
