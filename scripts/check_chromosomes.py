"""Snakemake adapter: predict.chromosomes against chrom.sizes (one-line error naming the key), written out."""

from seq2track.io.atomic import write_text_atomic
from seq2track.io.fasta import read_chrom_sizes
from seq2track.predict.model import resolve_chromosomes
from seq2track.runner import run_logged


def main() -> None:
    chroms = resolve_chromosomes(snakemake.params.predict, read_chrom_sizes(snakemake.input.sizes))  # noqa: F821
    write_text_atomic(snakemake.output[0], "".join(f"{c}\n" for c in chroms))  # noqa: F821


run_logged(main, snakemake.log[0])  # noqa: F821
