"""Benchmark: forward and forward+backward throughput and peak memory, our model vs enformer-pytorch. JSON.

    python bench/model_speed.py [--presets demo,small] [--repeats 3] [--device auto] [--precisions fp32,bf16]

For each preset, our model in each positional mode (rotary, sinusoidal, none where the preset has ALiBi,
which it needs; enformer, always without ALiBi: its own attention module) and enformer-pytorch
0.8.12 are built with identical hyperparameters (width, depth, heads, key size, tower channels, crop,
dropouts, one head of 3 tracks) and timed alternately, step by step, in the same process: a forward
pass under no_grad in eval mode, and a forward+backward pass in train mode. Peak memory: on CUDA,
max_memory_allocated above the memory held before the step; on CPU, measured apart in a fresh process
per model and pass under glibc's default allocator: the peak RSS (VmHWM) of two steps above the RSS
before them. Ratios are ours / enformer-pytorch throughput.

The process's glibc allocator is tuned as in training runs (``--cpu-malloc default`` for glibc's own
settings); both sides always run under the same settings.

Enformer's relative basis needs dim / heads divisible by 6, so the ``demo`` preset runs at dim 72
(its own dim 64 / 4 heads = 16 cannot be run by enformer-pytorch); ``small`` runs as defined.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from dataclasses import replace

import torch

from seq2track.device import CPU_MALLOC_ENV, setup_device, tune_cpu_allocator
from seq2track.model import Seq2Track, model_config_from
from seq2track.model.config import OWN_ATTENTION_OPTIONS

MODES = ("rotary", "sinusoidal", "none", "enformer")
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


def _mode_config(base, mode: str):
    """The preset in one positional mode; enformer's own attention module has no ALiBi (the demo preset's)."""
    if mode == "enformer":
        return replace(base, positional=mode, **dict.fromkeys(OWN_ATTENTION_OPTIONS, False))
    return replace(base, positional=mode)


def _build(preset: str, device: torch.device) -> tuple[dict, torch.Tensor, int]:
    """Our models of a preset (one per positional mode) and enformer-pytorch at identical hyperparameters, and a
    random one-hot batch."""
    sequence_bp, cpu_batch, gpu_batch, overrides = SETTINGS[preset]
    batch = gpu_batch if device.type == "cuda" else cpu_batch
    base = model_config_from(preset, {**overrides, "tower_schedule": "enformer"}, num_tracks=3)
    torch.manual_seed(0)
    models = {f"ours_{mode}": Seq2Track(_mode_config(base, mode)) for mode in MODES
              if mode != "none" or base.alibi}
    models["enformer_pytorch"] = _their_model(base, sequence_bp)
    gen = torch.Generator().manual_seed(0)
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (batch, sequence_bp), generator=gen), 4).float()
    return {k: m.to(device) for k, m in models.items()}, x.to(device), batch


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
    """Seconds of one step; on CUDA also the allocator's peak above the memory held before it (MB)."""
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    t0 = time.perf_counter()
    _step(model, x, backward, theirs, precision)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    peak = (torch.cuda.max_memory_allocated() - base) / 2 ** 20 if device.type == "cuda" else float("nan")
    return seconds, peak


def _cpu_peak_mb(preset: str, name: str, backward: bool, precision: str) -> float:
    """Peak RSS of two steps above the RSS before them, in a fresh process under glibc's default
    allocator (so that freed tensors leave the process and the high-water mark is the step's own)."""
    env = {**os.environ, CPU_MALLOC_ENV: "default"}
    cmd = [sys.executable, __file__, "--peak-of", name, "--presets", preset, "--precisions", precision,
           "--threads", str(torch.get_num_threads())] + (["--backward"] if backward else [])
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def _peak_child(args) -> None:
    models, x, _ = _build(args.presets, torch.device("cpu"))
    model = models[args.peak_of]
    del models
    with open("/proc/self/clear_refs", "w") as fh:  # reset VmHWM to the current RSS
        fh.write("5")
    base = _vm_kb("VmRSS:")
    for _ in range(2):
        _step(model, x, args.backward, args.peak_of == "enformer_pytorch", args.precisions)
    print(round((_vm_kb("VmHWM:") - base) / 1024, 1))


def bench_preset(preset: str, device: torch.device, precision: str, repeats: int) -> dict:
    sequence_bp, _, _, overrides = SETTINGS[preset]
    models, x, batch = _build(preset, device)
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
        if device.type == "cpu":
            peaks = {name: _cpu_peak_mb(preset, name, backward, precision) for name in models}
        rows = {}
        for name in models:
            median = statistics.median(times[name])
            rows[name] = {"seconds_per_step": round(median, 4), "sequences_per_s": round(batch / median, 3),
                          "bp_per_s": round(batch * sequence_bp / median), "peak_memory_MB": round(peaks[name], 1)}
        ref = rows["enformer_pytorch"]["sequences_per_s"]
        for name, ours in rows.items():
            if name == "enformer_pytorch":
                continue
            ours["speedup_vs_enformer_pytorch"] = round(ours["sequences_per_s"] / ref, 3)
        result[phase] = rows
    return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--presets", default="demo,small")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="auto")
    ap.add_argument("--precisions", default=None, help="default: fp32 on CPU, fp32,bf16 on CUDA")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--cpu-malloc", choices=("tuned", "default"), default="tuned",
                    help="glibc allocator settings for both sides (seq2track.device.tune_cpu_allocator)")
    ap.add_argument("--peak-of", help=argparse.SUPPRESS)   # internal: one model's CPU peak memory
    ap.add_argument("--backward", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peak_of:
        torch.set_num_threads(args.threads or torch.get_num_threads())
        return _peak_child(args)
    os.environ[CPU_MALLOC_ENV] = args.cpu_malloc  # read when setup_device picks the CPU
    device = setup_device(args.device, args.threads)
    torch.manual_seed(0)
    precisions = (args.precisions or ("fp32,bf16" if device.type == "cuda" else "fp32")).split(",")
    runs = [bench_preset(p, device, prec, args.repeats) for p in args.presets.split(",") for prec in precisions]
    info = {"torch": torch.__version__, "threads": torch.get_num_threads(), "cpus": os.cpu_count(),
            "cpu_malloc": ("tuned" if tune_cpu_allocator() else "default") if device.type == "cpu" else None,
            "gpu": torch.cuda.get_device_name() if device.type == "cuda" else None}
    print(json.dumps({"benchmark": "model_speed", **info, "runs": runs}, indent=2))


if __name__ == "__main__":
    main()
