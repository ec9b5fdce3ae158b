"""Snakemake adapter: binned targets and sequences per split."""

from pathlib import Path

import pandas as pd

from seq2track.data.dataset import build_dataset
from seq2track.data.windows import WindowSpec
from seq2track.io.tables import read_track_sheet
from seq2track.runner import run_logged


def main() -> None:
    w, inp = snakemake.params.windows, snakemake.input  # noqa: F821
    spec = WindowSpec(w["length_bp"], w["stride_bp"], w["bin_size_bp"], w["crop_bins"])
    windows = pd.read_csv(inp.windows, sep="\t", header=None, names=["chrom", "start", "end", "split"],
                          dtype={"chrom": str})
    out_dir = Path(snakemake.output.meta).parent  # noqa: F821
    build_dataset(inp.fasta, list(inp.tracks), read_track_sheet(inp.sheet), windows, spec, out_dir)


run_logged(main, snakemake.log[0])  # noqa: F821
