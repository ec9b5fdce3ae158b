"""Genome-wide prediction speed and memory: end to end against the model's own forward throughput.

    python bench/predict_speed.py            # random genomes of 2 Mb and 20 Mb, demo preset
    python bench/predict_speed.py --quick    # 0.5 Mb and 5 Mb (under ~2 minutes on 2 cores)

Each genome size runs in its own process (so its peak RSS, VmHWM, is its own): a random genome store,
then ``write_chunk`` + ``gather_bigwigs`` over every chromosome (reading the store, both strands in one
batched pass, writing one bigWig per track) timed end to end, then the pure model forward (both strands)
on the same batches already in memory, in the same process. ``predict_vs_forward`` = end-to-end bp/s /
forward bp/s. ``chunked_equals_single``: 3 chunks give the same bigWig values as 1 (pyBigWig).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyBigWig
import torch

from seq2track.data.spec import TrackSpec
from seq2track.data.store import GenomeStore, write_store_from_arrays
from seq2track.data.windows import WindowSpec
from seq2track.model import Seq2Track, model_config_from
from seq2track.model.inference import predict_onehot
from seq2track.predict.genome import _code_batches, chunk_of, gather_bigwigs, output_blocks, write_chunk

TRACKS = 3


def make_store(root: Path, total_bp: int) -> GenomeStore:
    rng = np.random.default_rng(0)
    sizes = {"chr1": total_bp // 2, "chr2": total_bp - total_bp // 2}
    codes = {c: rng.integers(0, 4, n, dtype=np.uint8) for c, n in sizes.items()}
    targets = {c: np.zeros((n // 128, TRACKS), dtype=np.float32) for c, n in sizes.items()}
    return GenomeStore(write_store_from_arrays(root, codes, targets, tuple(TrackSpec(f"t{i}") for i in range(3))))


def model_and_spec(preset: str) -> tuple[Seq2Track, WindowSpec]:
    torch.manual_seed(0)
    model = Seq2Track(model_config_from(preset, num_tracks=TRACKS)).eval()
    length = 98_304 if preset != "tiny" else 16_384
    return model, WindowSpec(length, length, model.cfg.bin_size_bp, model.cfg.crop_bins)


def run_chunks(model, spec, store, out: Path, n_chunks: int, batch_size: int) -> list[Path]:
    blocks = output_blocks(store.sizes, list(store.sizes), spec)
    parts = []
    for i in range(n_chunks):
        npy, tsv = out / f"chunk{i}.npy", out / f"chunk{i}.tsv"
        write_chunk(npy, tsv, model, store, chunk_of(blocks, n_chunks, i), spec, torch.device("cpu"), batch_size)
        parts.append((str(npy), str(tsv)))
    paths = [out / f"t{t}.bw" for t in range(TRACKS)]
    gather_bigwigs(parts, store.sizes, paths, spec.bin_size_bp)
    return paths


def child(total_bp: int, preset: str, batch_size: int) -> dict:
    torch.set_num_threads(2)
    model, spec = model_and_spec(preset)
    with tempfile.TemporaryDirectory() as tmp:
        store = make_store(Path(tmp) / "store", total_bp)
        batches = list(_code_batches(store, output_blocks(store.sizes, list(store.sizes), spec), spec, batch_size))
        with torch.no_grad():
            predict_onehot(model, torch.from_numpy(batches[0][1]), True)    # warm-up
        t0 = time.perf_counter()
        run_chunks(model, spec, store, Path(tmp), 1, batch_size)
        e2e = time.perf_counter() - t0
        t0 = time.perf_counter()
        with torch.no_grad():
            for _, codes in batches:
                predict_onehot(model, torch.from_numpy(codes), True)
        forward = time.perf_counter() - t0
    hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
    return {"genome_bp": total_bp, "end_to_end_s": round(e2e, 2), "forward_s": round(forward, 2),
            "end_to_end_bp_per_s": round(total_bp / e2e), "forward_bp_per_s": round(total_bp / forward),
            "predict_vs_forward": round(forward / e2e, 3), "peak_rss_mb": round(int(hwm.split()[1]) / 1024, 1)}


def chunked_equals_single(preset: str, total_bp: int) -> bool:
    model, spec = model_and_spec(preset)
    with tempfile.TemporaryDirectory() as tmp:
        store = make_store(Path(tmp) / "store", total_bp)
        (Path(tmp) / "one").mkdir()
        (Path(tmp) / "three").mkdir()
        one = run_chunks(model, spec, store, Path(tmp) / "one", 1, 4)
        three = run_chunks(model, spec, store, Path(tmp) / "three", 3, 3)
        for a, b in zip(one, three):
            with pyBigWig.open(str(a)) as x, pyBigWig.open(str(b)) as y:
                if any(x.intervals(c) != y.intervals(c) for c in store.sizes):
                    return False
    return True


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--preset", default="demo")
    ap.add_argument("--batch-size", type=int, default=4)
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.preset, args.batch_size)))
        return
    small = 500_000 if args.quick else 2_000_000
    runs = [json.loads(subprocess.run([sys.executable, __file__, "--child", str(bp), "--preset", args.preset,
                                       "--batch-size", str(args.batch_size)], capture_output=True, text=True,
                                      check=True).stdout) for bp in (small, 10 * small)]
    result = {"quick": args.quick, "preset": args.preset, "device": "cpu", "threads": 2, "runs": runs,
              "predict_vs_forward": min(r["predict_vs_forward"] for r in runs),
              "rss_ratio_10x_genome": round(runs[1]["peak_rss_mb"] / runs[0]["peak_rss_mb"], 3),
              "chunked_equals_single": chunked_equals_single(args.preset, small)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
