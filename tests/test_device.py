"""The CPU allocator tuning: large freed tensors are reused without new page faults."""

import os
import subprocess
import sys

import pytest

PROBE = """
import resource, statistics, torch
from seq2track.device import setup_device, tune_cpu_allocator
setup_device("cpu")
def faults_of_one_step():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    x = torch.empty(16 * 2 ** 20).fill_(1.0)   # 64 MiB: above glibc's mmap threshold
    y = x * 2                                  # a second large activation, as in a training step
    del x, y
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
faults = [faults_of_one_step() for _ in range(16)]
print(tune_cpu_allocator(), statistics.median(faults[-8:]))  # steady state: the heap has grown to fit
"""


def _probe(setting: str) -> tuple[bool, float]:
    env = {**os.environ, "SEQ2TRACK_CPU_MALLOC": setting}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    tuned, faults = out.stdout.split()
    return tuned == "True", float(faults)


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc mallopt")
def test_tuned_allocator_reuses_freed_tensor_memory():
    tuned, faults_tuned = _probe("tuned")
    untuned, faults_default = _probe("default")
    assert tuned and not untuned
    pages = 2 * 64 * 2 ** 20 // 4096
    assert faults_default > pages // 2     # glibc default: every step maps and faults its tensors again
    assert faults_tuned < pages // 20      # tuned: the freed heap memory is reused
