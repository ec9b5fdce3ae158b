"""Write a UCSC .2bit file from an indexed FASTA (the assembly of a custom-genome track hub).

Format (https://genome.ucsc.edu/FAQ/FAQformat.html#format7): a 16-byte header (signature 0x1A412743,
version 0, sequence count, reserved), an index of (name, offset) and one record per sequence: size, N
blocks, soft-mask (lower-case) blocks, reserved, then 2 bits per base (T=0, C=1, A=2, G=3; first base in
the high bits; N stored as T and listed as an N block). All integers little-endian 32-bit, so the file
must stay below 4 GiB (hg38 packs to ~0.8 GiB).
"""

from __future__ import annotations

import os
import struct

import numpy as np
import pysam

from seq2track.io.atomic import atomic_path

SIGNATURE = 0x1A412743
CHUNK_BP = 4 * 1024 * 1024  # a multiple of 4, so chunks pack on byte boundaries
_BASE_BITS = np.zeros(256, dtype=np.uint8)
for _base, _bits in zip(b"TCAGtcag", (0, 1, 2, 3, 0, 1, 2, 3)):
    _BASE_BITS[_base] = _bits


def _runs(mask: np.ndarray, offset: int) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) of the True runs of ``mask``, shifted by ``offset``."""
    edges = np.diff(np.concatenate([[0], mask.view(np.int8), [0]]))
    return np.flatnonzero(edges == 1) + offset, np.flatnonzero(edges == -1) + offset


class _Blocks:
    """Runs collected chunk by chunk; a run that crosses a chunk boundary is joined."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []

    def add(self, starts: np.ndarray, ends: np.ndarray) -> None:
        for s, e in zip(starts.tolist(), ends.tolist()):
            if self.ends and self.ends[-1] == s:
                self.ends[-1] = e
            else:
                self.starts.append(s)
                self.ends.append(e)

    def pack(self) -> bytes:
        sizes = [e - s for s, e in zip(self.starts, self.ends)]
        n = len(self.starts)
        return struct.pack(f"<I{n}I{n}I", n, *self.starts, *sizes)


def _record(fasta: pysam.FastaFile, chrom: str, size: int) -> bytes:
    n_blocks, mask_blocks, packed = _Blocks(), _Blocks(), []
    for start in range(0, size, CHUNK_BP):
        raw = np.frombuffer(fasta.fetch(chrom, start, min(size, start + CHUNK_BP)).encode("ascii"), np.uint8)
        n_blocks.add(*_runs((raw == ord("N")) | (raw == ord("n")), start))
        mask_blocks.add(*_runs(raw >= ord("a"), start))
        bits = _BASE_BITS[raw]
        bits = np.concatenate([bits, np.zeros((-len(bits)) % 4, dtype=np.uint8)]).reshape(-1, 4)
        packed.append((bits[:, 0] << 6 | bits[:, 1] << 4 | bits[:, 2] << 2 | bits[:, 3]).astype(np.uint8).tobytes())
    return struct.pack("<I", size) + n_blocks.pack() + mask_blocks.pack() + struct.pack("<I", 0) + b"".join(packed)


def write_twobit(genome_fa: str | os.PathLike, out: str | os.PathLike) -> None:
    """Write every sequence of ``genome_fa`` (bgzipped + indexed) to ``out`` in FASTA index order."""
    fasta = pysam.FastaFile(str(genome_fa))  # not io.fasta.Genome: it upper-cases, and the mask is kept here
    try:
        names, sizes = list(fasta.references), dict(zip(fasta.references, fasta.lengths))
        index_size = sum(1 + len(n.encode()) + 4 for n in names)
        with atomic_path(out, suffix=".2bit") as tmp, open(tmp, "wb") as fh:
            fh.write(struct.pack("<4I", SIGNATURE, 0, len(names), 0))
            fh.write(b"\0" * index_size)  # filled in once the record offsets are known
            offsets = []
            for name in names:
                offsets.append(fh.tell())
                fh.write(_record(fasta, name, sizes[name]))
            if fh.tell() >= 2**32:
                raise ValueError(f"{out}: the genome packs to {fh.tell()} bytes, more than a version-0 .2bit holds")
            fh.seek(16)
            for name, offset in zip(names, offsets):
                fh.write(struct.pack("<B", len(name.encode())) + name.encode() + struct.pack("<I", offset))
    finally:
        fasta.close()
