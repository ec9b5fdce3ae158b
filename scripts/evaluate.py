"""Snakemake adapter: Pearson r per track and split; a locus plot from the test split."""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from seq2track.device import resolve_device
from seq2track.evaluate import metrics_table, plot_locus, split_predictions
from seq2track.io.atomic import atomic_path
from seq2track.model.checkpoint import load_checkpoint
from seq2track.runner import run_logged


def main() -> None:
    p, inp, out = snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    device = resolve_device("auto", snakemake.threads)  # noqa: F821
    model, _ = load_checkpoint(inp.model, device)
    data_dir = Path(inp.meta).parent
    meta = json.loads(Path(inp.meta).read_text())
    tables, test = [], None
    for split in ("train", "valid", "test"):
        pred, obs = split_predictions(model, data_dir, split, device, p.predict["batch_size"],
                                      p.predict["rc_average"])
        tables.append(metrics_table(pred, obs, meta["tracks"], split))
        if split == "test":
            test = pred, obs
    with atomic_path(out.metrics) as tmp:
        pd.concat(tables).to_csv(tmp, sep="\t", index=False, float_format="%.4f")
    windows = pd.read_csv(Path(data_dir) / "test.windows.bed", sep="\t", header=None)
    pred, obs = test
    i = int(np.argmax(obs.sum(axis=(1, 2))))  # the most active test window
    chrom, start = windows.iloc[i, 0], int(windows.iloc[i, 1]) + meta["crop_bins"] * meta["bin_size_bp"]
    plot_locus(pred[i], obs[i], meta["tracks"], f"test window {chrom}:{start + 1:,}", out.locus, start,
               meta["bin_size_bp"])


run_logged(main, snakemake.log[0])  # noqa: F821
