"""Genes, promoters, candidate enhancers and CTCF boundaries with a motif grammar, planted into the sequence.

Grammar: an enhancer is active only when a GATA1 site and an E-box (TAL1::TCF3) site sit together
with a 7-11 bp spacer; each such pair adds activity, an AP-1 (FOS::JUN) site multiplies it by 1.5.
Decoys carry a single partner (one or more copies) or both partners 60-120 bp apart: inactive.
Promoters come in two classes (Bergman et al. 2022, Nature 604:356): ``tata`` (a TATA box 30 bp upstream
of the TSS and two SP1 sites; responsive to distal enhancers) and ``housekeeping`` (a CpG island of ~400 bp
with four SP1 sites and no TATA box; weakly responsive, higher basal output).
Boundaries: between consecutive genes, a pair of CTCF sites (JASPAR MA0139.1) in divergent orientation
(reverse strand, then forward), so each domain is delimited by a convergent pair, the orientation of loop
anchors (Rao et al. 2014, Cell 159:1665; de Wit et al. 2015, Mol Cell 60:676). Boundary elements are
accessible but do not activate; they cut enhancer-promoter contact across them (``signal``).
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
    housekeeping_fraction: float = 0.5   # promoters of the CpG-island / SP1 class (weakly responsive)
    boundary_fraction: float = 0.8     # chance of a CTCF boundary between two consecutive genes


def _place(seq: bytearray, pos: int, site: str) -> None:
    seq[pos:pos + len(site)] = site.encode("ascii")


def _free(occupied: list[tuple[int, int]], start: int, end: int, pad: int = 1_000) -> bool:
    return all(end + pad <= s or start >= e + pad for s, e in occupied)


PROMOTER_SITES = {"tata": (("TBP", -30), ("SP1", -90), ("SP1", -60)),
                  "housekeeping": (("SP1", -160), ("SP1", -120), ("SP1", -80), ("SP1", -40))}


def plant_cpg_island(seq: bytearray, start: int, end: int, rng) -> None:
    """GC-rich sequence without CpG depletion (GC ~0.66, CpG observed/expected ~1) over [start, end)."""
    seq[start:end] = bytes(np.frombuffer(b"ACGT", np.uint8)[rng.choice(4, end - start, p=[0.17, 0.33, 0.33, 0.17])])


def plant_promoter(seq: bytearray, tss: int, strand: str, motifs: dict[str, Motif], rng, kind: str = "tata") -> None:
    """The class's sites relative to the TSS on the gene's strand (``PROMOTER_SITES``); a housekeeping
    promoter sits in a CpG island from -250 to +150."""
    if kind == "housekeeping":
        lo, hi = (tss - 250, tss + 150) if strand == "+" else (tss - 150, tss + 250)
        plant_cpg_island(seq, lo, hi, rng)
    for name, offset in PROMOTER_SITES[kind]:
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


def plant_boundary(seq: bytearray, start: int, motifs: dict[str, Motif], rng) -> None:
    """A CTCF boundary in [start, start + 300): a reverse-strand site, then a forward-strand one."""
    _place(seq, start + 80, motifs["CTCF"].sample(rng, reverse=True))
    _place(seq, start + 200, motifs["CTCF"].sample(rng))


def _boundaries(chrom: str, seq: bytearray, genes: list[tuple], occupied: list[tuple[int, int]],
                motifs: dict[str, Motif], params: LayoutParams, rng) -> list[tuple]:
    """One boundary element, with chance ``boundary_fraction``, anywhere between consecutive genes (at least
    3 kb from either TSS)."""
    rows = []
    for (_, left, *_), (_, right, *_) in zip(genes, genes[1:]):
        if rng.random() >= params.boundary_fraction:
            continue
        for _ in range(50):
            start = int(rng.integers(left + 3_000, right - 3_000)) - ELEMENT_WIDTH_BP // 2
            if _free(occupied, start, start + ELEMENT_WIDTH_BP, pad=200):
                plant_boundary(seq, start, motifs, rng)
                occupied.append((start, start + ELEMENT_WIDTH_BP))
                rows.append((chrom, start, start + ELEMENT_WIDTH_BP, f"{chrom}_CTCF{len(rows) + 1}", False, 0.0, "",
                             "ctcf"))
                break
    return rows


def layout_chromosome(chrom: str, seq: bytearray, gaps: list[tuple[int, int]], motifs: dict[str, Motif],
                      params: LayoutParams, rng: np.random.Generator, first_gene: int = 0
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Place genes and their candidate enhancers on one chromosome; plant motifs into ``seq``.

    Returns (genes: chrom, tss, strand, gene, basal, promoter_class) and
    (elements: chrom, start, end, name, active, activity, host_gene, kind), kind = enhancer | decoy | ctcf.
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
        kind = "housekeeping" if rng.random() < params.housekeeping_fraction else "tata"
        plant_promoter(seq, pos, strand, motifs, rng, kind)
        occupied.append((pos - 500, pos + 500))
        basal = float(rng.lognormal(0.0, 0.15)) * (2.0 if kind == "housekeeping" else 1.0)  # mostly the class
        genes.append((chrom, pos, strand, name, basal, kind))
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
            elements.append((chrom, start, start + ELEMENT_WIDTH_BP, f"{name}_E{k + 1}", active, activity, name,
                             "enhancer" if active else "decoy"))
        pos += int(rng.integers(*params.gene_spacing_bp))
    elements += _boundaries(chrom, seq, genes, occupied, motifs, params, rng)
    genes_df = pd.DataFrame(genes, columns=["chrom", "tss", "strand", "gene", "basal", "promoter_class"])
    elements_df = pd.DataFrame(elements, columns=["chrom", "start", "end", "name", "active", "activity", "host_gene",
                                                  "kind"]).sort_values(["chrom", "start"], ignore_index=True)
    return genes_df, elements_df
