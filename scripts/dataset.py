"""Snakemake adapter: the run's dataset: window rows per split over the genome store, and meta.json."""

from pathlib import Path

import pandas as pd

from seq2track.data.dataset import write_dataset
from seq2track.data.spec import DataSpec, tracks_from_sheet, window_from_dict
from seq2track.io.tables import read_track_sheet
from seq2track.runner import run_logged


def main() -> None:
    inp = snakemake.input  # noqa: F821
    spec = DataSpec(window_from_dict(snakemake.params.windows), tracks_from_sheet(read_track_sheet(inp.sheet)))  # noqa: F821
    windows = pd.read_csv(inp.windows, sep="\t", header=None, names=["chrom", "start", "end", "split"],
                          dtype={"chrom": str})
    write_dataset(Path(inp.store).parent, windows, spec, Path(snakemake.output.meta).parent)  # noqa: F821


run_logged(main, snakemake.log[0])  # noqa: F821
