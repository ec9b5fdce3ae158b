"""Snakemake adapter: predict the requested chromosomes; one bigWig per track."""

from pathlib import Path

from seq2track.data.store import GenomeStore
from seq2track.predict import predict_to_bigwigs
from seq2track.predict.model import load_predictor
from seq2track.runner import run_logged


def main() -> None:
    p, inp, out = snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    model, spec, device = load_predictor(inp.model, snakemake.threads)  # noqa: F821
    predict_to_bigwigs(model, GenomeStore(Path(inp.store).parent), p.chromosomes, spec.window, list(out.tracks),
                       device, batch_size=p.predict["batch_size"], rc_average=p.predict["rc_average"])


run_logged(main, snakemake.log[0])  # noqa: F821
