"""Snakemake adapter: one IGV session with predicted, observed and interpretation tracks and the TSSs."""

from pathlib import Path

from seq2track.io.fasta import read_chrom_sizes
from seq2track.predict.browser import write_igv_session
from seq2track.runner import run_logged

INTERPRET_COLOR = "90,90,90"


def main() -> None:
    p, inp, out = snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    tracks = [(f"{t} predicted", path, c) for t, path, c in zip(p.tracks, inp.predicted, p.colors)]
    tracks += [(f"{t} observed", path, c) for t, path, c in zip(p.tracks, inp.observed, p.colors)]
    tracks += [(f"{Path(path).stem.replace('_', ' ')} (nearest TSS)", path, INTERPRET_COLOR)
               for path in inp.interpret]
    tracks.append(("TSS", inp.tss, "0,0,0"))
    sizes = read_chrom_sizes(inp.fai)
    chrom = next(iter(sizes)) if p.chromosomes == "all" else p.chromosomes[0]
    size = sizes[chrom]
    write_igv_session(out.igv, inp.fasta, tracks, f"{chrom}:1-{min(size, 200_000)}")


run_logged(main, snakemake.log[0])  # noqa: F821
