"""Benchmark: forward and forward+backward throughput and peak memory, our model vs enformer-pytorch. JSON.

    python bench/model_speed.py [--presets demo,small] [--repeats 3] [--device auto] [--precisions fp32,bf16]

For each preset, our model in each positional mode (rotary, sinusoidal, enformer) and enformer-pytorch
0.8.12 are built with identical hyperparameters (width, depth, heads, key size, tower channels, crop,
dropouts, one head of 3 tracks) and timed alternately, step by step, in the same process: a forward
pass under no_grad in eval mode, and a forward+backward pass in train mode. Peak memory: on CUDA,
max_memory_allocated; on CPU, the process's peak RSS (VmHWM, reset through /proc/self/clear_refs)
above the RSS before the step. Ratios are ours / enformer-pytorch throughput.

Enformer's relative basis needs dim / heads divisible by 6, so the ``demo`` preset runs at dim 72
(its own dim 64 / 4 heads = 16 cannot be run by enformer-pytorch); ``small`` runs as defined.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from dataclasses import replace

import torch

from seq2track.device import resolve_device
from seq2track.model import Seq2Track, model_config_from

MODES = ("rotary", "sinusoidal", "enformer")
SETTINGS = {  # preset -> (sequence bp, batch on CPU, batch on GPU, overrides that make the comparison possible)
    "demo": (98_304, 2, 8, {"dim": 72}),
    "small": (98_304, 1, 4, {}),
}


def _their_model(cfg, sequence_bp: int):
    from enformer_pytorch import Enformer

    bins = sequence_bp // cfg.bin_size_bp
    return Enformer.from_hparams(dim=cfg.dim, depth=cfg.num_transformer_layers, heads=cfg.num_heads,
                                 attn_dim_key=cfg.qk_dim, output_heads={"human": cfg.num_tracks},
                                 target_length=bins - 2 * cfg.crop_bins, num_downsamples=cfg.num_tower_blocks + 1,
                                 dim_divisible_by=cfg.channel_divisor, dropout_rate=cfg.dropout,
                                 attn_dropout=cfg.attention_dropout, pos_dropout=cfg.positional_dropout)


def _vm_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


class _Peak:
    """Peak memory of a block in MB (CUDA allocator, or CPU RSS high-water mark)."""

    def __init__(self, device: torch.device) -> None:
        self.device, self.mb = device, 0.0

    def __enter__(self):
        if self.device.type == "cuda":
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            self.base = torch.cuda.memory_allocated()
        else:
            with open("/proc/self/clear_refs", "w") as fh:  # resets VmHWM to the current RSS
                fh.write("5")
            self.base = _vm_kb("VmRSS:") * 1024
        return self

    def __exit__(self, *exc):
        if self.device.type == "cuda":
            torch.cuda.synchronize()
            self.mb = (torch.cuda.max_memory_allocated() - self.base) / 2 ** 20
        else:
            self.mb = (_vm_kb("VmHWM:") * 1024 - self.base) / 2 ** 20


def _step(model, x: torch.Tensor, backward: bool, theirs: bool, precision: str) -> None:
    model.train(backward)
    with torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=precision == "bf16"), \
            torch.set_grad_enabled(backward):
        out = model(x)["human"] if theirs else model(x)
        if backward:
            out.float().sum().backward()
    if backward:
        model.zero_grad(set_to_none=True)


def _time(model, x, backward, theirs, precision, device) -> tuple[float, float]:
    peak = _Peak(device)
    with peak:
        t0 = time.perf_counter()
        _step(model, x, backward, theirs, precision)
        if device.type == "cuda":
            torch.cuda.synchronize()
        seconds = time.perf_counter() - t0
    return seconds, peak.mb


def bench_preset(preset: str, device: torch.device, precision: str, repeats: int) -> dict:
    sequence_bp, cpu_batch, gpu_batch, overrides = SETTINGS[preset]
    batch = gpu_batch if device.type == "cuda" else cpu_batch
    base = model_config_from(preset, {**overrides, "tower_schedule": "enformer"}, num_tracks=3)
    models = {f"ours_{mode}": Seq2Track(replace(base, positional=mode)) for mode in MODES}
    models["enformer_pytorch"] = _their_model(base, sequence_bp)
    models = {k: m.to(device) for k, m in models.items()}
    gen = torch.Generator().manual_seed(0)
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (batch, sequence_bp), generator=gen), 4).float().to(device)
    result = {"preset": preset, "overrides": overrides, "sequence_bp": sequence_bp, "batch": batch,
              "precision": precision, "device": str(device),
              "params": {k: sum(p.numel() for p in m.parameters()) for k, m in models.items()}}
    for phase, backward in (("forward", False), ("forward_backward", True)):
        times = {k: [] for k in models}
        peaks = {k: 0.0 for k in models}
        for name, model in models.items():  # warm-up (kernel selection, caches)
            _time(model, x, backward, name == "enformer_pytorch", precision, device)
        for _ in range(repeats):  # alternate so that drift affects every model alike
            for name, model in models.items():
                seconds, mb = _time(model, x, backward, name == "enformer_pytorch", precision, device)
                times[name].append(seconds)
                peaks[name] = max(peaks[name], mb)
        rows = {}
        for name in models:
            median = statistics.median(times[name])
            rows[name] = {"seconds_per_step": round(median, 4), "sequences_per_s": round(batch / median, 3),
                          "bp_per_s": round(batch * sequence_bp / median), "peak_memory_MB": round(peaks[name], 1)}
        ref = rows["enformer_pytorch"]["sequences_per_s"]
        for mode in MODES:
            rows[f"ours_{mode}"]["speedup_vs_enformer_pytorch"] = round(rows[f"ours_{mode}"]["sequences_per_s"] / ref, 3)
        result[phase] = rows
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--presets", default="demo,small")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--precisions", default=None, help="default: fp32 on CPU, fp32,bf16 on CUDA")
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    device = resolve_device(args.device, args.threads)
    torch.manual_seed(0)
    precisions = (args.precisions or ("fp32,bf16" if device.type == "cuda" else "fp32")).split(",")
    runs = [bench_preset(p, device, prec, args.repeats) for p in args.presets.split(",") for prec in precisions]
    info = {"torch": torch.__version__, "threads": torch.get_num_threads(), "cpus": os.cpu_count(),
            "gpu": torch.cuda.get_device_name() if device.type == "cuda" else None}
    print(json.dumps({"benchmark": "model_speed", **info, "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
