"""Genes, promoters and candidate enhancers with a motif grammar, planted into the sequence.

Grammar: an enhancer is active only when a GATA1 site and an E-box (TAL1::TCF3) site sit together
with a 7-11 bp spacer; each such pair adds activity, an AP-1 (FOS::JUN) site multiplies it by 1.5.
Decoys carry a single partner (one or more copies) or both partners 60-120 bp apart: inactive.
Promoters carry a TATA box 30 bp upstream of the TSS and two SP1 sites further upstream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from seq2track.simulate.motifs import Motif

ELEMENT_WIDTH_BP = 300


@dataclass(frozen=True)
class LayoutParams:
    gene_spacing_bp: tuple[int, int] = (70_000, 130_000)
    enhancers_per_gene: int = 6
    active_fraction: float = 0.4
    enhancer_distance_bp: tuple[int, int] = (3_000, 48_000)
    edge_margin_bp: int = 55_000       # genes keep this far from contig ends and gaps


def _place(seq: bytearray, pos: int, site: str) -> None:
    seq[pos:pos + len(site)] = site.encode("ascii")


def _free(occupied: list[tuple[int, int]], start: int, end: int, pad: int = 1_000) -> bool:
    return all(end + pad <= s or start >= e + pad for s, e in occupied)


def plant_promoter(seq: bytearray, tss: int, strand: str, motifs: dict[str, Motif], rng) -> None:
    """TATA box at -30 and two SP1 sites at -90 and -60 (relative to the TSS, on the gene's strand)."""
    for name, offset in (("TBP", -30), ("SP1", -90), ("SP1", -60)):
        site = motifs[name].sample(rng, reverse=strand == "-")
        pos = tss + offset - len(site) // 2 if strand == "+" else tss - offset - len(site) // 2
        _place(seq, pos, site)


def plant_enhancer(seq: bytearray, start: int, active: bool, motifs: dict[str, Motif], rng) -> float:
    """Plant an active (grammar) or decoy element in [start, start + 300); return its activity."""
    gata, ebox = motifs["GATA1"], motifs["TAL1::TCF3"]
    n_units = int(rng.integers(1, 4))
    slots = start + 20 + 90 * np.arange(n_units)        # one unit per 90 bp slot
    if active:
        for slot in slots:
            g = gata.sample(rng, reverse=bool(rng.integers(2)))
            _place(seq, slot, g)
            _place(seq, slot + len(g) + int(rng.integers(7, 12)), ebox.sample(rng, reverse=bool(rng.integers(2))))
        activity = n_units * float(rng.lognormal(0.0, 0.3))
        if rng.random() < 0.4:
            _place(seq, start + ELEMENT_WIDTH_BP - 15, motifs["FOS::JUN"].sample(rng))
            activity *= 1.5
        return activity
    kind = rng.integers(3)
    for slot in slots:
        if kind == 0:
            _place(seq, slot, gata.sample(rng, reverse=bool(rng.integers(2))))
        elif kind == 1:
            _place(seq, slot, ebox.sample(rng, reverse=bool(rng.integers(2))))
    if kind == 2:  # both partners, but too far apart to cooperate
        _place(seq, start + 10, gata.sample(rng))
        _place(seq, start + 10 + int(rng.integers(60, 121)), ebox.sample(rng))
    return 0.0


def layout_chromosome(chrom: str, seq: bytearray, gaps: list[tuple[int, int]], motifs: dict[str, Motif],
                      params: LayoutParams, rng: np.random.Generator, first_gene: int = 0
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Place genes and their candidate enhancers on one chromosome; plant motifs into ``seq``.

    Returns (genes: chrom, tss, strand, gene, basal) and
    (elements: chrom, start, end, name, active, activity, host_gene).
    """
    genes, elements = [], []
    occupied = [(s, e) for s, e in gaps]
    pos = params.edge_margin_bp
    while pos < len(seq) - params.edge_margin_bp:
        near_gap = not _free(gaps, pos - params.edge_margin_bp, pos + params.edge_margin_bp, pad=0)
        if near_gap or not _free(occupied, pos - 500, pos + 500):
            pos += 5_000
            continue
        name = f"GENE{first_gene + len(genes) + 1:03d}"
        strand = "+" if rng.random() < 0.5 else "-"
        plant_promoter(seq, pos, strand, motifs, rng)
        occupied.append((pos - 500, pos + 500))
        genes.append((chrom, pos, strand, name, float(rng.lognormal(0.0, 0.4))))
        for k in range(params.enhancers_per_gene):
            for _ in range(50):  # log-uniform distance, random side, no overlaps
                lo, hi = np.log(params.enhancer_distance_bp)
                centre = pos + int(np.exp(rng.uniform(lo, hi))) * (1 if rng.random() < 0.5 else -1)
                start = centre - ELEMENT_WIDTH_BP // 2
                if _free(occupied, start, start + ELEMENT_WIDTH_BP):
                    break
            else:
                continue
            active = bool(rng.random() < params.active_fraction)
            activity = plant_enhancer(seq, start, active, motifs, rng)
            occupied.append((start, start + ELEMENT_WIDTH_BP))
            elements.append((chrom, start, start + ELEMENT_WIDTH_BP, f"{name}_E{k + 1}", active, activity, name))
        pos += int(rng.integers(*params.gene_spacing_bp))
    genes_df = pd.DataFrame(genes, columns=["chrom", "tss", "strand", "gene", "basal"])
    elements_df = pd.DataFrame(elements, columns=["chrom", "start", "end", "name", "active", "activity", "host_gene"])
    return genes_df, elements_df
