"""The genome store: per chromosome, uint8 sequence codes and binned, transformed targets (bins x tracks),
as plain ``.npy`` files opened memory-mapped. Built once per (genome, track sheet, bin size); windows are
(chrom, start) rows over it, so a new stride, length or shift policy needs no rebuild.

Layout of a store folder::

    groups/<i>/<chrom>.seq.npy       uint8 codes (chrom length,)          A=0 C=1 G=2 T=3 N=4
    groups/<i>/<chrom>.targets.npy   float32 or float16 (length // bin_size_bp, tracks)
    groups/<i>/group.json            the chromosomes of group i
    store.json                       sizes, group of each chromosome, bin size, tracks + transforms,
                                     target dtype, sha256 of the FASTA index and of every bigWig

Groups are built by separate jobs (Snakemake scatters them; on Slurm they run in parallel) and each job
streams its chromosomes in fixed-size chunks (``io.npy.write_npy_stream``), so peak memory is a chunk,
not a chromosome or a genome.
Why ``.npy`` and not zarr: a window is one contiguous slice of an uncompressed array, which a memmap
serves with no decompression and no dependency; memmaps open lazily in each DataLoader worker.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
from dataclasses import asdict
from pathlib import Path
from typing import Protocol

import numpy as np

from seq2track.data.encoding import N_CODE, encode
from seq2track.data.spec import TrackSpec
from seq2track.data.targets import region_targets
from seq2track.errors import InputFileError
from seq2track.io.atomic import atomic_path
from seq2track.io.bigwig import BigWigReader
from seq2track.io.fasta import Genome
from seq2track.io.npy import write_npy_stream

log = logging.getLogger(__name__)
STORE_JSON = "store.json"
CHUNK_BP = 1 << 20            # sequence written 1 Mb at a time
CHUNK_TARGET_BYTES = 1 << 23  # ~8 MB of targets (or of one track's bases) at a time


def assign_groups(sizes: dict[str, int], n_groups: int) -> list[list[str]]:
    """Chromosomes in ``n_groups`` groups of similar total length (largest first into the lightest group);
    deterministic; within a group, chromosomes keep the genome's order."""
    loads, groups = [0] * n_groups, [[] for _ in range(n_groups)]
    for chrom in sorted(sizes, key=lambda c: (-sizes[c], list(sizes).index(c))):
        i = loads.index(min(loads))
        groups[i].append(chrom)
        loads[i] += sizes[chrom]
    order = {c: k for k, c in enumerate(sizes)}
    return [sorted(g, key=order.get) for g in groups]


def _sequence_chunks(genome: Genome, chrom: str):
    size = genome.sizes[chrom]
    for lo in range(0, size, CHUNK_BP):
        yield encode(genome.fetch(chrom, lo, min(size, lo + CHUNK_BP)))


