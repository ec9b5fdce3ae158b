"""Snakemake adapter: fetch the genome FASTA, rename/keep the configured chromosomes, bgzip + faidx."""

from pathlib import Path

from seq2track.io.checksums import resolve_checksums
from seq2track.io.chroms import ChromNames
from seq2track.io.download import RetryPolicy, fetch, named_as_source
from seq2track.io.fasta import prepare_genome, write_chrom_sizes
from seq2track.runner import run_logged


def main() -> None:
    p, out = snakemake.params, snakemake.output  # noqa: F821
    names = ChromNames.from_config(**p.names)
    raw = Path(out.fasta).with_name(".source.fa.download")
    all_sizes: dict[str, int] = {}
    try:
        source = p.url or snakemake.input[0]  # noqa: F821
        policy = RetryPolicy(**p.download)
        fetch(source, raw, **resolve_checksums(source, p.sha256, p.md5, p.checksums_from, policy), policy=policy)
        with named_as_source(raw, source, "FASTA"):
            sizes = prepare_genome(raw, out.fasta, p.chromosomes, rename=names, all_sizes=all_sizes)
    finally:
        raw.unlink(missing_ok=True)
    write_chrom_sizes(all_sizes, out.source_sizes)
    write_chrom_sizes(sizes, out.sizes)


run_logged(main, snakemake.log[0])  # noqa: F821
