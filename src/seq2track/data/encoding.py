"""DNA as uint8 codes (A=0, C=1, G=2, T=3, other=4) and one-hot tensors."""

from __future__ import annotations

import numpy as np

N_CODE = 4
_LOOKUP = np.full(256, N_CODE, dtype=np.uint8)
for _i, _b in enumerate("ACGT"):
    _LOOKUP[ord(_b)] = _i
    _LOOKUP[ord(_b.lower())] = _i
_ONE_HOT = np.vstack([np.eye(4, dtype=np.float32), np.zeros((1, 4), dtype=np.float32)])  # N -> all zeros


def encode(seq: str) -> np.ndarray:
    """Sequence string -> uint8 codes of shape (L,)."""
    return _LOOKUP[np.frombuffer(seq.encode("ascii"), dtype=np.uint8)]


def decode(codes: np.ndarray) -> str:
    """uint8 codes -> sequence string (code 4 -> 'N')."""
    return np.array(list("ACGTN"))[np.asarray(codes)].tobytes().decode("ascii").replace("\x00", "")


def one_hot(codes: np.ndarray) -> np.ndarray:
    """Codes (..., L) -> float32 one-hot (..., L, 4); N is all zeros."""
    return _ONE_HOT[np.asarray(codes)]


def reverse_complement_codes(codes: np.ndarray) -> np.ndarray:
    """Reverse complement of codes along the last axis (A<->T, C<->G, N stays N)."""
    codes = np.asarray(codes)
    rc = np.where(codes < N_CODE, 3 - codes, codes).astype(np.uint8)
    return rc[..., ::-1].copy()


def n_fraction(codes: np.ndarray) -> float:
    """Fraction of positions that are not A/C/G/T."""
    return float(np.mean(np.asarray(codes) == N_CODE)) if len(codes) else 1.0
