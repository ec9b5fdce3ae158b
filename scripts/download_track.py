"""Snakemake adapter: fetch one track (bigWig, bedGraph or CTSS BED), check it against the genome, write a bigWig."""

from pathlib import Path

from seq2track.io.chroms import ChromNames
from seq2track.io.download import RetryPolicy, fetch, named_as_source
from seq2track.io.fasta import read_chrom_sizes
from seq2track.io.tracks import detect_format, prepare_track
from seq2track.runner import run_logged


def main() -> None:
    p, inp, out = snakemake.params, snakemake.input, Path(snakemake.output[0])  # noqa: F821
    fmt = detect_format(p.source, p.format)
    raw = out.with_name(f".{out.name}.download")
    try:
        source = p.url or inp.source[0]
        fetch(source, raw, sha256=p.sha256, md5=p.md5, policy=RetryPolicy(**p.download))
        with named_as_source(raw, source, fmt):
            prepare_track(raw, out, fmt, read_chrom_sizes(inp.source_sizes), read_chrom_sizes(inp.sizes),
                          ChromNames.from_config(**p.names), label=source)
    finally:
        raw.unlink(missing_ok=True)


run_logged(main, snakemake.log[0])  # noqa: F821
