"""Snakemake adapter: one group of the genome store (sequence codes and binned targets per chromosome)."""

from seq2track.data.spec import tracks_from_sheet
from seq2track.data.store import assign_groups, build_store_group
from seq2track.io.fasta import read_chrom_sizes
from seq2track.io.tables import read_track_sheet
from seq2track.runner import run_logged


def main() -> None:
    p, inp = snakemake.params, snakemake.input  # noqa: F821
    chroms = assign_groups(read_chrom_sizes(inp.fai), p.n_groups)[int(snakemake.wildcards.group)]  # noqa: F821
    build_store_group(inp.fasta, list(inp.tracks), tracks_from_sheet(read_track_sheet(inp.sheet)), p.bin_size_bp,
                      chroms, snakemake.output[0], p.target_dtype)  # noqa: F821


run_logged(main, snakemake.log[0])  # noqa: F821
