"""Data path speed and memory: the genome store and its DataLoader against the naive per-window path.

    python bench/data_speed.py            # full: 30 Mb and 300 Mb genomes, Enformer-sized head included
    python bench/data_speed.py --quick    # under ~2 minutes: 5 Mb and 50 Mb genomes

Prints one JSON object:
- ``build``: store build time, Mb/s on one core and peak RSS (VmHWM) for two random genomes 10x apart in
  size (4 bigWig tracks of Poisson runs each), each built in its own process; ``build_rss_ratio`` =
  large/small.
- ``loader``: windows/s of ``WindowDataset`` through a DataLoader (batch 4, shuffled, augmented) with 0, 1
  and 2 workers, at 131,072 bp x 4 tracks and at 196,608 bp x 5,313 tracks (Enformer's human head; the
  store's target array is written directly, as 5,313 bigWigs would be slow to make here), next to the
  naive path (pysam fetch + one-hot + pyBigWig values per track and window) at 131,072 bp x 4 tracks;
  ``loader_vs_naive`` = 2-worker loader / naive at 131,072 bp x 4 tracks.
- ``train_step``: training windows/s (forward + backward + AdamW, batch 1, fp32) of the ``small`` preset
  at 131,072 bp and, in the full run, of the ``enformer`` preset at 196,608 bp, on this CPU.
- ``float16_error``: max and mean relative error of float16 targets against float32 on the small store.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader

from seq2track.data.dataset import WindowDataset, collate_numpy, window_targets, write_dataset
from seq2track.data.encoding import encode, one_hot
from seq2track.data.spec import DataSpec, TrackSpec
from seq2track.data.store import write_store_from_arrays, write_store_index
from seq2track.data.windows import WindowSpec
from seq2track.io.bigwig import BigWigReader, write_bigwig_runs
from seq2track.io.fasta import Genome, prepare_genome
from seq2track.model import Seq2Track, model_config_from

TRACKS = tuple(TrackSpec(f"t{i}", "sum", 1.0, 32.0, None) for i in range(4))
BUILD = """
import json, sys, time
from seq2track.data.spec import TrackSpec
from seq2track.data.store import build_store_group
fa, out, chroms, bws = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), sys.argv[4:]
tracks = tuple(TrackSpec(f"t{i}", "sum", 1.0, 32.0, None) for i in range(len(bws)))
t0 = time.perf_counter()
build_store_group(fa, bws, tracks, 128, chroms, out)
# VmHWM, not ru_maxrss: Linux carries the parent's high-water mark across fork + exec into ru_maxrss
hwm = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
print(json.dumps({"seconds": time.perf_counter() - t0, "peak_rss_mb": int(hwm.split()[1]) / 1024}))
"""


def make_genome(root: Path, total_mb: int, seed: int = 0) -> tuple[Path, list[Path], dict[str, int]]:
    """A random genome of ``total_mb`` Mb in 3 chromosomes (bgzipped + indexed) and 4 bigWigs of Poisson runs."""
    rng = np.random.default_rng(seed)
    total = total_mb * 1_000_000
    sizes = {"chr1": total // 2, "chr2": total // 3, "chr3": total - total // 2 - total // 3}
    raw = root / "raw.fa"
    with open(raw, "wb") as fh:
        for chrom, size in sizes.items():
            fh.write(f">{chrom}\n".encode())
            for lo in range(0, size, 10_000_000):
                n = min(size, lo + 10_000_000) - lo
                fh.write(np.frombuffer(b"ACGT", np.uint8)[rng.integers(0, 4, n)].tobytes() + b"\n")
    prepare_genome(raw, root / "genome.fa.gz")
    raw.unlink()
    bigwigs = []
    for t in range(4):
        def runs():
            for chrom, size in sizes.items():
                ends = np.unique(np.append(np.cumsum(rng.integers(50, 400, size // 100)), size))
                ends = ends[ends <= size]
                starts = np.concatenate([[0], ends[:-1]])
                vals = rng.poisson(2.0, len(ends)).astype(np.float32)
                keep = vals > 0
                yield chrom, starts[keep], ends[keep], vals[keep]
        path = root / f"t{t}.bw"
        write_bigwig_runs(path, sizes, runs())
        bigwigs.append(path)
    return root / "genome.fa.gz", bigwigs, sizes


def build_in_child(fa: Path, bigwigs: list[Path], sizes: dict[str, int], out: Path) -> dict:
    res = subprocess.run([sys.executable, "-c", BUILD, str(fa), str(out), json.dumps(list(sizes)),
                          *map(str, bigwigs)], capture_output=True, text=True, check=True)
    stats = json.loads(res.stdout)
    mb = sum(sizes.values()) / 1e6
    return {"genome_mb": round(mb, 1), "seconds": round(stats["seconds"], 2),
            "mb_per_s_per_core": round(mb / stats["seconds"], 2), "peak_rss_mb": round(stats["peak_rss_mb"], 1)}


def make_dataset(root: Path, store: Path, sizes: dict[str, int], tracks, length_bp: int, crop_bins: int) -> Path:
    spec = DataSpec(WindowSpec(length_bp, length_bp // 2, 128, crop_bins), tuple(tracks))
    rows = [(c, s, s + length_bp, "train") for c, n in sizes.items() for s in range(0, n - length_bp, length_bp // 2)]
    write_dataset(store, pd.DataFrame(rows, columns=["chrom", "start", "end", "split"]), spec, root)
    return root


def loader_rate(data: Path, workers: int, n_windows: int) -> float:
    ds = WindowDataset(data, "train", augment=True, seed=1)
    loader = DataLoader(ds, batch_size=4, shuffle=True, num_workers=workers, persistent_workers=workers > 0,
                        collate_fn=collate_numpy,
                        generator=torch.Generator().manual_seed(0), prefetch_factor=4 if workers else None)
    seen, t0 = 0, None
    while seen < n_windows:     # as many epochs as it takes
        for x, _ in loader:
            if t0 is None:      # the first batch includes worker start-up
                t0 = time.perf_counter()
                continue
            seen += len(x)
            if seen >= n_windows:
                break
    return seen / (time.perf_counter() - t0)


def naive_rate(fa: Path, bigwigs: list[Path], sizes: dict[str, int], n_windows: int) -> float:
    spec, genome = WindowSpec(131_072, 65_536, 128, 64), Genome(fa)
    readers = [BigWigReader(p) for p in bigwigs]
    rng = np.random.default_rng(0)
    chrom, size = "chr1", sizes["chr1"]
    t0 = time.perf_counter()
    for _ in range(n_windows):
        s = int(rng.integers(0, (size - spec.length_bp) // 128)) * 128
        torch.from_numpy(one_hot(encode(genome.fetch(chrom, s, s + spec.length_bp))))
        torch.from_numpy(window_targets(readers, TRACKS, chrom, s, s + spec.length_bp, spec))
    return n_windows / (time.perf_counter() - t0)


def big_head_store(root: Path, sizes: dict[str, int], n_tracks: int) -> Path:
    """A store whose target arrays hold ``n_tracks`` tracks of random values, written directly."""
    rng = np.random.default_rng(1)
    codes = {c: rng.integers(0, 4, n, dtype=np.uint8) for c, n in sizes.items()}
    targets = {c: rng.random((n // 128, n_tracks), dtype=np.float32) for c, n in sizes.items()}
    return write_store_from_arrays(root, codes, targets, tuple(TrackSpec(f"t{i}") for i in range(n_tracks)))


def step_rate(preset: str, length_bp: int, steps: int) -> float:
    torch.manual_seed(0)
    model = Seq2Track(model_config_from(preset, num_tracks=4 if preset == "small" else 5313))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    x = torch.from_numpy(one_hot(np.random.default_rng(0).integers(0, 4, (1, length_bp)).astype(np.uint8)))
    y, times = None, []
    for _ in range(steps + 1):
        t0 = time.perf_counter()
        pred = model(x)
        y = torch.rand_like(pred) if y is None else y
        loss = torch.nn.functional.poisson_nll_loss(pred, y, log_input=False)
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    return 1.0 / float(np.median(times[1:]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(2)
    small_mb, n_win = (5, 200) if args.quick else (30, 1000)
    result: dict = {"quick": args.quick, "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads()}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        builds = {}
        for label, mb in (("small", small_mb), ("large", 10 * small_mb)):
            (root / label).mkdir()
            fa, bws, sizes = make_genome(root / label, mb)
            builds[label] = build_in_child(fa, bws, sizes, root / label / "store" / "groups" / "0")
            if label == "small":
                small = (fa, bws, sizes)
            else:
                for p in bws:
                    p.unlink()
        result["build"] = builds
        result["build_rss_ratio"] = round(builds["large"]["peak_rss_mb"] / builds["small"]["peak_rss_mb"], 3)
        fa, bws, sizes = small
        store = root / "small" / "store"
        write_store_index(store, [str(store / "groups" / "0")], sizes, [str(p) for p in bws], TRACKS, 128)
        rates = {}
        data = make_dataset(root / "ds4", store, sizes, TRACKS, 131_072, 64)
        for w in (0, 1, 2):
            rates[f"131072bp_4tracks_workers{w}"] = round(loader_rate(data, w, n_win), 1)
        big_sizes = {"chrA": 2_000_000, "chrB": 1_000_000}
        big = big_head_store(root / "big", big_sizes, 5313)
        data = make_dataset(root / "ds5313", big, big_sizes,
                            tuple(TrackSpec(f"t{i}") for i in range(5313)), 196_608, 320)
        for w in (0, 1, 2):
            rates[f"196608bp_5313tracks_workers{w}"] = round(loader_rate(data, w, n_win // 4), 1)
        rates["naive_131072bp_4tracks"] = round(naive_rate(fa, bws, sizes, n_win // 2), 1)
        result["loader_windows_per_s"] = rates
        result["loader_vs_naive"] = round(rates["131072bp_4tracks_workers2"] / rates["naive_131072bp_4tracks"], 2)
        sm = store / "groups" / "0" / "chr1.targets.npy"
        t32 = np.load(sm, mmap_mode="r")[:200_000].astype(np.float32)
        t16 = t32.astype(np.float16).astype(np.float32)
        rel = np.abs(t16 - t32) / np.maximum(np.abs(t32), 1e-6)
        result["float16_error"] = {"max_relative": float(rel.max()), "mean_relative": float(rel.mean()),
                                   "max_value": float(t32.max())}
    steps = {"small_131072bp": round(step_rate("small", 131_072, 2 if args.quick else 3), 3)}
    if not args.quick:
        steps["enformer_196608bp"] = round(step_rate("enformer", 196_608, 1), 4)
    result["train_step_windows_per_s"] = steps
    result["loader2_vs_small_step"] = round(rates["131072bp_4tracks_workers2"] / steps["small_131072bp"], 1)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
