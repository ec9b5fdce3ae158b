"""The interpret rule's work: TSS attention and gradient x input over test-split genes, scored against
enhancer–gene pairs, written as tables, figures and browser tracks (scripts/interpret.py adapts Snakemake)."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from seq2track.data.dataset import window_targets
from seq2track.data.store import GenomeStore, SequenceSource
from seq2track.data.spec import DataSpec
from seq2track.interpret.attention import tss_attention, tss_window_start
from seq2track.interpret.bigwig import write_profile_bigwig
from seq2track.interpret.contributions import tss_contributions
from seq2track.interpret.crispr_benchmark import cell_type_of, write_comparison_inputs
from seq2track.interpret.enhancers import (MIN_SCREEN_LOSS, add_accessibility_baselines, effect_by_distance_table,
                                           match_genes, overall_row, score_pairs, summarise)
from seq2track.interpret.perturbation import perturbation_scores
from seq2track.interpret.reach import gene_views, pair_shifts, pair_tss
from seq2track.interpret.plots import plot_attention_vs_distance, plot_gene_locus, plot_pr_curves
from seq2track.io.atomic import atomic_path
from seq2track.io.bigwig import BigWigReader
from seq2track.io.fasta import read_chrom_sizes
from seq2track.io.tables import read_enhancer_pairs, read_tss
from seq2track.predict.model import load_predictor
from seq2track.model.inference import predict_windows

log = logging.getLogger(__name__)


def genes_and_pairs(tss_bed: str, enhancers_tsv: str, chromosomes: list[str], max_genes: int | None
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Genes (chrom, tss, gene) on ``chromosomes`` (the first ``max_genes``) and the pairs of those genes,
    matched to the TSS file by Ensembl id or symbol (``match_genes``); how many matched each way is logged."""
    pairs = read_enhancer_pairs(enhancers_tsv)
    tss = read_tss(tss_bed)
    pairs = match_genes(pairs[pairs["chrTSS"].isin(chromosomes)].reset_index(drop=True), tss)
    genes = (tss[tss["chrom"].isin(chromosomes)].rename(columns={"start": "tss", "name": "gene"})
             [["chrom", "tss", "gene"]].reset_index(drop=True))
    if max_genes:
        genes = genes.iloc[:max_genes]
        pairs = pairs[pairs["gene"].isin(genes["gene"])].reset_index(drop=True)
    counts = pairs["gene_match"].value_counts()
    log.info("%d pairs on %s, matched to genes: %s", len(pairs), chromosomes,
             ", ".join(f"{n} by {how}" for how, n in counts.items()) or "none")
    unmatched = int(pairs["gene_match"].str.startswith("unmatched").sum())
    if unmatched:
        log.warning("%d of %d enhancer-gene pairs name a gene the TSS file lacks (column gene_match of "
                    "enhancer_scores.tsv says why); they are out of reach", unmatched, len(pairs))
    return genes, pairs


def warn_on_inverted_effects(summary: pd.DataFrame, min_regulated: int = 10) -> None:
    """Log a warning when in-silico perturbation moves most Regulated pairs' genes the wrong way (``right_sign``
    < 0.5 over all pairs in reach, with at least ``min_regulated`` of them): a model that has not learned how
    enhancers act on genes, whose ranking by magnitude (auPRC) may still look like something."""
    row = overall_row(summary, "ism_shuffle")
    if len(row) and row["n_positive"].iloc[0] >= min_regulated and row["right_sign"].iloc[0] < 0.5:
        log.warning("in-silico perturbation has the wrong sign for %.0f%% of the %d Regulated pairs (median effect "
                    "%.3f x the measured one): the model has not learned how these enhancers act on their genes; "
                    "do not read its enhancer scores as regulation (summary.tsv: right_sign, effect_ratio)",
                    100 * (1 - row["right_sign"].iloc[0]), row["n_positive"].iloc[0], row["effect_ratio"].iloc[0])


