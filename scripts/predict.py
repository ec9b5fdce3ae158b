"""Snakemake adapter: predict the requested chromosomes; one bigWig per track and an IGV session."""

from seq2track.io.fasta import Genome
from seq2track.model.checkpoint import load_for_inference
from seq2track.predict import predict_to_bigwigs
from seq2track.predict.browser import write_igv_session
from seq2track.runner import run_logged


def main() -> None:
    p, inp, out = snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    model, spec, device = load_for_inference(inp.model, snakemake.threads)  # noqa: F821
    genome = Genome(inp.fasta)
    predict_to_bigwigs(model, genome, p.chromosomes, spec, list(out.tracks), device,
                       batch_size=p.predict["batch_size"], rc_average=p.predict["rc_average"])
    chrom = p.chromosomes[0]
    tracks = [(f"{t} predicted", path, c) for t, path, c in zip(p.tracks, out.tracks, p.colors)]
    tracks += [(f"{t} observed", path, c) for t, path, c in zip(p.tracks, p.observed, p.colors)]
    write_igv_session(out.igv, inp.fasta, tracks, f"{chrom}:1-{min(genome.sizes[chrom], 200_000)}")


run_logged(main, snakemake.log[0])  # noqa: F821
