"""Benchmark: training samples/s at 1 and 2 CPU ranks (scaling efficiency), and single-GPU fp32/bf16. JSON.

    python bench/train_scaling.py [--preset demo] [--steps 12] [--batch 4] [--length-bp 98304] [--only cpu|gpu]

Each configuration runs the real training loop (``seq2track.train``) on a synthetic on-disk dataset of
random sequence and Poisson targets, for one epoch of ``--steps`` global batches, in its own process
group: 1 rank in-process, 2 ranks through ``torch.distributed.run`` (gloo, one thread each, so the two
ranks use the two cores that the single rank uses with two threads). Samples/s is read from the
epoch's wall time in history.tsv (validation excluded: one small validation window). Scaling efficiency
= samples/s(2 ranks) / (2 x samples/s(1 rank with 1 thread)). On a CUDA machine it also times one GPU
at the demo and small presets in fp32 and bf16.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from seq2track.data.dataset import WindowDataset, write_dataset
from seq2track.data.spec import DataSpec, TrackSpec
from seq2track.data.store import write_store_from_arrays
from seq2track.data.windows import WindowSpec
from seq2track.model import model_config_from
from seq2track.train import TrainConfig
from seq2track.train.launch import launch


def make_dataset(root: Path, n_train: int, length_bp: int, crop_bins: int, tracks: int = 3, seed: int = 0) -> Path:
    """Random sequence codes and Poisson targets in a genome store, with ``n_train`` train windows and one
    valid and one test window (non-overlapping) as the run's dataset."""
    rng = np.random.default_rng(seed)
    size = (n_train + 2) * length_bp
    spec = DataSpec(WindowSpec(length_bp, length_bp, 128, crop_bins), tuple(TrackSpec(f"t{i}") for i in range(tracks)))
    codes = {"chrS": rng.integers(0, 4, size, dtype=np.uint8)}
    targets = {"chrS": rng.poisson(2.0, (size // 128, tracks)).astype(np.float32)}
    store = write_store_from_arrays(root.parent / f"{root.name}-store", codes, targets, spec.tracks)
    starts = np.arange(n_train + 2) * length_bp
    windows = pd.DataFrame({"chrom": "chrS", "start": starts, "end": starts + length_bp,
                            "split": ["train"] * n_train + ["valid", "test"]})
    write_dataset(store, windows, spec, root)
    return root


def run(data: Path, out: Path, preset: str, cfg: TrainConfig, tasks: int) -> float:
    """Training samples/s of one epoch."""
    mc = model_config_from(preset, num_tracks=3, crop_bins=DataSpec.read(data / "meta.json").window.crop_bins)
    launch(data, mc, cfg, out, run_config={}, tasks=tasks)
    hist = pd.read_csv(out / "history.tsv", sep="\t")
    n = len(WindowDataset(data, "train"))
    return n / float(hist["seconds"].iloc[0])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="demo")
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--length-bp", type=int, default=98_304)
    ap.add_argument("--only", choices=("cpu", "gpu"), default=None, help="time only the CPU ranks or only the GPU")
    args = ap.parse_args()
    base = TrainConfig(epochs=1, batch_size=args.batch, warmup_steps=2, device="cpu", augment=True,
                       checkpoint_every_steps=0, log_every_steps=0, requeue=False)
    result = {"benchmark": "train_scaling", "preset": args.preset, "batch": args.batch, "length_bp": args.length_bp,
              "steps": args.steps, "cpus": os.cpu_count(), "torch": torch.__version__}
    with tempfile.TemporaryDirectory(prefix="seq2track-scaling-") as tmp:
        tmp = Path(tmp)
        if args.only != "gpu":
            crop = model_config_from(args.preset).crop_bins
            data = make_dataset(tmp / "data", args.steps * args.batch, args.length_bp, crop)
            result.update(cpu_figures(data, tmp, args.preset, base))
        if torch.cuda.is_available() and args.only != "cpu":
            result.update(gpu_figures(tmp, args.length_bp, base))
        elif args.only != "cpu":
            result["gpu_samples_per_s"] = "not measured (no CUDA device)"
    print(json.dumps(result, indent=2))


def cpu_figures(data: Path, tmp: Path, preset: str, base: TrainConfig) -> dict:
    cpu = {"1_rank_2_threads": run(data, tmp / "a", preset, replace(base, num_threads=2), 1),
           "1_rank_1_thread": run(data, tmp / "b", preset, replace(base, num_threads=1), 1),
           "2_ranks_1_thread": run(data, tmp / "c", preset, replace(base, num_threads=1), 2)}
    return {"cpu_samples_per_s": {k: round(v, 3) for k, v in cpu.items()},
            "cpu_scaling_efficiency_2_ranks": round(cpu["2_ranks_1_thread"] / (2 * cpu["1_rank_1_thread"]), 3),
            "cpu_speedup_2_ranks_vs_1_rank_2_threads": round(cpu["2_ranks_1_thread"] / cpu["1_rank_2_threads"], 3)}


def gpu_figures(tmp: Path, length_bp: int, base: TrainConfig) -> dict:
    """Samples/s of one GPU at the demo (batch 8) and small (batch 4) presets, fp32 and bf16 autocast;
    each timed epoch follows an untimed one (kernel selection, allocator)."""
    gpu = {}
    for preset, batch in (("demo", 8), ("small", 4)):
        gdata = make_dataset(tmp / f"g_{preset}", 16 * batch, length_bp, model_config_from(preset).crop_bins)
        for precision in ("fp32", "bf16"):
            cfg = replace(base, device="cuda", batch_size=batch, precision=precision)
            run(gdata, tmp / f"warm_{preset}_{precision}", preset, cfg, 1)
            gpu[f"{preset}_{precision}"] = round(run(gdata, tmp / f"g_{preset}_{precision}", preset, cfg, 1), 3)
    return {"gpu": torch.cuda.get_device_name(), "gpu_samples_per_s": gpu}


if __name__ == "__main__":
    main()