def run_interpret_rule(inp, cfg: dict, chromosomes: list[str], seed: int, threads: int, out) -> None:
    """Everything the rule writes; ``inp``/``out`` are its named inputs and outputs, ``cfg`` the interpret section."""
    model, spec, device = load_predictor(inp.model, threads)
    genes, pairs = genes_and_pairs(inp.tss, inp.enhancers, chromosomes, cfg["max_genes"])
    genome, window, tss_bins = GenomeStore(Path(inp.store).parent), spec.window, cfg.get("tss_bins", 1)
    aggregations = tuple(cfg["aggregations"]) if model.cfg.num_transformer_layers else ()
    if not aggregations:
        log.warning("the model has no transformer layers: attention methods skipped (their bigWigs are empty)")
    # one view per window a gene's pairs need: TSS-centred, or moved towards elements beyond it (reach.py)
    views = gene_views(genes, pairs, pair_shifts(pairs["chromStart"].to_numpy(), pairs["chromEnd"].to_numpy(),
                                                 pair_tss(pairs, genes), window))
    attention = tss_attention(model, genome, views, window, device, cfg["batch_size"], aggregations,
                              tss_bins=tss_bins)
    profiles = {f"attention_{a}": (rows, window.bin_size_bp) for a, rows in attention.items()}
    gxi = tss_contributions(model, genome, views, window, spec.track_ids.index(cfg["track"]), device,
                            cfg["batch_size"], rc_average=True, tss_bins=tss_bins)
    profiles["grad_x_input"] = (abs(gxi), 1)
    scored = score_pairs(pairs, views, profiles, window, cfg["aggregate"])
    centred = slice(0, len(genes))  # gene_views puts each gene's centred view first, in the order of genes
    attention, gxi = {a: rows[centred] for a, rows in attention.items()}, gxi[centred]
    methods = list(profiles) + ["inverse_distance"]
    if cfg.get("perturbation", True):  # the in-silico CRISPRi: shuffle the element, predicted TSS change
        track = spec.track_ids.index(cfg["track"])
        replacements = ["shuffle"] + (["background"] if cfg.get("perturbation_background", False) else [])
        for replacement in replacements:
            scored[f"ism_{replacement}"] = perturbation_scores(
                model, genome, genes, pairs, window, track, device, cfg["batch_size"], seed, tss_bins,
                spec.tracks[track], cfg.get("perturbation_shuffles", 1), replacement)
            methods.append(f"ism_{replacement}")
    if inp.accessibility:
        scored = add_accessibility_baselines(scored, inp.accessibility[0])
        methods += ["accessibility", "abc"]
    if not scored["in_reach"].any():
        log.warning("no enhancer-gene pair within reach of a test-split TSS (%d pairs, %d genes): the summary "
                    "holds NaN and the plots say so", len(scored), len(genes))
    summary = summarise(scored, methods, cfg["bootstrap"], seed)
    warn_on_inverted_effects(summary)
    sizes = read_chrom_sizes(inp.fai)
    for agg, path in zip(cfg["aggregations"], out.attention_bw):
        rows = attention.get(agg, np.zeros((0, window.n_bins)))
        write_profile_bigwig(path, genes if agg in attention else genes.iloc[:0], rows, window.bin_size_bp, window,
                             sizes)
    write_profile_bigwig(out.contributions_bw, genes, gxi, 1, window, sizes)
    with atomic_path(out.scores) as tmp:
        scored.to_csv(tmp, sep="\t", index=False)
    with atomic_path(out.summary) as tmp:
        summary.to_csv(tmp, sep="\t", index=False, float_format="%.4f")
    with atomic_path(out.effect_by_distance) as tmp:
        table = effect_by_distance_table(scored, methods, cfg.get("effect_min_loss", MIN_SCREEN_LOSS))
        table.to_csv(tmp, sep="\t", index=False, float_format="%.4f")
    write_comparison_inputs(scored, methods, cell_type_of(pairs), out.crispr_predictions, out.crispr_config)
    plot_attention_vs_distance(scored, summary, "attention_mean" if "attention_mean" in scored else methods[0],
                               out.plot)
    plot_pr_curves(scored, methods, out.pr_curves)
    shown = attention["mean"] if "mean" in attention else next(iter(attention.values()), None)
    if shown is None:  # no attention: a flat line in the locus figure
        shown = np.zeros((len(genes), window.n_bins))
    plot_top_gene(model, genome, genes, scored, shown, gxi, spec, device, list(inp.observed), out.locus)


def plot_top_gene(model, genome: SequenceSource, genes: pd.DataFrame, scored: pd.DataFrame, attention: np.ndarray,
                  gxi: np.ndarray, spec: DataSpec, device, observed_bigwigs: list[str], out_png) -> None:
    """The per-locus figure for the gene with the most regulated enhancers in reach."""
    counts = scored[scored["in_reach"] & scored["Regulated"]].groupby("gene").size()
    gene = counts.idxmax() if len(counts) else genes["gene"].iloc[0]
    row = int(np.flatnonzero(genes["gene"].to_numpy() == gene)[0])
    chrom, tss = genes["chrom"].iloc[row], int(genes["tss"].iloc[row])
    window = spec.window
    start = tss_window_start(tss, window)
    with contextlib.ExitStack() as stack:
        readers = [stack.enter_context(BigWigReader(p)) for p in observed_bigwigs]
        observed = window_targets(readers, spec.tracks, chrom, start, start + window.length_bp, window)
    predicted = predict_windows(model, genome.codes(chrom, start, start + window.length_bp)[None], device)[0]
    pairs = scored[(scored["gene"] == gene) & scored["in_reach"] & (scored["window_shift_bp"] == 0)]  # in this window
    plot_gene_locus(gene, start, window, spec.track_ids, observed, predicted, attention[row], gxi[row], pairs, tss,
                    out_png)
