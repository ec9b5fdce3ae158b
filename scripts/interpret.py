"""Snakemake adapter: TSS attention and gradient x input over test-split genes, scored against pairs."""

import json

import numpy as np

from seq2track.data.dataset import window_targets
from seq2track.data.encoding import encode
from seq2track.interpret.attention import tss_attention, tss_window_start
from seq2track.interpret.contributions import tss_contributions
from seq2track.interpret.enhancers import add_accessibility_baselines, score_pairs, summarise
from seq2track.interpret.tracks import write_profile_bigwig
from seq2track.interpret.plots import plot_attention_vs_distance, plot_gene_locus, plot_pr_curves
from seq2track.io.atomic import atomic_path
from seq2track.io.fasta import Genome, chrom_sizes_from_fai
from seq2track.io.bigwig import BigWigReader
from seq2track.io.tables import read_bed, read_enhancer_pairs, read_track_sheet
from seq2track.model.checkpoint import load_for_inference
from seq2track.predict import predict_windows
from seq2track.runner import run_logged


def main() -> None:
    p, inp, out = snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    cfg = p.interpret
    model, spec, device = load_for_inference(inp.model, snakemake.threads)  # noqa: F821
    pairs = read_enhancer_pairs(inp.enhancers)
    pairs = pairs[pairs["chrTSS"].isin(p.chromosomes)].reset_index(drop=True)
    tss = read_bed(inp.tss, min_columns=4)
    genes = (tss[tss["chrom"].isin(p.chromosomes)].rename(columns={"start": "tss", "name": "gene"})
             [["chrom", "tss", "gene"]].reset_index(drop=True))
    if cfg["max_genes"]:
        genes = genes.iloc[: cfg["max_genes"]]
        pairs = pairs[pairs["measuredGeneSymbol"].isin(genes["gene"])].reset_index(drop=True)
    genome = Genome(inp.fasta)
    attention = tss_attention(model, genome, genes, spec, device, cfg["batch_size"], tuple(cfg["aggregations"]),
                              tss_bins=cfg.get("tss_bins", 1))
    profiles = {f"attention_{a}": (rows, spec.bin_size_bp) for a, rows in attention.items()}
    tracks = json.loads(open(inp.meta).read())["tracks"]
    track = tracks.index(cfg["track"])
    gxi = tss_contributions(model, genome, genes, spec, track, device, cfg["batch_size"], rc_average=True,
                            tss_bins=cfg.get("tss_bins", 1))
    profiles["grad_x_input"] = (abs(gxi), 1)
    scored = score_pairs(pairs, genes, profiles, spec, cfg["aggregate"])
    methods = list(profiles) + ["inverse_distance"]
    if inp.accessibility:
        scored = add_accessibility_baselines(scored, inp.accessibility[0])
        methods += ["accessibility", "abc"]
    summary = summarise(scored, methods, cfg["bootstrap"], p.seed)
    sizes = chrom_sizes_from_fai(inp.fai)
    for agg, path in zip(cfg["aggregations"], out.attention_bw):
        write_profile_bigwig(path, genes, attention[agg], spec.bin_size_bp, spec, sizes)
    write_profile_bigwig(out.contributions_bw, genes, gxi, 1, spec, sizes)
    with atomic_path(out.scores) as tmp:
        scored.to_csv(tmp, sep="\t", index=False)
    with atomic_path(out.summary) as tmp:
        summary.to_csv(tmp, sep="\t", index=False, float_format="%.4f")
    plot_attention_vs_distance(scored, summary, "attention_mean" if "attention_mean" in scored else methods[0],
                               out.plot)
    plot_pr_curves(scored, methods, out.pr_curves)
    _plot_top_gene(model, genome, genes, scored, attention["mean" if "mean" in attention else next(iter(attention))],
                   gxi, spec, device, tracks, inp, out.locus)


def _plot_top_gene(model, genome, genes, scored, attention, gxi, spec, device, tracks, inp, out_png) -> None:
    """The per-locus figure for the gene with the most regulated enhancers in reach."""
    counts = scored[scored["in_reach"] & scored["Regulated"]].groupby("measuredGeneSymbol").size()
    gene = counts.idxmax() if len(counts) else genes["gene"].iloc[0]
    row = int(np.flatnonzero(genes["gene"].to_numpy() == gene)[0])
    chrom, tss = genes["chrom"].iloc[row], int(genes["tss"].iloc[row])
    start = tss_window_start(tss, spec)
    readers = [BigWigReader(p) for p in inp.observed]
    try:
        observed = window_targets(readers, read_track_sheet(inp.sheet), chrom, start, start + spec.length_bp, spec)
    finally:
        for reader in readers:
            reader.close()
    predicted = predict_windows(model, encode(genome.fetch(chrom, start, start + spec.length_bp))[None], device)[0]
    pairs = scored[(scored["measuredGeneSymbol"] == gene) & scored["in_reach"]]
    plot_gene_locus(gene, start, spec, tracks, observed, predicted, attention[row], gxi[row], pairs, tss,
                    out_png)


run_logged(main, snakemake.log[0])  # noqa: F821
