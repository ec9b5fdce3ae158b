"""Snakemake adapter: predict one chunk of the genome's output blocks into an .npy (gathered by predict)."""

from pathlib import Path

from seq2track.data.store import GenomeStore
from seq2track.predict.genome import chunk_of, output_blocks, write_chunk
from seq2track.predict.model import load_predictor, resolve_chromosomes
from seq2track.runner import run_logged


def main() -> None:
    p, inp, out = snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    model, spec, device = load_predictor(inp.model, snakemake.threads)  # noqa: F821
    store = GenomeStore(Path(inp.store).parent)
    blocks = output_blocks(store.sizes, resolve_chromosomes(p.chromosomes, store.sizes), spec.window)
    mine = chunk_of(blocks, p.predict["chunks"], int(snakemake.wildcards.chunk))  # noqa: F821
    write_chunk(out.npy, out.blocks, model, store, mine, spec.window, device, p.predict["batch_size"],
                p.predict["rc_average"], p.predict["precision"])


run_logged(main, snakemake.log[0])  # noqa: F821
