"""Mechanistic signal model: expected per-base rates for three tracks, and the enhancer–gene truth.

- accessibility (DNase-like): a narrow peak at each active enhancer (height ~ activity), at each
  promoter, a faint one at decoys;
- histone (H3K27ac-like): broad flanking lobes around active elements and promoters;
- cage (CAGE-like): a peak at each TSS whose height is
  basal x (1 + sum over active enhancers within max_distance of activity x contact(distance)),
  contact(d) = exp(-d / contact_decay_bp), so a promoter's output depends on enhancers up to ~50 kb away.
Observed tracks are Poisson draws of rate x depth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

TRACKS = ("dnase", "h3k27ac", "cage")


@dataclass(frozen=True)
class SignalParams:
    contact_decay_bp: float = 20_000.0
    max_distance_bp: int = 50_000
    regulated_min_effect: float = 0.3   # activity x contact needed to call a pair Regulated
    background: tuple[float, float, float] = (0.02, 0.03, 0.003)
    depth: tuple[float, float, float] = (1.0, 1.0, 1.0)
    artefact_rate: float = 3.0          # blacklist regions: high signal in every track


def _add_gaussian(track: np.ndarray, centre: int, sigma: float, height: float) -> None:
    lo, hi = max(0, int(centre - 4 * sigma)), min(track.size, int(centre + 4 * sigma) + 1)
    x = np.arange(lo, hi)
    track[lo:hi] += height * np.exp(-0.5 * ((x - centre) / sigma) ** 2)


def contact(distance_bp: np.ndarray, params: SignalParams) -> np.ndarray:
    """Enhancer–promoter contact as a function of distance; zero beyond max_distance_bp."""
    d = np.abs(np.asarray(distance_bp, dtype=float))
    return np.where(d <= params.max_distance_bp, np.exp(-d / params.contact_decay_bp), 0.0)


def expression(genes: pd.DataFrame, elements: pd.DataFrame, params: SignalParams) -> np.ndarray:
    """Promoter output per gene: basal x (1 + sum of activity x contact)."""
    out = np.empty(len(genes))
    for i, g in enumerate(genes.itertuples()):
        e = elements[(elements["chrom"] == g.chrom) & elements["active"]]
        d = (e["start"] + e["end"]) // 2 - g.tss
        out[i] = g.basal * (1.0 + float(np.sum(e["activity"] * contact(d, params))))
    return out


def expected_rates(length: int, genes: pd.DataFrame, elements: pd.DataFrame, blacklist: list[tuple[int, int]],
                   params: SignalParams) -> dict[str, np.ndarray]:
    """Noise-free per-base rates {track: (length,)} for one chromosome."""
    rates = {t: np.full(length, b, dtype=np.float64) for t, b in zip(TRACKS, params.background)}
    for e in elements.itertuples():
        centre = (e.start + e.end) // 2
        if e.active:
            _add_gaussian(rates["dnase"], centre, 60, 1.5 * e.activity)
            for side in (-700, 700):
                _add_gaussian(rates["h3k27ac"], centre + side, 350, 0.25 * e.activity)
        else:
            _add_gaussian(rates["dnase"], centre, 60, 0.15)
    for g, expr in zip(genes.itertuples(), expression(genes, elements, params)):
        up = -1 if g.strand == "+" else 1
        _add_gaussian(rates["dnase"], g.tss + up * 80, 60, 2.0)
        for side in (-900, 900):
            _add_gaussian(rates["h3k27ac"], g.tss + side, 400, 0.3 * np.sqrt(g.basal))
        _add_gaussian(rates["cage"], g.tss, 15, 1.5 * expr)
    for start, end in blacklist:
        for t in TRACKS:
            rates[t][start:end] += params.artefact_rate
    return rates


def observe(rates: dict[str, np.ndarray], params: SignalParams, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Poisson counts per base for each track."""
    return {t: rng.poisson(rates[t] * d).astype(np.float32) for t, d in zip(TRACKS, params.depth)}


def enhancer_gene_pairs(genes: pd.DataFrame, elements: pd.DataFrame, params: SignalParams) -> pd.DataFrame:
    """Every candidate element within max_distance of a TSS, in EPCrisprBenchmark columns.

    Regulated is TRUE when the element is active and activity x contact >= regulated_min_effect;
    EffectSize is the fraction of the gene's output lost when the element is silenced (negative).
    """
    rows = []
    for g, expr in zip(genes.itertuples(), expression(genes, elements, params)):
        e = elements[elements["chrom"] == g.chrom]
        centre = (e["start"] + e["end"]) // 2
        near = e[np.abs(centre - g.tss) <= params.max_distance_bp]
        for el in near.itertuples():
            d = (el.start + el.end) // 2 - g.tss
            effect = el.activity * float(contact(d, params)) if el.active else 0.0
            rows.append({"chrom": g.chrom, "chromStart": el.start, "chromEnd": el.end, "name": el.name,
                         "EffectSize": -g.basal * effect / expr, "chrTSS": g.chrom, "startTSS": g.tss,
                         "endTSS": g.tss + 1, "measuredGeneSymbol": g.gene,
                         "Regulated": "TRUE" if effect >= params.regulated_min_effect else "FALSE",
                         "distanceToTSS": abs(d), "element_active": el.active, "element_activity": el.activity})
    return pd.DataFrame(rows)
