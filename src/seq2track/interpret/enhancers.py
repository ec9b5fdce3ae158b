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
from seq2track.interpret.reach import pair_shifts, pair_tss
from seq2track.io.bigwig import BigWigReader
from seq2track.metrics import bootstrap_auprc_difference, bootstrap_ranking, ranking_metrics

DISTANCE_BINS_BP = {"0-10kb": (0, 10_000), "10-50kb": (10_000, 50_000), "50-100kb": (50_000, 100_000)}
BASELINES = ("inverse_distance", "accessibility", "abc")
# scores in log2(reference / perturbed) at the TSS: comparable to EffectSize
PERTURBATIONS = ("ism_shuffle", "ism_background")
_AGGREGATE = {"max": np.max, "mean": np.mean, "sum": np.sum}


def _unversioned(ids: pd.Series) -> pd.Series:
    return ids.fillna("").astype(str).str.replace(r"\.\d+(_PAR_Y)?$", "", regex=True)


def match_genes(pairs: pd.DataFrame, tss: pd.DataFrame) -> pd.DataFrame:
    """``pairs`` with ``gene`` (the TSS annotation's name of the pair's gene, "" when unmatched) and
    ``gene_match`` (how it was matched, or why not).

    By Ensembl gene id (versions ignored) when the pair has ``measuredGeneEnsemblId`` and the TSS file has
    ids (a TSS file made from a GTF): a gene renamed between releases is still found. Else by symbol. The
    TSS must be on the pair's ``chrTSS``.
    """
    ids = _unversioned(tss["gene_id"]) if "gene_id" in tss else pd.Series("", index=tss.index)
    by_id = {(c, i): g for c, i, g in zip(tss["chrom"], ids, tss["name"].astype(str)) if i}
    by_symbol = set(zip(tss["chrom"], tss["name"].astype(str)))
    known_ids, known_symbols = set(ids) - {""}, set(tss["name"].astype(str))
    pair_ids = (_unversioned(pairs["measuredGeneEnsemblId"]) if "measuredGeneEnsemblId" in pairs
                else pd.Series("", index=pairs.index))
    genes, how = [], []
    for chrom, symbol, gid in zip(pairs["chrTSS"], pairs["measuredGeneSymbol"].astype(str), pair_ids):
        if gid and (chrom, gid) in by_id:
            genes.append(by_id[(chrom, gid)])
            how.append("ensembl_id")
        elif (chrom, symbol) in by_symbol:
            genes.append(symbol)
            how.append("symbol")
        else:
            genes.append("")
            how.append("unmatched: " + ("gene on another chromosome in the TSS file" if gid in known_ids
                                        or symbol in known_symbols else "neither id nor symbol in the TSS file"))
    return pairs.assign(gene=pd.Series(genes, index=pairs.index, dtype="str"),
                        gene_match=pd.Series(how, index=pairs.index, dtype="str"))


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

    ``genes`` (chrom, tss, gene; optional shift_bp) are the rows of each profile, one per window of a gene
    (``reach.gene_views``); pairs (column ``gene``, ``match_genes``) match them by chromosome and gene, and
    each pair is scored in the window ``reach.pair_shifts`` picks (column window_shift_bp). A pair whose gene
    has no profile, or whose element no window holds, gets ``in_reach`` False and NaN model scores; it is kept.
    """
    shifts = pair_shifts(pairs["chromStart"].to_numpy(), pairs["chromEnd"].to_numpy(), pair_tss(pairs, genes), spec)
    views = genes.assign(shift_bp=genes["shift_bp"] if "shift_bp" in genes else 0)
    index = {(g.chrom, g.gene, int(g.shift_bp)): (i, g.tss) for i, g in enumerate(views.itertuples())}
    scores = {name: [] for name in profiles}
    for p, shift in zip(pairs.itertuples(), shifts):
        row, tss = (None, None) if np.isnan(shift) else index.get((p.chrTSS, p.gene, int(shift)), (None, None))
        for name, (values, resolution) in profiles.items():
            scores[name].append(float("nan") if row is None else element_score(
                values[row], p.chromStart, p.chromEnd, tss_window_start(tss, spec, int(shift)), resolution,
                aggregate))
    centre = (pairs["chromStart"] + pairs["chromEnd"]) // 2
    distance = np.abs(centre - pairs["startTSS"]).clip(lower=1)
    out = pairs.assign(distance_bp=distance, window_shift_bp=shifts, inverse_distance=1.0 / distance, **scores)
    first = next(iter(profiles), None)
    return out.assign(in_reach=out[first].notna() if first else ~np.isnan(shifts))


def add_accessibility_baselines(pairs: pd.DataFrame, accessibility_bigwig: str) -> pd.DataFrame:
    """Accessibility summed over each element, and the ABC-like score per gene."""
    reader = BigWigReader(accessibility_bigwig)
    try:
        acc = np.array([reader.values(p.chrom, p.chromStart, p.chromEnd).sum() for p in pairs.itertuples()])
    finally:
        reader.close()
    product = acc * pairs["inverse_distance"].to_numpy()
    total = pd.Series(product).groupby(pairs["gene"].to_numpy()).transform("sum").to_numpy()
    return pairs.assign(accessibility=acc, abc=np.divide(product, total, out=np.zeros_like(product),
                                                         where=total > 0))


# strata of the simulated truth (columns the demo's enhancers.tsv carries; real tables lack them: skipped)
STRATA = {"crosses_boundary": ("crosses_boundary", "TRUE"), "same_domain": ("crosses_boundary", "FALSE"),
          "tata_promoter": ("promoter_class", "tata"), "housekeeping_promoter": ("promoter_class", "housekeeping")}


def _matches(frame: pd.DataFrame, column: str, value: str) -> np.ndarray:
    """Rows whose ``column`` reads ``value``, case-blind (TSVs spell booleans TRUE, True or true)."""
    return (frame[column].astype(str).str.upper() == value.upper()).to_numpy()


def pair_subsets(reach: pd.DataFrame):
    """(distance_bin, stratum, pairs): all pairs, each distance bin, each stratum the table can define, and
    each stratum within each distance bin (boundary-crossing against same-domain pairs at similar distance:
    has the model learned insulation, or only a steeper decay with distance?)."""
    bins = {name: reach[(reach["distance_bp"] > lo) & (reach["distance_bp"] <= hi)]
            for name, (lo, hi) in DISTANCE_BINS_BP.items()}
    yield "all", "all", reach
    for name, part in bins.items():
        yield name, "all", part
    strata = {name: (column, value) for name, (column, value) in STRATA.items() if column in reach}
    for name, part in {"all": reach, **bins}.items():
        for stratum, (column, value) in strata.items():
            yield name, stratum, part[_matches(part, column, value)]


def fraction_lost(log2_loss: np.ndarray) -> np.ndarray:
    """A perturbation score, log2(reference / perturbed), as the fraction of the predicted value lost: the
    scale of ``-EffectSize``."""
    return 1.0 - 2.0 ** -np.asarray(log2_loss, dtype=float)


_NO_AGREEMENT = {"right_sign": np.nan, "effect_ratio": np.nan, "effect_ratio_all": np.nan}


def _median_ratio(log2_loss: np.ndarray, effect_size: np.ndarray) -> float:
    measured = np.median(-effect_size) if len(effect_size) else 0.0   # no median of an empty selection
    return float(np.median(fraction_lost(log2_loss)) / measured) if measured else np.nan


def effect_agreement(log2_loss: np.ndarray, effect_size: np.ndarray, labels: np.ndarray) -> dict:
    """How a perturbation score (log2 of reference over perturbed prediction) agrees with the measured effect
    (``EffectSize``: fractional change of the gene, negative = it goes down) over the Regulated pairs:
    ``right_sign``, the fraction whose predicted change has the measured direction, and ``effect_ratio``,
    the median predicted fraction lost over the median measured one (1: the model's effects have the
    screen's size). auPRC only ranks: a model whose effects are all 100x too small, or inverted, can still
    rank some pairs right by magnitude. ``effect_ratio_all`` is the same ratio over every pair whose measured
    effect is a loss (EffectSize < 0), Regulated or not: it exists where few pairs are Regulated (across a
    boundary), so the ratio across a boundary over the ratio within a domain at similar distance says whether
    the model weakens contact across boundaries as the measurement does (1) or not at all (measured over
    predicted insulation)."""
    finite = np.isfinite(log2_loss) & np.isfinite(effect_size)
    keep, losses = labels & finite, finite & (effect_size < 0)
    ratio_all = _median_ratio(log2_loss[losses], effect_size[losses])
    if not keep.any():
        return {**_NO_AGREEMENT, "effect_ratio_all": ratio_all}
    predicted, measured = fraction_lost(log2_loss[keep]), -effect_size[keep]
    return {"right_sign": float((np.sign(predicted) == np.sign(measured)).mean()),
            "effect_ratio": _median_ratio(log2_loss[keep], effect_size[keep]), "effect_ratio_all": ratio_all}


REACH_EDGES_BP = (0, 10_000, 20_000, 30_000, 50_000, 100_000)
MIN_SCREEN_LOSS = 0.02   # effect_by_distance.tsv's default floor on the measured loss (interpret.effect_min_loss)


def effect_ratio_by_distance(scored: pd.DataFrame, method: str = "ism_shuffle",
                             edges_bp: tuple[int, ...] = REACH_EDGES_BP,
                             min_loss: float = MIN_SCREEN_LOSS) -> pd.DataFrame:
    """How far the model's perturbation effects reach: per distance bin (``edges_bp``, (lo, hi] as the summary's
    bins) and per stratum (same domain / crosses a boundary, when the table says), the median predicted
    fraction lost over the median measured one (``_median_ratio``, as ``effect_ratio``), over the pairs in reach
    whose measured loss is at least ``min_loss`` (smaller ones are below what a screen resolves; their ratio is
    noise). A ratio that falls with distance within a domain = the model's effects decay faster than the screen's
    (Karollus et al. 2023 found this for Enformer); across a boundary above the same-distance ratio within a
    domain = insulation not learned. Columns: stratum, distance_bin, n_pairs, effect_ratio (NaN: no pairs)."""
    reach = scored[scored["in_reach"]]
    effect, values = reach["EffectSize"].to_numpy(dtype=float), reach[method].to_numpy(dtype=float)
    keep = np.isfinite(effect) & np.isfinite(values) & (-effect >= min_loss)
    rows = []
    for stratum, distance_bin, mask in reach_bin_masks(reach, reach["distance_bp"].to_numpy(dtype=float), edges_bp):
        pick = keep & mask
        rows.append({"stratum": stratum, "distance_bin": distance_bin, "n_pairs": int(pick.sum()),
                     "effect_ratio": _median_ratio(values[pick], effect[pick])})
    return pd.DataFrame(rows)


def reach_bin_masks(pairs: pd.DataFrame, distance: np.ndarray, edges_bp: tuple[int, ...] = REACH_EDGES_BP):
    """(stratum, distance bin name, row mask) per stratum, same domain / crosses a boundary (one stratum "all"
    when ``pairs`` has no crosses_boundary column), and per (lo, hi] bin of ``distance`` (bp) by ``edges_bp``."""
    strata = ({name: _matches(pairs, *STRATA[name]) for name in ("same_domain", "crosses_boundary")}
              if "crosses_boundary" in pairs else {"all": np.ones(len(pairs), bool)})
    for stratum, mask in strata.items():
        for lo, hi in zip(edges_bp[:-1], edges_bp[1:]):
            yield stratum, f"{lo // 1000}-{hi // 1000}kb", mask & (distance > lo) & (distance <= hi)


def effect_by_distance_table(scored: pd.DataFrame, methods: list[str],
                             min_loss: float = MIN_SCREEN_LOSS) -> pd.DataFrame:
    """``effect_ratio_by_distance`` of every perturbation method scored, with a ``method`` column (the
    interpret rule's effect_by_distance.tsv); header only when the pairs carry no measured ``EffectSize``."""
    parts = [effect_ratio_by_distance(scored, m, min_loss=min_loss).assign(method=m) for m in methods
             if m in PERTURBATIONS and "EffectSize" in scored]
    columns = ["method", "stratum", "distance_bin", "n_pairs", "effect_ratio"]
    return pd.concat(parts)[columns] if parts else pd.DataFrame(columns=columns)


def overall_row(summary: pd.DataFrame, method: str) -> pd.DataFrame:
    """The ``summarise`` row of ``method`` over all pairs in reach (every distance bin and stratum); empty when
    the method was not scored."""
    return summary[summary["method"].eq(method) & summary["distance_bin"].eq("all") & summary["stratum"].eq("all")]


def _margin_row(method: str, distance_bin: str, stratum: str) -> bool:
    """Whether ``summarise`` reports the margin over ABC-like for this method and subset."""
    if method in BASELINES:
        return False
    return (distance_bin, stratum) == ("all", "all") or (method in PERTURBATIONS and "all" in (distance_bin, stratum))


def summarise(scored: pd.DataFrame, methods: list[str], n_boot: int = 500, seed: int = 0) -> pd.DataFrame:
    """auPRC/auROC with bootstrap intervals per method, overall, by distance bin and by stratum (``STRATA``,
    when the table has the columns), over pairs in reach; for perturbation scores (``PERTURBATIONS``) with a
    measured ``EffectSize`` also ``effect_agreement`` (NaN for the other methods); when ``abc`` is among the
    methods, a model method's auPRC minus ABC-like's on the same pairs with a paired interval resampling
    genes (``bootstrap_auprc_difference``): every model method over all pairs, perturbation scores also per
    distance bin and per stratum (``_margin_row``; the intervals cost the demo ~2 s)."""
    reach = scored[scored["in_reach"]]
    compare = "abc" in methods
    rows = []
    for method in methods:
        for name, stratum, part in pair_subsets(reach):
            labels, values = part["Regulated"].to_numpy(dtype=bool), part[method].to_numpy(dtype=float)
            rho = np.nan  # rank correlation with the measured effect (EffectSize < 0: the gene goes down)
            effect = part["EffectSize"].to_numpy(dtype=float) if "EffectSize" in part else None
            if effect is not None and len(part) > 2 and np.nanstd(values) > 0:
                rho = float(spearmanr(values, -effect, nan_policy="omit")[0])
            agreement = (effect_agreement(values, effect, labels) if effect is not None and method in PERTURBATIONS
                         else _NO_AGREEMENT)
            rows.append({"method": method, "kind": "baseline" if method in BASELINES else "model",
                         "distance_bin": name, "stratum": stratum, "n_pairs": len(part),
                         "n_positive": int(labels.sum()),
                         "positive_rate": float(labels.mean()) if len(labels) else np.nan,
                         "n_out_of_reach": int((~scored["in_reach"]).sum()), "spearman_effect_size": rho,
                         **agreement,
                         **ranking_metrics(labels, values), **bootstrap_ranking(labels, values, n_boot, seed),
                         **(bootstrap_auprc_difference(labels, values, part["abc"].to_numpy(dtype=float),
                                                       part["gene"].to_numpy(), n_boot, seed)
                            if compare and _margin_row(method, name, stratum) else {})})
    return pd.DataFrame(rows)
