"""Snakemake adapter: gather the predicted chunks into one bigWig per track (streamed)."""

from pathlib import Path

from seq2track.data.store import GenomeStore
from seq2track.predict.genome import gather_bigwigs
from seq2track.runner import run_logged


def main() -> None:
    inp, out = snakemake.input, snakemake.output  # noqa: F821
    store = GenomeStore(Path(inp.store).parent)
    gather_bigwigs(list(zip(inp.npy, inp.blocks)), store.sizes, list(out.tracks), store.bin_size_bp)


run_logged(main, snakemake.log[0])  # noqa: F821
