"""Mechanistic signal model: expected per-base rates for three tracks, and the enhancer–gene truth.

- accessibility (DNase-like): a narrow peak at each active enhancer (height ~ activity), at each
  promoter and at each CTCF boundary (accessible, as CTCF sites are in DNase data), a faint one at decoys;
- histone (H3K27ac-like): broad flanking lobes around active elements and promoters (not at CTCF sites);
- cage (CAGE-like): with ``enhancer_rna`` > 0, a faint bidirectional pair of peaks at each active enhancer
  (eRNAs, height ``enhancer_rna`` x 1.5 x activity in all), and a peak at each TSS whose height is
  basal x (1 + responsiveness x sum over active enhancers of activity x contact),
  contact = exp(-d / contact_decay_bp) (0 beyond max_distance_bp) x insulation ** (CTCF boundaries between
  the element and the TSS); responsiveness is 1 for TATA promoters, ``housekeeping_responsiveness`` for
  CpG-island promoters.
The truth is the simulated CRISPRi experiment: an element-gene pair is Regulated when removing the element
lowers the gene's expected CAGE output by at least ``regulated_min_effect`` (a fraction), which no
accessibility x distance score can compute (boundaries, promoter classes, accessible CTCF elements).
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
    max_distance_bp: int = 100_000
    insulation: float = 0.1             # contact factor per CTCF boundary between element and promoter
    housekeeping_responsiveness: float = 0.05   # TATA promoters: 1
    ctcf_accessibility: float = 2.0     # DNase peak height at a CTCF boundary (active enhancers: 1.5 x activity)
    enhancer_rna: float = 0.0           # CAGE at active enhancers (eRNA), as a fraction of 1.5 x activity
    pair_distance_bp: int = 100_000     # pairs tested (as a CRISPRi screen): every element x gene within this
    regulated_min_effect: float = 0.08  # fraction of the gene's output lost on removal that calls it Regulated
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


def boundaries_between(positions: np.ndarray, tss: int, boundary_centres: np.ndarray) -> np.ndarray:
    """Number of boundary centres strictly between each position and the TSS."""
    lo, hi = np.minimum(positions, tss), np.maximum(positions, tss)
    b = np.sort(np.asarray(boundary_centres))
    return np.searchsorted(b, hi, side="left") - np.searchsorted(b, lo, side="right")


def _gene_inputs(g, elements: pd.DataFrame, params: SignalParams) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """(elements on the gene's chromosome, CTCF boundaries crossed, each one's input to the promoter)."""
    e = elements[elements["chrom"] == g.chrom]
    centre = ((e["start"] + e["end"]) // 2).to_numpy()
    ctcf = e["kind"].to_numpy() == "ctcf"
    crossed = boundaries_between(centre, g.tss, centre[ctcf])
    response = 1.0 if g.promoter_class == "tata" else params.housekeeping_responsiveness
    inputs = np.where(e["active"].to_numpy(), e["activity"].to_numpy(dtype=float), 0.0) * contact(
        centre - g.tss, params) * params.insulation ** crossed * response
    return e, crossed, inputs


def expression(genes: pd.DataFrame, elements: pd.DataFrame, params: SignalParams) -> np.ndarray:
    """Promoter output per gene: basal x (1 + responsiveness x sum of activity x contact x insulation)."""
    return np.array([g.basal * (1.0 + _gene_inputs(g, elements, params)[2].sum()) for g in genes.itertuples()])


def expected_rates(length: int, genes: pd.DataFrame, elements: pd.DataFrame, blacklist: list[tuple[int, int]],
                   params: SignalParams) -> dict[str, np.ndarray]:
    """Noise-free per-base rates {track: (length,)} for one chromosome."""
    rates = {t: np.full(length, b, dtype=np.float64) for t, b in zip(TRACKS, params.background)}
    for e in elements.itertuples():
        centre = (e.start + e.end) // 2
        if e.kind == "ctcf":
            _add_gaussian(rates["dnase"], centre, 60, params.ctcf_accessibility)
        elif e.active:
            _add_gaussian(rates["dnase"], centre, 60, 1.5 * e.activity)
            for side in (-700, 700):
                _add_gaussian(rates["h3k27ac"], centre + side, 350, 0.25 * e.activity)
            for side in (-80, 80):  # bidirectional capped eRNAs (Andersson et al. 2014, Nature 507:455)
                _add_gaussian(rates["cage"], centre + side, 15, 0.5 * params.enhancer_rna * 1.5 * e.activity)
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
    """Every element (enhancer, decoy, CTCF) within pair_distance_bp of every TSS, in EPCrisprBenchmark columns.

    EffectSize is the fraction of the gene's expected output lost when the element is removed (negative),
    Regulated is TRUE when that loss is at least regulated_min_effect. Extra columns for stratified
    evaluation: element_class, promoter_class, boundaries_crossed, crosses_boundary.
    """
    rows = []
    for g in genes.itertuples():
        e, crossed, inputs = _gene_inputs(g, elements, params)
        effect = inputs / (1.0 + inputs.sum())   # basal cancels: removal lowers 1 + sum by the element's input
        d = ((e["start"] + e["end"]) // 2).to_numpy() - g.tss
        for i in np.flatnonzero(np.abs(d) <= params.pair_distance_bp):
            el = e.iloc[i]
            rows.append({"chrom": g.chrom, "chromStart": el.start, "chromEnd": el.end, "name": el["name"],
                         "EffectSize": -float(effect[i]), "chrTSS": g.chrom, "startTSS": g.tss, "endTSS": g.tss + 1,
                         "measuredGeneSymbol": g.gene,
                         "Regulated": "TRUE" if effect[i] >= params.regulated_min_effect else "FALSE",
                         "distanceToTSS": abs(int(d[i])), "element_class": el.kind, "promoter_class": g.promoter_class,
                         "boundaries_crossed": int(crossed[i]), "crosses_boundary": bool(crossed[i] > 0),
                         "element_active": bool(el.active), "element_activity": float(el.activity)})
    return pd.DataFrame(rows)
