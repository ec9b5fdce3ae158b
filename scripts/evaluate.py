"""Snakemake adapter: Pearson r per track and split (and the noise ceiling when expected tracks exist)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd

from seq2track.data.windows import WindowSpec
from seq2track.device import resolve_device
from seq2track.evaluate import metrics_table, noise_ceiling, plot_locus, split_predictions
from seq2track.io.atomic import atomic_path
from seq2track.io.tables import read_track_sheet
from seq2track.model.checkpoint import load_checkpoint
from seq2track.runner import run_logged


def main() -> None:
    p, inp, out = snakemake.params, snakemake.input, snakemake.output  # noqa: F821
    device = resolve_device("auto", snakemake.threads)  # noqa: F821
    model, _ = load_checkpoint(inp.model, device)
    data_dir = Path(inp.meta).parent
    meta = json.loads(Path(inp.meta).read_text())
    spec = WindowSpec(meta["length_bp"], meta["length_bp"], meta["bin_size_bp"], meta["crop_bins"])
    sheet = read_track_sheet(inp.sheet)
    tables, test = [], None
    for split in ("train", "valid", "test"):
        windows = pd.read_csv(data_dir / f"{split}.windows.bed", sep="\t", header=None,
                              names=["chrom", "start", "end"], dtype={"chrom": str})
        pred, obs = split_predictions(model, data_dir, split, device, p.predict["batch_size"],
                                      p.predict["rc_average"])
        table = metrics_table(pred, obs, meta["tracks"], split)
        if inp.expected:
            table["noise_ceiling_r"] = noise_ceiling(list(inp.expected), sheet, windows, spec, obs)
        tables.append(table)
        if split == "test":
            test = pred, obs, windows
    with atomic_path(out.metrics) as tmp:
        pd.concat(tables).to_csv(tmp, sep="\t", index=False, float_format="%.4f")
    pred, obs, windows = test
    i = int(np.argmax(obs.sum(axis=(1, 2))))  # the most active test window
    start = int(windows.start[i]) + spec.crop_bp
    plot_locus(pred[i], obs[i], meta["tracks"], f"test window {windows.chrom[i]}:{start + 1:,}", out.locus, start,
               meta["bin_size_bp"])


run_logged(main, snakemake.log[0])  # noqa: F821
