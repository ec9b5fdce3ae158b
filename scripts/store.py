"""Snakemake adapter: gather the store's groups into store.json (sizes, groups, tracks, checksums)."""

from pathlib import Path

from seq2track.data.spec import tracks_from_sheet
from seq2track.data.store import write_store_index
from seq2track.io.fasta import read_chrom_sizes
from seq2track.io.tables import read_track_sheet
from seq2track.runner import run_logged


def main() -> None:
    p, inp = snakemake.params, snakemake.input  # noqa: F821
    write_store_index(Path(snakemake.output[0]).parent, list(inp.groups), read_chrom_sizes(inp.fai),  # noqa: F821
                      [inp.fai, *inp.tracks], tracks_from_sheet(read_track_sheet(inp.sheet)), p.bin_size_bp,
                      p.target_dtype)


run_logged(main, snakemake.log[0])  # noqa: F821
