"""Checks of a browser bundle by the rules of each client: the IGV desktop session, the UCSC hub files
(required fields of the trackDb spec for the types used), and every data file opened by two readers."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import bbi
import py2bit
import pyBigWig
import pysam

from seq2track.browser.hub import parse_stanzas

TRACK_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
HUB_REQUIRED = {"hub", "shortLabel", "longLabel", "genomesFile", "email"}
ASSEMBLY_REQUIRED = {"genome", "trackDb", "twoBitPath", "organism", "defaultPos", "orderKey", "scientificName",
                     "description"}


def open_data_file(path: Path) -> str:
    """'bigwig' or 'bigbed' after opening ``path`` with pyBigWig and pybbi (both must agree)."""
    assert path.is_file(), path
    with pyBigWig.open(str(path)) as bw:
        kind = "bigwig" if bw.isBigWig() else "bigbed" if bw.isBigBed() else None
        chroms = bw.chroms()
    with bbi.open(str(path)) as f:
        assert f.chromsizes == chroms and f.is_bigwig == (kind == "bigwig") and f.is_bigbed == (kind == "bigbed")
    assert kind, path
    return kind


def check_igv_session(bundle: Path) -> ElementTree.Element:
    """Unique ids, every path relative to the session and an existing file of its kind; predicted and observed
    of one assay in one autoscale group; the genome a FASTA with .fai and .gzi (or an assembly id)."""
    root = ElementTree.parse(bundle / "igv_session.xml").getroot()
    genome = root.get("genome")
    if genome.endswith(".fa.gz"):
        for suffix in ("", ".fai", ".gzi"):
            assert (bundle / f"{genome}{suffix}").is_file(), genome + suffix
        pysam.FastaFile(str(bundle / genome)).close()
    resources = [r.get("path") for r in root.iter("Resource")]
    tracks = list(root.iter("Track"))
    ids = [t.get("id") for t in tracks]
    assert len(set(ids)) == len(ids) and len(set(resources)) == len(resources)
    assert set(ids) == set(resources)
    for path in resources:
        assert not Path(path).is_absolute()
        kind = open_data_file(bundle / path)
        assert kind == ("bigbed" if path.endswith(".bb") else "bigwig"), path
    groups = {t.get("id"): t.get("autoscaleGroup") for t in tracks}
    for path in resources:
        if path.startswith("predicted."):
            partner = path.replace("predicted.", "observed.", 1)
            assert groups[path] and groups[path] == groups[partner], path
    return root


def check_hub(bundle: Path, fasta: Path | None) -> list[dict[str, str]]:
    """hub.txt, genomes.txt and trackDb.txt by the spec; data files open; the .2bit equals the FASTA."""
    (hub,) = parse_stanzas((bundle / "hub.txt").read_text())
    assert HUB_REQUIRED <= set(hub), hub
    (genome,) = parse_stanzas((bundle / hub["genomesFile"]).read_text())
    if "twoBitPath" in genome:
        assert ASSEMBLY_REQUIRED <= set(genome), genome
        tb = py2bit.open(str(bundle / genome["twoBitPath"]), True)  # True: keep the soft mask
        fa = pysam.FastaFile(str(fasta))
        assert tb.chroms() == dict(zip(fa.references, fa.lengths))
        for chrom in fa.references:
            assert tb.sequence(chrom) == fa.fetch(chrom), chrom
        tb.close()
        fa.close()
        chrom, start, end = re.match(r"^(\w+):(\d+)-(\d+)$", genome["defaultPos"]).groups()
        assert int(start) < int(end)
    stanzas = parse_stanzas((bundle / genome["trackDb"]).read_text())
    names = [s["track"] for s in stanzas]
    assert len(set(names)) == len(names)
    containers = {s["track"] for s in stanzas if s.get("container") == "multiWig"}
    for s in stanzas:
        assert {"track", "shortLabel", "longLabel", "type"} <= set(s), s
        assert TRACK_NAME.match(s["track"]) and len(s["shortLabel"]) <= 17 and len(s["longLabel"]) <= 76, s
        if s["track"] in containers:
            assert s["type"] == "bigWig" and "bigDataUrl" not in s
            continue
        assert s.get("parent") in containers | {None}, s
        kind = open_data_file(bundle / s["bigDataUrl"])
        assert s["type"].split()[0].lower() == kind, s
        if kind == "bigbed":
            assert s["type"] == "bigBed 9 ." and s.get("itemRgb") == "on"
        assert re.match(r"^\d+,\d+,\d+$", s.get("color", "0,0,0"))
    return stanzas
