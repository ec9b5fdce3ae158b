"""One record of what a dataset (and a model trained on it) means: window geometry plus track identity.

``DataSpec`` is written into ``meta.json`` by the dataset rule and into every checkpoint, and read back
by training, evaluation, prediction and interpretation; nobody rebuilds geometry from config dicts.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from seq2track.data.windows import WindowSpec
from seq2track.errors import ConfigError, InputFileError

WINDOW_KEYS = ("length_bp", "stride_bp", "bin_size_bp", "crop_bins")


def window_from_dict(d: dict) -> WindowSpec:
    """A WindowSpec from a dict holding at least its four fields (a config ``windows`` section works)."""
    return WindowSpec(**{k: int(d[k]) for k in WINDOW_KEYS})


def window_to_dict(spec: WindowSpec) -> dict:
    return {k: getattr(spec, k) for k in WINDOW_KEYS}


@dataclass(frozen=True)
class TrackSpec:
    """A track's identity and the transform that made its targets (Basenji track-sheet semantics)."""

    id: str
    sum_stat: str = "sum"
    scale: float = 1.0
    clip_soft: float | None = None
    clip: float | None = None


def _number_or_none(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def tracks_from_sheet(sheet: pd.DataFrame) -> tuple[TrackSpec, ...]:
    """TrackSpecs in sheet order from a sheet read by ``io.tables.read_track_sheet``."""
    return tuple(TrackSpec(r.id, r.sum_stat, float(r.scale), _number_or_none(r.clip_soft), _number_or_none(r.clip))
                 for r in sheet.itertuples())


@dataclass(frozen=True)
class DataSpec:
    """Window geometry and tracks (in output order)."""

    window: WindowSpec
    tracks: tuple[TrackSpec, ...]

    @property
    def track_ids(self) -> list[str]:
        return [t.id for t in self.tracks]

    def to_dict(self) -> dict:
        return {"window": window_to_dict(self.window), "tracks": [asdict(t) for t in self.tracks]}

    @classmethod
    def from_dict(cls, d: dict) -> DataSpec:
        return cls(window_from_dict(d["window"]), tuple(TrackSpec(**t) for t in d["tracks"]))

    @classmethod
    def read(cls, meta_json: str | os.PathLike) -> DataSpec:
        """The spec stored in a dataset's ``meta.json``."""
        try:
            return cls.from_dict(json.loads(Path(meta_json).read_text()))
        except (OSError, KeyError, TypeError, ValueError) as exc:
            raise InputFileError(str(meta_json), f"holds no dataset spec ({exc})",
                                 "rebuild the dataset (delete it and rerun the workflow)") from exc

    def check_model(self, bin_size_bp: int, crop_bins: int, num_tracks: int) -> None:
        """Fail early when a model's geometry cannot produce this dataset's targets."""
        w = self.window
        if bin_size_bp != w.bin_size_bp:
            raise ConfigError("model.overrides", f"the model's bin size is {bin_size_bp} bp but the dataset's is "
                              f"{w.bin_size_bp} bp", "keep num_tower_blocks at 7 (128 bp bins)")
        if crop_bins != w.crop_bins:
            raise ConfigError("model.overrides", f"the model crops {crop_bins} bins per side, the dataset "
                              f"{w.crop_bins}", "set windows.crop_bins and the model's crop_bins alike")
        if num_tracks != len(self.tracks):
            raise ConfigError("tracks", f"the model has {num_tracks} output tracks, the dataset {len(self.tracks)}",
                              "train a model on this track sheet")
