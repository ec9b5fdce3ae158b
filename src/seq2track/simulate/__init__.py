"""The embedded demo: a synthetic genome with a known regulatory grammar, written as source files.

``simulate_demo`` writes, under ``out_dir``: genome.fa.gz, tracks/{track}.bw (Poisson counts),
expected/{track}.bw (noise-free rates), blacklist.bed, tss.bed, enhancers.tsv (EPCrisprBenchmark
columns), elements.tsv (all candidates) and simulation.json (parameters and composition checks).
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import numpy as np
import pandas as pd

from seq2track.io.atomic import atomic_path
from seq2track.io.bigwig import runs_from_values, write_bigwig_runs
from seq2track.simulate.elements import LayoutParams, layout_chromosome
from seq2track.simulate.genome import background, cpg_observed_expected, gc_fraction
from seq2track.simulate.motifs import load_motifs
from seq2track.simulate.signal import TRACKS, SignalParams, enhancer_gene_pairs, expected_rates, observe


@dataclass(frozen=True)
class SimulationParams:
    chromosome_lengths: dict[str, int] = field(default_factory=lambda: {"chr1": 7_200_000, "chr2": 1_200_000,
                                                                      "chr3": 1_200_000, "chr4": 7_200_000})
    seed: int = 1
    telomere_gap_bp: int = 10_000        # N run at the start of each chromosome
    internal_gap_bp: int = 40_000        # one N run in the middle of the longest chromosome
    blacklist_bp: int = 4_000            # one artefact region per chromosome
    layout: LayoutParams = field(default_factory=LayoutParams)
    signal: SignalParams = field(default_factory=SignalParams)


def params_from_config(section: dict, seed: int) -> SimulationParams:
    """SimulationParams from the config's ``simulate`` section (its keys name LayoutParams and SignalParams
    fields; lists become tuples) and the run's seed."""
    layout_keys, signal_keys = {f.name for f in fields(LayoutParams)}, {f.name for f in fields(SignalParams)}
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in section.items()}
    params = SimulationParams(seed=seed,
                              layout=replace(LayoutParams(), **{k: v for k, v in values.items() if k in layout_keys}),
                              signal=replace(SignalParams(), **{k: v for k, v in values.items() if k in signal_keys}))
    if "chromosome_lengths" in section:
        # a config's lengths merge key by key with the default config's: 0 drops a default chromosome
        params = replace(params, chromosome_lengths={c: n for c, n in section["chromosome_lengths"].items() if n})
    return params


def _gaps(chrom: str, length: int, p: SimulationParams, longest: str) -> list[tuple[int, int]]:
    gaps = [(0, p.telomere_gap_bp)]
    if chrom == longest:
        mid = length // 2
        gaps.append((mid, mid + p.internal_gap_bp))
    return gaps


def _simulate_chromosome(chrom, length, gaps, motifs, p: SimulationParams, rng, noise_rng, first_gene):
    seq = background(length, rng)
    genes, elements = layout_chromosome(chrom, seq, gaps, motifs, p.layout, rng, first_gene)
    for s, e in gaps:
        seq[s:e] = b"N" * (e - s)
    bl_start = int(rng.integers(p.telomere_gap_bp, length - p.blacklist_bp))
    blacklist = [(bl_start, bl_start + p.blacklist_bp)]
    rates = expected_rates(length, genes, elements, blacklist, p.signal)
    return bytes(seq), genes, elements, blacklist, rates, observe(rates, p.signal, noise_rng)


def _write_fasta_gz(path: Path, seqs: dict[str, bytes]) -> None:
    with atomic_path(path, suffix=".gz") as tmp:
        with gzip.open(tmp, "wb", compresslevel=3) as fh:
            for chrom, seq in seqs.items():
                fh.write(f">{chrom}\n".encode())
                for i in range(0, len(seq), 60):
                    fh.write(seq[i:i + 60] + b"\n")


def _write_tsv(df: pd.DataFrame, path: Path, header: bool = True) -> None:
    with atomic_path(path) as tmp:
        df.to_csv(tmp, sep="\t", index=False, header=header)


def simulate_demo(params: SimulationParams, out_dir: str | os.PathLike) -> dict:
    """Write the demo's source files; returns summary statistics."""
    out = Path(out_dir)
    # two streams: the layout (sequence, elements) and the Poisson noise. Poisson draws consume a rate-dependent
    # amount of randomness, so on one stream a change to the signal model moved every later chromosome's layout
    rng, noise_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(params.seed).spawn(2))
    motifs = load_motifs()
    sizes = params.chromosome_lengths
    longest = max(sizes, key=sizes.get)
    seqs, genes, elements, blacklist, observed, expected = {}, [], [], [], {}, {}
    for chrom, length in sizes.items():
        gaps = _gaps(chrom, length, params, longest)
        first = sum(len(g) for g in genes)
        seqs[chrom], g, e, bl, rates, counts = _simulate_chromosome(chrom, length, gaps, motifs, params, rng, noise_rng,
                                                                          first)
        genes.append(g)
        elements.append(e)
        blacklist += [(chrom, s, t) for s, t in bl]
        expected[chrom], observed[chrom] = rates, counts
    genes_df, elements_df = pd.concat(genes, ignore_index=True), pd.concat(elements, ignore_index=True)
    pairs = enhancer_gene_pairs(genes_df, elements_df, params.signal)

    _write_fasta_gz(out / "genome.fa.gz", seqs)
    for track in TRACKS:
        write_bigwig_runs(out / "tracks" / f"{track}.bw", sizes,
                          ((c, *runs_from_values(observed[c][track])) for c in sizes))
        write_bigwig_runs(out / "expected" / f"{track}.bw", sizes,
                          ((c, *runs_from_values(np.round(expected[c][track], 4))) for c in sizes))
    _write_tsv(pd.DataFrame(blacklist), out / "blacklist.bed", header=False)
    tss = genes_df.assign(end=genes_df["tss"] + 1)[["chrom", "tss", "end", "gene", "basal", "strand"]]
    _write_tsv(tss.round(4), out / "tss.bed", header=False)
    _write_tsv(pairs.round(6), out / "enhancers.tsv")
    _write_tsv(elements_df.round(6), out / "elements.tsv")
    joined = b"".join(seqs.values())
    summary = {"params": asdict(params), "n_genes": len(genes_df), "n_elements": len(elements_df),
               "n_active": int(elements_df["active"].sum()), "n_pairs": len(pairs),
               "n_regulated": int((pairs["Regulated"] == "TRUE").sum()),
               "n_boundaries": int((elements_df["kind"] == "ctcf").sum()),
               "n_housekeeping_promoters": int((genes_df["promoter_class"] == "housekeeping").sum()),
               "regulated_by_stratum": {
                   name: f"{int((part['Regulated'] == 'TRUE').sum())}/{len(part)}" for name, part in (
                       ("crosses_boundary", pairs[pairs["crosses_boundary"]]),
                       ("same_domain", pairs[~pairs["crosses_boundary"]]),
                       ("tata_promoter", pairs[pairs["promoter_class"] == "tata"]),
                       ("housekeeping_promoter", pairs[pairs["promoter_class"] == "housekeeping"]),
                       ("ctcf_element", pairs[pairs["element_class"] == "ctcf"]))},
               "gc_fraction": round(gc_fraction(joined), 4), "cpg_obs_exp": round(cpg_observed_expected(joined), 4),
               "motifs": {m.name: m.matrix_id for m in motifs.values()}}
    with atomic_path(out / "simulation.json") as tmp:
        tmp.write_text(json.dumps(summary, indent=2, default=str))
    return summary
