"""Snakemake adapter: Pearson r per track and split (and the noise ceiling when expected tracks exist), and
the same across TSSs."""

from pathlib import Path

from seq2track.data.spec import DataSpec
from seq2track.evaluate import evaluate_splits, plot_most_active_window
from seq2track.io.atomic import atomic_path
from seq2track.io.tables import read_tss
from seq2track.predict.model import load_predictor
from seq2track.runner import run_logged


def main() -> None:
    p, inp, out = snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    model, _, device = load_predictor(inp.model, snakemake.threads)  # noqa: F821
    table, tss_table, (pred, obs, windows) = evaluate_splits(
        model, Path(inp.meta).parent, device, p.predict["batch_size"], p.predict["rc_average"], list(inp.expected),
        read_tss(inp.tss), p.evaluate["train_windows"])
    for frame, path in ((table, out.metrics), (tss_table, out.tss_metrics)):
        with atomic_path(path) as tmp:
            frame.to_csv(tmp, sep="\t", index=False, float_format="%.4f")
    plot_most_active_window(pred, obs, windows, DataSpec.read(inp.meta), out.locus)


run_logged(main, snakemake.log[0])  # noqa: F821
