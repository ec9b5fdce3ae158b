"""Benchmark: download throughput and peak RSS of seq2track's fetch vs curl; FASTA bgzip+index MB/s. Prints JSON.

    python bench/download_speed.py [--size-mb 1024] [--repeats 3] [--fasta-mb 200]

A file of --size-mb is served by a loopback HTTP server (``python -m http.server`` in its own process)
and fetched alternately by ``seq2track fetch`` (plain, and with sha256 verification) and by ``curl``
(plain, and followed by ``sha256sum``), each in its own process; peak RSS comes from that process's
rusage (wait4). The FASTA part writes a random multi-record FASTA of --fasta-mb and times
``prepare_genome`` (validation + bgzip + faidx).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from seq2track.io.fasta import prepare_genome

_BLOCK = 1 << 20


def _write_payload(path: Path, size_mb: int) -> str:
    """``size_mb`` MiB of incompressible bytes (a random 1 MiB block, varied per block); returns sha256."""
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, _BLOCK, dtype=np.uint8)
    digest = hashlib.sha256()
    with open(path, "wb") as fh:
        for i in range(size_mb):
            block = (base + i % 251).astype(np.uint8).tobytes()
            fh.write(block)
            digest.update(block)
    return digest.hexdigest()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _vm_hwm_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _timed(cmd: list[str]) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one child process; raises when it fails.

    Peak RSS is the child's own VmHWM polled every 5 ms (rusage would also count the launching
    Python's memory, which a forked child inherits in its high-water mark).
    """
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _vm_hwm_kb(proc.pid))
        time.sleep(0.005)
    seconds = time.perf_counter() - t0
    if proc.returncode:
        raise RuntimeError(f"{cmd[:3]} failed: {proc.stderr.read().decode()[-500:]}")
    proc.stderr.close()
    return seconds, peak / 1024


def bench_download(size_mb: int, repeats: int, workdir: Path) -> dict:
    www = workdir / "www"
    www.mkdir()
    sha = _write_payload(www / "payload.bin", size_mb)
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(www)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/payload.bin"
    out = workdir / "out.bin"
    fetch = [sys.executable, "-m", "seq2track.cli", "fetch", url, str(out)]
    runs = {"seq2track": fetch, "seq2track_sha256": fetch + ["--sha256", sha],
            "curl": [shutil.which("curl") or "curl", "-sS", "--fail", "-o", str(out), url]}
    runs["curl_then_sha256sum"] = ["sh", "-c", f"curl -sS --fail -o '{out}' '{url}' && sha256sum '{out}'"]
    if not shutil.which("curl"):
        runs.pop("curl")
        runs.pop("curl_then_sha256sum")
    times: dict[str, list[float]] = {k: [] for k in runs}
    rss: dict[str, float] = {k: 0.0 for k in runs}
    try:
        for _ in range(50):  # wait for the server
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        for _ in range(repeats):  # alternate the clients so drift hits all of them alike
            for name, cmd in runs.items():
                seconds, peak = _timed(cmd)
                assert out.stat().st_size == size_mb * _BLOCK
                out.unlink()
                times[name].append(seconds)
                rss[name] = max(rss[name], peak)
    finally:
        server.terminate()
        server.wait()
    result = {name: {"median_s": round(statistics.median(t), 3), "MB_per_s": round(size_mb / statistics.median(t), 1),
                     "all_s": [round(x, 3) for x in t],
                     "peak_rss_MB": None if cmd[0] == "sh" else round(rss[name], 1)}  # sh: not its children
              for (name, t), cmd in zip(times.items(), runs.values())}
    if "curl" in result:
        ours = result["seq2track"]
        ours["throughput_vs_curl"] = round(ours["MB_per_s"] / result["curl"]["MB_per_s"], 3)
        result["seq2track_sha256"]["throughput_vs_curl_then_sha256sum"] = round(
            result["seq2track_sha256"]["MB_per_s"] / result["curl_then_sha256sum"]["MB_per_s"], 3)
    return result


def bench_fasta(fasta_mb: int, workdir: Path) -> dict:
    rng = np.random.default_rng(1)
    src = workdir / "genome.fa"
    per = fasta_mb * _BLOCK // 4
    letters = np.frombuffer(b"ACGT", dtype=np.uint8)
    with open(src, "w") as fh:
        for i in range(4):
            seq = letters[rng.integers(0, 4, per)].tobytes().decode()
            fh.write(f">chr{i + 1}\n")
            for j in range(0, per, 60):
                fh.write(seq[j:j + 60] + "\n")
    t0 = time.perf_counter()
    prepare_genome(src, workdir / "out" / "genome.fa.gz")
    seconds = time.perf_counter() - t0
    return {"sequence_MB": fasta_mb, "seconds": round(seconds, 2), "MB_per_s": round(fasta_mb / seconds, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=int, default=1024)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--fasta-mb", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="seq2track-bench-") as tmp:
        tmp = Path(tmp)
        download = bench_download(args.size_mb, args.repeats, tmp)
        (tmp / "www" / "payload.bin").unlink()
        fasta = bench_fasta(args.fasta_mb, tmp)
    print(json.dumps({"benchmark": "download_speed", "size_MB": args.size_mb, "repeats": args.repeats,
                      "download": download, "fasta_bgzip_index": fasta, "cpus": os.cpu_count()}, indent=2))


if __name__ == "__main__":
    main()
