"""Snakemake adapter: TSS attention over test-split genes, scored against enhancer-gene pairs."""

from seq2track.interpret.attention import tss_attention
from seq2track.interpret.enhancers import score_pairs, summarise
from seq2track.interpret.plots import plot_attention_vs_distance
from seq2track.io.atomic import atomic_path
from seq2track.io.fasta import Genome
from seq2track.io.tables import read_bed, read_enhancer_pairs
from seq2track.model.checkpoint import load_for_inference
from seq2track.runner import run_logged


def main() -> None:
    p, inp, out = snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    model, spec, device = load_for_inference(inp.model, snakemake.threads)  # noqa: F821
    pairs = read_enhancer_pairs(inp.enhancers)
    pairs = pairs[pairs["chrTSS"].isin(p.chromosomes)].reset_index(drop=True)
    tss = read_bed(inp.tss, min_columns=4)
    genes = (tss[tss["chrom"].isin(p.chromosomes)].rename(columns={"start": "tss", "name": "gene"})
             [["chrom", "tss", "gene"]].reset_index(drop=True))
    if p.interpret["max_genes"]:
        genes = genes.iloc[: p.interpret["max_genes"]]
        pairs = pairs[pairs["measuredGeneSymbol"].isin(genes["gene"])].reset_index(drop=True)
    profiles = tss_attention(model, Genome(inp.fasta), genes, spec, device, p.interpret["batch_size"])
    scored = score_pairs(pairs, genes, profiles, spec)
    summary = summarise(scored)
    with atomic_path(out.scores) as tmp:
        scored.to_csv(tmp, sep="\t", index=False)
    with atomic_path(out.summary) as tmp:
        summary.to_csv(tmp, sep="\t", index=False, float_format="%.4f")
    plot_attention_vs_distance(scored, summary, out.plot)


run_logged(main, snakemake.log[0])  # noqa: F821
