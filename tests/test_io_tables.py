import gzip

import pandas as pd
import pytest

from seq2track.errors import InputFileError
from seq2track.io.tables import EPCRISPR_COLUMNS, read_bed, read_enhancer_pairs, read_track_sheet
from conftest import REPO


def test_demo_track_sheet_reads(tmp_path):
    sheet = read_track_sheet(REPO / "config" / "tracks.tsv")
    assert sheet["id"].tolist() == ["dnase", "h3k27ac", "cage"]
    assert sheet["clip_soft"].tolist()[:2] == [32, 32] and (sheet["clip"] == 2000).all()
    assert pd.isna(sheet["clip_soft"].iloc[2])   # CAGE-like: no soft clip (README: training recipe)
    raw = pd.read_csv(REPO / "config" / "tracks.tsv", sep="\t", keep_default_na=False)
    raw.assign(clip_soft="").to_csv(tmp_path / "s.tsv", sep="\t", index=False)
    assert read_track_sheet(tmp_path / "s.tsv")["clip_soft"].isna().all()   # empty means 'off'


def test_track_sheet_errors(tmp_path):
    sheet = pd.read_csv(REPO / "config" / "tracks.tsv", sep="\t", keep_default_na=False)
    bad = tmp_path / "bad.tsv"
    sheet.assign(sum_stat="max").to_csv(bad, sep="\t", index=False)
    with pytest.raises(InputFileError, match="sum_stat"):
        read_track_sheet(bad)
    sheet.drop(columns="scale").to_csv(bad, sep="\t", index=False)
    with pytest.raises(InputFileError, match=r"missing columns \['scale'\]"):
        read_track_sheet(bad)
    # issue 12: Basenji's targets.txt, an empty file, a header without rows, duplicate ids
    bad.write_text("index\tidentifier\tfile\tclip\tscale\tsum_stat\tdescription\n0\tENCFF1\tx.bw\t32\t2\tsum\tDNase\n")
    with pytest.raises(InputFileError, match="Basenji targets.txt.*identifier -> id"):
        read_track_sheet(bad)
    bad.write_text("")
    with pytest.raises(InputFileError, match="is empty"):
        read_track_sheet(bad)
    sheet.iloc[:0].to_csv(bad, sep="\t", index=False)
    with pytest.raises(InputFileError, match="has no tracks"):
        read_track_sheet(bad)
    pd.concat([sheet, sheet.iloc[:1]]).to_csv(bad, sep="\t", index=False)
    with pytest.raises(InputFileError, match="duplicate track ids"):
        read_track_sheet(bad)


def test_epcrispr_parser_on_handmade_gz(tmp_path):
    rows = [["chr1", 100, 400, "e1", "chr1", 5000, 5001, "G1", "TRUE", 4750],
            ["chr1", 9000, 9300, "e2", "chr1", 5000, 5001, "G1", "False", 4150]]
    path = tmp_path / "pairs.tsv.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("\t".join(EPCRISPR_COLUMNS + ["distanceToTSS", "EffectSize"]) + "\n")
        for r in rows:
            fh.write("\t".join(map(str, r + [-0.1])) + "\n")
    df = read_enhancer_pairs(path)
    assert df["Regulated"].tolist() == [True, False]
    assert df["chromStart"].tolist() == [100, 9000]


def test_epcrispr_distance_computed_when_absent(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("\t".join(EPCRISPR_COLUMNS) + "\n" + "chr1\t100\t400\te\tchr1\t5000\t5001\tG\tTRUE\n")
    assert read_enhancer_pairs(path)["distanceToTSS"].tolist() == [4750]


def test_epcrispr_end_before_start(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text("\t".join(EPCRISPR_COLUMNS) + "\n" + "chr1\t400\t100\te\tchr1\t1\t2\tG\tTRUE\n")
    with pytest.raises(InputFileError, match="line 2: chromEnd < chromStart"):
        read_enhancer_pairs(path)


def test_bed_end_before_start(tmp_path):
    path = tmp_path / "x.bed"
    path.write_text("chr1\t10\t20\nchr1\t50\t40\n")
    with pytest.raises(InputFileError, match="line 2: end < start"):
        read_bed(path)
