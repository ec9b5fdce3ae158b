"""Snakemake adapter: fetch the genome FASTA, keep the configured chromosomes, bgzip + faidx."""

from pathlib import Path

from seq2track.io.download import fetch
from seq2track.io.fasta import prepare_genome, write_chrom_sizes
from seq2track.runner import run_logged


def main() -> None:
    p, out = snakemake.params, snakemake.output  # noqa: F821
    raw = Path(out.fasta).with_name("source.fa.download")
    try:
        fetch(p.url or snakemake.input[0], raw, sha256=p.sha256)  # noqa: F821
        sizes = prepare_genome(raw, out.fasta, p.chromosomes)
    finally:
        raw.unlink(missing_ok=True)
    write_chrom_sizes(sizes, out.sizes)


run_logged(main, snakemake.log[0])  # noqa: F821
