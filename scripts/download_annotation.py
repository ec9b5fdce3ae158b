"""Snakemake adapter: fetch an annotation table (BED or TSV, optionally gzipped) and decompress it."""

from seq2track.io.download import fetch
from seq2track.runner import run_logged


def main() -> None:
    p = snakemake.params  # noqa: F821
    fetch(p.url or snakemake.input[0], snakemake.output[0], sha256=p.sha256, decompress_gzip=True)  # noqa: F821


run_logged(main, snakemake.log[0])  # noqa: F821
