"""What goes into a bundle: one record per browser track, with a unique file name, label and colour."""

from __future__ import annotations

import re
from dataclasses import dataclass

ROLES = ("predicted", "observed", "source", "interpretation", "annotation")


@dataclass(frozen=True)
class BrowserTrack:
    """One track of the bundle. ``file`` is relative to the bundle folder and unique (browsers key tracks by
    file name); ``group`` links tracks that share an autoscale group / hub container (one assay)."""

    key: str           # unique id, letters, digits and _ (UCSC track names follow the same rule)
    file: str
    name: str          # short label
    description: str   # long label
    role: str
    color: str         # "R,G,B"
    group: str | None = None

    @property
    def is_annotation(self) -> bool:
        return self.file.endswith(".bb")


def track_key(text: str) -> str:
    """A UCSC-safe track name: letters, digits and _, starting with a letter."""
    key = re.sub(r"[^A-Za-z0-9_]", "_", text)
    return key if key[:1].isalpha() else f"t_{key}"


def tint(color: str, towards: int = 175, amount: float = 0.55) -> str:
    """``color`` moved ``amount`` of the way to grey ``towards``: the observed partner of a predicted track."""
    rgb = [int(v) for v in color.split(",")]
    return ",".join(str(round(v + amount * (towards - v))) for v in rgb)


def _long(desc: str, what: str) -> str:
    """``desc: what`` when it fits UCSC's 76 characters, else ``what`` alone."""
    text = f"{desc}: {what}"
    return text if len(text) <= 76 else what


def plan_tracks(track_ids: list[str], colors: list[str], descriptions: list[str], bin_size_bp: int,
                interpretation: list[str], with_source: bool) -> list[BrowserTrack]:
    """Tracks in display order: per assay predicted then observed (same scale), optionally the source bigWig,
    then the interpretation tracks and the annotations (TSSs, tested enhancer-gene pairs)."""
    out = []
    for tid, color, desc in zip(track_ids, colors, descriptions):
        key = track_key(tid)
        out.append(BrowserTrack(f"{key}_predicted", f"predicted.{tid}.bw", f"{tid} predicted",
                                _long(desc, f"{tid} predicted, {bin_size_bp} bp bins"), "predicted", color, key))
        out.append(BrowserTrack(f"{key}_observed", f"observed.{tid}.bw", f"{tid} observed",
                                _long(desc, f"{tid} observed, {bin_size_bp} bp bins as in training"), "observed",
                                tint(color), key))
        if with_source:
            out.append(BrowserTrack(f"{key}_source", f"source.{tid}.bw", f"{tid} source",
                                    _long(desc, f"{tid} source bigWig as downloaded (per base)"), "source",
                                    tint(color, amount=0.75)))
    for name in interpretation:
        label = name.replace("_", " ")
        out.append(BrowserTrack(track_key(name), f"interpretation.{name}.bw", label,
                                f"{label} of the nearest test TSS (model interpretation)", "interpretation",
                                "90,90,90"))
    out.append(BrowserTrack("tss", "tss.bb", "TSS", "gene transcription start sites", "annotation", "0,0,0"))
    out.append(BrowserTrack("enhancers", "enhancers.bb", "enhancer pairs",
                            "tested enhancer-gene pairs (red: regulated)", "annotation", "200,0,0"))
    return out
