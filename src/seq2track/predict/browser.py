"""Browser files for the predictions: an IGV desktop/igv.js session XML."""

from __future__ import annotations

import os
from pathlib import Path
from xml.sax.saxutils import quoteattr

from seq2track.io.atomic import write_text_atomic

FEATURE_SUFFIXES = (".bed", ".bed.gz")  # annotation tracks; everything else is a bigWig data track


def _track(name: str, path: str, color: str) -> str:
    common = f"attributeKey={quoteattr(name)} color={quoteattr(color)} id={quoteattr(path)} name={quoteattr(name)}"
    if path.endswith(FEATURE_SUFFIXES):
        return f'    <Track {common} clazz="org.broad.igv.track.FeatureTrack" displayMode="COLLAPSED" visible="true"/>'
    return (f'    <Track {common} autoScale="true" clazz="org.broad.igv.track.DataSourceTrack" renderer="BAR_CHART" '
            f'visible="true"/>')


def igv_session(fasta: str, tracks: list[tuple[str, str, str]], locus: str) -> str:
    """IGV session XML: genome FASTA and (name, path, 'R,G,B') tracks, bigWig or BED; paths as given."""
    resources = "\n".join(f"    <Resource path={quoteattr(p)}/>" for _, p, _ in tracks)
    panel = "\n".join(_track(n, p, c) for n, p, c in tracks)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            f'<Session genome={quoteattr(fasta)} locus={quoteattr(locus)} version="8">\n'
            f"  <Resources>\n{resources}\n  </Resources>\n"
            f'  <Panel name="DataPanel">\n{panel}\n  </Panel>\n</Session>\n')


def write_igv_session(path: str | os.PathLike, fasta: str, tracks: list[tuple[str, str, str]], locus: str) -> None:
    """Write the session with paths relative to the session file, so the folder can be moved."""
    base = Path(path).resolve().parent
    rel = lambda p: os.path.relpath(Path(p).resolve(), base)  # noqa: E731
    write_text_atomic(path, igv_session(rel(fasta), [(n, rel(p), c) for n, p, c in tracks], locus))
