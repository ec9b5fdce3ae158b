"""Snakemake adapter: fetch one bigWig track and check it against the genome's chromosomes."""

from pathlib import Path

from seq2track.io.bigwig import check_bigwig_chroms
from seq2track.io.download import fetch
from seq2track.io.fasta import read_chrom_sizes
from seq2track.runner import run_logged


def main() -> None:
    p, out = snakemake.params, Path(snakemake.output[0])  # noqa: F821
    tmp = out.with_name(f".{out.name}.checking")
    try:
        fetch(p.url or snakemake.input.source[0], tmp, sha256=p.sha256)  # noqa: F821
        check_bigwig_chroms(tmp, read_chrom_sizes(snakemake.input.sizes))  # noqa: F821
        tmp.rename(out)
    finally:
        tmp.unlink(missing_ok=True)


run_logged(main, snakemake.log[0])  # noqa: F821