def _target_chunks(readers: list[BigWigReader], tracks: tuple[TrackSpec, ...], chrom: str, n_bins: int,
                   bin_size_bp: int):
    step = max(1, CHUNK_TARGET_BYTES // (4 * max(len(tracks), bin_size_bp)))  # bounds the block and one track's bases
    for b0 in range(0, n_bins, step):
        b1 = min(n_bins, b0 + step)
        block = np.empty((b1 - b0, len(tracks)), dtype=np.float32)
        for t, (reader, track) in enumerate(zip(readers, tracks)):
            block[:, t] = region_targets(reader, track, chrom, b0 * bin_size_bp, b1 * bin_size_bp, bin_size_bp)
        yield block


def build_store_group(genome_fa: str, bigwigs: list[str], tracks: tuple[TrackSpec, ...], bin_size_bp: int,
                      chroms: list[str], out_dir: str | os.PathLike, target_dtype: str = "float32") -> None:
    """Write the sequence and target arrays of ``chroms`` (one group) into ``out_dir``, chunk by chunk."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    genome = Genome(genome_fa)
    with contextlib.ExitStack() as stack:
        readers = [stack.enter_context(BigWigReader(p)) for p in bigwigs]
        for chrom in chroms:
            size = genome.sizes[chrom]
            write_npy_stream(out / f"{chrom}.seq.npy", np.uint8, (size,), _sequence_chunks(genome, chrom))
            n_bins = size // bin_size_bp
            write_npy_stream(out / f"{chrom}.targets.npy", target_dtype, (n_bins, len(tracks)),
                              _target_chunks(readers, tracks, chrom, n_bins, bin_size_bp))
        missing = {t.id: [c for c in chroms if c not in r.chroms] for t, r in zip(tracks, readers)}
    for track, absent in missing.items():
        if absent:
            log.warning("track %s has no data on %s: its targets there are 0 (the dataset step refuses windows "
                        "on them)", track, ", ".join(absent))
    with atomic_path(out / "group.json") as tmp:
        tmp.write_text(json.dumps({"chromosomes": chroms, "missing": missing}))


def file_sha256(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_store_index(store_dir: str | os.PathLike, group_dirs: list[str], sizes: dict[str, int],
                      sources: list[str], tracks: tuple[TrackSpec, ...], bin_size_bp: int,
                      target_dtype: str = "float32") -> dict:
    """Gather the groups into ``store.json`` (paths relative to the store folder; sha256 of each source)."""
    store = Path(store_dir)
    where, missing_by_track = {}, {t.id: [] for t in tracks}
    for group in group_dirs:
        info = json.loads((Path(group) / "group.json").read_text())
        for chrom in info["chromosomes"]:
            where[chrom] = os.path.relpath(group, store)
        for track, chroms in info.get("missing", {}).items():
            missing_by_track[track] += chroms
    missing = sorted(set(sizes) - set(where))
    if missing:
        raise InputFileError(str(store), f"no group holds chromosomes {missing}", "rebuild the store")
    index = {"bin_size_bp": bin_size_bp, "target_dtype": target_dtype,
             "tracks": [asdict(t) for t in tracks], "sizes": {c: int(s) for c, s in sizes.items()},
             "groups": where, "missing_chromosomes": missing_by_track,
             "sha256": {Path(p).name: file_sha256(p) for p in sources}}
    with atomic_path(store / STORE_JSON) as tmp:
        tmp.write_text(json.dumps(index, indent=2))
    return index


def write_store_from_arrays(store_dir: str | os.PathLike, codes: dict[str, np.ndarray],
                            targets: dict[str, np.ndarray], tracks: tuple[TrackSpec, ...],
                            bin_size_bp: int = 128) -> Path:
    """A one-group store from in-memory arrays per chromosome (benchmarks and tests with synthetic data)."""
    group = Path(store_dir) / "groups" / "0"
    group.mkdir(parents=True, exist_ok=True)
    for chrom, seq in codes.items():
        write_npy_stream(group / f"{chrom}.seq.npy", np.uint8, seq.shape, [seq])
        write_npy_stream(group / f"{chrom}.targets.npy", targets[chrom].dtype, targets[chrom].shape, [targets[chrom]])
    (group / "group.json").write_text(json.dumps({"chromosomes": list(codes)}))
    write_store_index(store_dir, [str(group)], {c: len(s) for c, s in codes.items()}, [], tracks, bin_size_bp,
                      str(next(iter(targets.values())).dtype))
    return Path(store_dir)


class SequenceSource(Protocol):
    """What prediction and interpretation read sequence from: a ``GenomeStore``, or an indexed FASTA through
    ``FastaSource`` (``sequence_source`` picks)."""

    sizes: dict[str, int]

    def codes(self, chrom: str, start0: int, end: int) -> np.ndarray: ...


class FastaSource:
    """An indexed FASTA (``io.fasta.Genome``) as a SequenceSource."""

    def __init__(self, genome: Genome) -> None:
        self.genome, self.sizes = genome, genome.sizes

    def codes(self, chrom: str, start0: int, end: int) -> np.ndarray:
        return encode(self.genome.fetch(chrom, start0, end))


def sequence_source(source: SequenceSource | Genome) -> SequenceSource:
    return FastaSource(source) if isinstance(source, Genome) else source


class GenomeStore:
    """Read access to a store: sequence codes and targets by genomic coordinates. Arrays open lazily, so a
    store object is cheap to pickle into DataLoader workers."""

    def __init__(self, store_dir: str | os.PathLike) -> None:
        self.root = Path(store_dir)
        try:
            index = json.loads((self.root / STORE_JSON).read_text())
        except (OSError, ValueError) as exc:
            raise InputFileError(str(self.root / STORE_JSON), f"cannot be read ({exc})",
                                 "rebuild the store (rerun the workflow)") from exc
        self.sizes: dict[str, int] = index["sizes"]
        self.bin_size_bp: int = index["bin_size_bp"]
        self.tracks = tuple(TrackSpec(**t) for t in index["tracks"])
        self._groups: dict[str, str] = index["groups"]
        self.missing_chromosomes: dict[str, list[str]] = index.get("missing_chromosomes", {})
        self._open: dict[tuple[str, str], np.ndarray] = {}

    def __getstate__(self) -> dict:
        return {**self.__dict__, "_open": {}}

    def _array(self, chrom: str, kind: str) -> np.ndarray:
        key = (chrom, kind)
        if key not in self._open:
            if chrom not in self._groups:
                raise KeyError(f"chromosome {chrom!r} is not in the store {self.root}")
            self._open[key] = np.load(self.root / self._groups[chrom] / f"{chrom}.{kind}.npy", mmap_mode="r")
        return self._open[key]

    def codes(self, chrom: str, start0: int, end: int) -> np.ndarray:
        """uint8 codes of [start0, end); positions outside the chromosome are N."""
        seq, size = self._array(chrom, "seq"), self.sizes[chrom]
        lo, hi = max(0, start0), min(end, size)
        if lo == start0 and hi == end:
            return np.array(seq[lo:hi])
        out = np.full(end - start0, N_CODE, dtype=np.uint8)
        if hi > lo:
            out[lo - start0:hi - start0] = seq[lo:hi]
        return out

    def targets(self, chrom: str, bin_start: int, bin_end: int) -> np.ndarray:
        """float32 targets (bins, tracks) of bins [bin_start, bin_end) of the chromosome."""
        return np.array(self._array(chrom, "targets")[bin_start:bin_end], dtype=np.float32)  # a writable copy
