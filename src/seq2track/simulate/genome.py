"""Background DNA with human-like composition: GC ~41% and CpG depletion; assembly gaps of N."""

from __future__ import annotations

import numpy as np

BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def background(length: int, rng: np.random.Generator, gc: float = 0.445, cpg_keep: float = 0.25) -> bytearray:
    """Random sequence of ``length`` bases; a fraction 1 - ``cpg_keep`` of CpGs is mutated to CpA.

    The mutation lowers GC slightly: ``gc`` = 0.445 gives a final GC of about 0.41.

    This mimics methylation-driven deamination, giving a CpG observed/expected near ``cpg_keep``.
    """
    at = (1 - gc) / 2
    seq = BASES[rng.choice(4, size=length, p=[at, gc / 2, gc / 2, at])].copy()
    cpg = np.flatnonzero((seq[:-1] == ord("C")) & (seq[1:] == ord("G")))
    mutate = cpg[rng.random(cpg.size) > cpg_keep]
    seq[mutate + 1] = ord("A")
    return bytearray(seq.tobytes())


def cpg_observed_expected(seq: bytes) -> float:
    """CpG observed/expected ratio (Gardiner-Garden & Frommer)."""
    s = np.frombuffer(bytes(seq), dtype=np.uint8)
    c, g = np.sum(s == ord("C")), np.sum(s == ord("G"))
    cg = np.sum((s[:-1] == ord("C")) & (s[1:] == ord("G")))
    return float(cg * len(s) / max(c * g, 1))


def gc_fraction(seq: bytes) -> float:
    s = np.frombuffer(bytes(seq), dtype=np.uint8)
    acgt = np.isin(s, BASES).sum()
    return float(np.isin(s, np.frombuffer(b"CG", dtype=np.uint8)).sum() / max(acgt, 1))
