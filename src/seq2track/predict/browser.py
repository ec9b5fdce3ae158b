"""Browser files for the predictions: an IGV desktop/igv.js session XML."""

from __future__ import annotations

import os
from pathlib import Path
from xml.sax.saxutils import quoteattr

from seq2track.io.atomic import write_text_atomic


def igv_session(fasta: str, tracks: list[tuple[str, str, str]], locus: str) -> str:
    """IGV session XML: genome FASTA and (name, bigWig path, 'R,G,B') tracks; paths as given."""
    resources = "\n".join(f"    <Resource path={quoteattr(p)}/>" for _, p, _ in tracks)
    panel = "\n".join(
        f"    <Track attributeKey={quoteattr(n)} autoScale=\"true\" clazz=\"org.broad.igv.track.DataSourceTrack\" "
        f"color={quoteattr(c)} id={quoteattr(p)} name={quoteattr(n)} renderer=\"BAR_CHART\" visible=\"true\"/>"
        for n, p, c in tracks)
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            f'<Session genome={quoteattr(fasta)} locus={quoteattr(locus)} version="8">\n'
            f"  <Resources>\n{resources}\n  </Resources>\n"
            f'  <Panel name="DataPanel">\n{panel}\n  </Panel>\n</Session>\n')


def write_igv_session(path: str | os.PathLike, fasta: str, tracks: list[tuple[str, str, str]], locus: str) -> None:
    """Write the session with paths relative to the session file, so the folder can be moved."""
    base = Path(path).resolve().parent
    rel = lambda p: os.path.relpath(Path(p).resolve(), base)  # noqa: E731
    write_text_atomic(path, igv_session(rel(fasta), [(n, rel(p), c) for n, p, c in tracks], locus))
