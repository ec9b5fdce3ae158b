"""Snakemake adapter: fetch an annotation (blacklist BED, TSS BED/GTF, enhancer TSV; gz ok) and check it."""

from pathlib import Path

from seq2track.io.annotations import prepare_bed, prepare_enhancers, prepare_tss
from seq2track.io.checksums import resolve_checksums
from seq2track.io.chroms import ChromNames
from seq2track.io.download import RetryPolicy, fetch, named_as_source
from seq2track.io.fasta import read_chrom_sizes
from seq2track.runner import run_logged


def main() -> None:
    p, inp, out = snakemake.params, snakemake.input, Path(snakemake.output[0])  # noqa: F821
    names, sizes = ChromNames.from_config(**p.names), read_chrom_sizes(inp.source_sizes)
    raw = out.with_name(f".{out.name}.download{''.join(Path(p.source).suffixes[-2:])}")
    try:
        source = p.url or inp.source[0]
        policy = RetryPolicy(**p.download)
        fetch(source, raw, **resolve_checksums(source, p.sha256, p.md5, p.checksums_from, policy), policy=policy)
        with named_as_source(raw, source, p.kind):
            if p.kind == "tss":
                prepare_tss(raw, out, sizes, names, p.tss_format, p.gene_types)
            elif p.kind == "enhancers":
                prepare_enhancers(raw, out, sizes, names)
            else:
                prepare_bed(raw, out, sizes, names)
    finally:
        raw.unlink(missing_ok=True)


run_logged(main, snakemake.log[0])  # noqa: F821
