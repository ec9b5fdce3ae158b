"""Shared fixtures: tiny genomes and tracks made by code (nothing downloaded)."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
import torch

from seq2track.io.bigwig import runs_from_values, write_bigwig_runs
from seq2track.io.fasta import prepare_genome

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.gpu)])
def device(request) -> torch.device:
    """Run a test on CPU and, when present, on CUDA (skipped, not faked, without a GPU)."""
    if request.param == "cuda" and not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    return torch.device(request.param)


def random_seq(n: int, rng: np.random.Generator) -> str:
    return "".join(rng.choice(list("ACGT"), size=n))


@pytest.fixture
def tiny_fasta_gz(tmp_path) -> Path:
    """Gzipped FASTA with two contigs of 40 kb and 30 kb; chrB has a 2 kb N run."""
    rng = np.random.default_rng(0)
    a, b = random_seq(40_000, rng), random_seq(30_000, rng)
    b = b[:10_000] + "N" * 2_000 + b[12_000:]
    path = tmp_path / "src.fa.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(f">chrA\n{a}\n>chrB\n{b}\n")
    return path


@pytest.fixture
def tiny_genome(tmp_path, tiny_fasta_gz) -> Path:
    """bgzipped + indexed copy of tiny_fasta_gz."""
    out = tmp_path / "genome" / "genome.fa.gz"
    prepare_genome(tiny_fasta_gz, out)
    return out


@pytest.fixture
def tiny_bigwig(tmp_path) -> tuple[Path, dict[str, np.ndarray]]:
    """Base-resolution bigWig over chrA/chrB with known values."""
    rng = np.random.default_rng(1)
    sizes = {"chrA": 40_000, "chrB": 30_000}
    values = {c: rng.poisson(0.3, size=n).astype(np.float32) for c, n in sizes.items()}
    path = tmp_path / "track.bw"
    write_bigwig_runs(path, sizes, ((c, *runs_from_values(v)) for c, v in values.items()))
    return path, values


def build_dataset_over_store(out: Path, genome: Path, bigwigs: list[Path], spec, windows, groups: int = 2) -> Path:
    """A run's dataset folder over a genome store built from ``bigwigs`` in ``groups`` groups."""
    from seq2track.data.dataset import write_dataset
    from seq2track.data.store import assign_groups, build_store_group, write_store_index
    from seq2track.io.fasta import Genome

    store, paths, dirs = out.parent / f"{out.name}-store", [str(b) for b in bigwigs], []
    for i, chroms in enumerate(assign_groups(Genome(genome).sizes, groups)):
        dirs.append(str(store / "groups" / str(i)))
        build_store_group(str(genome), paths, spec.tracks, spec.window.bin_size_bp, chroms, dirs[-1])
    write_store_index(store, dirs, Genome(genome).sizes, [f"{genome}.fai", *paths], spec.tracks,
                      spec.window.bin_size_bp)
    write_dataset(store, windows, spec, out)
    return out


def build_tiny_dataset(out: Path, genome: Path, bigwig: Path, stride_bp: int, end_bp: int, train_below: int) -> Path:
    """A one-track dataset of 4,096 bp windows over chrA (train before ``train_below``, valid after)."""
    import pandas as pd

    from seq2track.data.spec import DataSpec, TrackSpec
    from seq2track.data.windows import WindowSpec

    starts = np.arange(0, end_bp, stride_bp)
    windows = pd.DataFrame({"chrom": "chrA", "start": starts, "end": starts + 4096,
                            "split": np.where(starts < train_below, "train", "valid")})
    spec = DataSpec(WindowSpec(4096, stride_bp, 128, 4), (TrackSpec("t1"),))
    return build_dataset_over_store(out, genome, [bigwig], spec, windows)
