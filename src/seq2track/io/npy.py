"""Write ``.npy`` files piece by piece (memory: one piece), atomically."""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np

from seq2track.io.atomic import atomic_path


def write_npy_stream(path: str | os.PathLike, dtype, shape: tuple[int, ...], pieces: Iterable[np.ndarray]) -> None:
    """Write an .npy of ``shape`` from row-major ``pieces`` with plain file writes (not a writable memmap,
    whose dirty pages would count as resident memory); fails if the pieces do not fill ``shape``."""
    with atomic_path(path, suffix=".npy") as tmp, open(tmp, "wb") as fh:
        header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False, "shape": shape}
        np.lib.format.write_array_header_1_0(fh, header)
        written = 0
        for piece in pieces:
            piece = np.ascontiguousarray(piece, dtype=dtype)
            fh.write(piece.tobytes())
            written += piece.size
        if written != int(np.prod(shape)):
            raise RuntimeError(f"{path}: wrote {written} values for shape {shape}")
