"""A UCSC track hub (hub.txt, genomes.txt, trackDb.txt; https://genome.ucsc.edu/goldenPath/help/hgTrackHubHelp.html).

For a standard assembly (``genome_id``, e.g. hg38) the hub adds tracks to UCSC's own assembly; for a custom
genome it is an assembly hub over our .2bit. Per assay, predicted and observed share one multiWig container
(overlaid, one scale). All paths are relative to the hub folder, so it works wherever the folder is hosted.
"""

from __future__ import annotations

from seq2track.browser.layout import BrowserTrack

SHORT_LABEL_MAX, LONG_LABEL_MAX = 17, 76  # UCSC's limits (trackDb spec)
TWOBIT, CHROM_SIZES = "genome.2bit", "chrom.sizes"


def _stanza(fields: dict[str, str], indent: str = "") -> str:
    return "".join(f"{indent}{k} {v}\n" for k, v in fields.items())


def _labels(short: str, long: str) -> dict[str, str]:
    return {"shortLabel": short[:SHORT_LABEL_MAX], "longLabel": long[:LONG_LABEL_MAX]}


def hub_txt(run: str, email: str) -> str:
    return _stanza({"hub": f"seq2track_{run}", **_labels(f"seq2track {run}", f"seq2track run {run}: predicted "
                                                         "and observed tracks, model interpretation"),
                    "genomesFile": "genomes.txt", "email": email})


def genomes_txt(genome_id: str | None, genome_name: str, locus: str) -> str:
    if genome_id:
        return _stanza({"genome": genome_id, "trackDb": "trackDb.txt"})
    return _stanza({"genome": genome_name, "trackDb": "trackDb.txt", "twoBitPath": TWOBIT,
                    "chromSizes": CHROM_SIZES, "organism": genome_name, "scientificName": genome_name,
                    "description": f"{genome_name} (custom genome of a seq2track run)", "defaultPos": locus,
                    "orderKey": "1"})


def _data_track(t: BrowserTrack, priority: int, **extra: str) -> dict[str, str]:
    kind = "bigBed 9 ." if t.is_annotation else "bigWig"
    fields = {"track": t.key, **_labels(t.name, t.description), "type": kind, "bigDataUrl": t.file,
              "color": t.color, "priority": str(priority)}
    if t.is_annotation:
        fields.update(itemRgb="on", visibility="pack")
    else:  # the source bigWigs start hidden: the default view is the tracks on one scale
        fields.update(visibility="hide" if t.role == "source" else "full", autoScale="on",
                      maxHeightPixels="100:50:11")
    fields.update(extra)
    return fields


def trackdb_txt(tracks: list[BrowserTrack]) -> str:
    stanzas, done = [], set()
    for i, t in enumerate(tracks, start=1):
        if t.group is None:
            stanzas.append(_stanza(_data_track(t, i)))
            continue
        if t.group in done:
            continue
        done.add(t.group)
        members = [m for m in tracks if m.group == t.group]
        names = " and ".join(m.role for m in members)
        stanzas.append(_stanza({"track": t.group, "container": "multiWig",
                                **_labels(t.group, f"{t.group}: {names}, overlaid on one scale"),
                                "type": "bigWig", "aggregate": "transparentOverlay", "showSubtrackColorOnUi": "on",
                                "visibility": "full", "autoScale": "on", "alwaysZero": "on",
                                "maxHeightPixels": "100:60:11", "priority": str(i)}))
        for m in members:
            fields = _data_track(m, i, parent=t.group)
            for key in ("visibility", "autoScale", "maxHeightPixels", "priority"):
                fields.pop(key)
            stanzas.append(_stanza(fields, indent="    "))
    return "\n".join(stanzas)


def parse_stanzas(text: str) -> list[dict[str, str]]:
    """Stanzas of a hub file (blank-line separated ``key value`` lines; leading whitespace ignored)."""
    stanzas, current = [], {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            if current:
                stanzas.append(current)
                current = {}
            continue
        key, _, value = line.partition(" ")
        current[key] = value.strip()
    if current:
        stanzas.append(current)
    return stanzas
