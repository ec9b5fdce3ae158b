"""Tracks in every accepted format become one checked bigWig, read back by pyBigWig and pybbi."""

import gzip

import bbi
import numpy as np
import pyBigWig
import pytest

from seq2track.errors import InputFileError
from seq2track.io.bigwig import runs_from_values, write_bigwig_runs
from seq2track.io.chroms import ChromNames
from seq2track.io.tracks import detect_format, prepare_track

SIZES = {"chr1": 5000, "chr2": 3000}
SOURCE = {**SIZES, "chrX": 2000}  # the source FASTA had chrX; the prepared genome keeps chr1, chr2


def _both_readers(path, chrom, start, end):
    with pyBigWig.open(str(path)) as bw:
        a = np.nan_to_num(bw.values(chrom, start, end, numpy=True))
    with bbi.open(str(path)) as f:
        b = f.fetch(chrom, start, end, bins=end - start, missing=0.0)
    np.testing.assert_allclose(a, b)
    return a


@pytest.mark.parametrize("name, declared, fmt", [
    ("x.bw", "", "bigwig"), ("x.bigWig", "", "bigwig"), ("x.bedGraph.gz", "", "bedgraph"), ("x.bg", "", "bedgraph"),
    ("K562.CNhs12334.hg38.nobarcode.ctss.bed.gz", "", "ctss"), ("x.txt", "bedgraph", "bedgraph"),
])
def test_detect_format(name, declared, fmt):
    assert detect_format(name, declared) == fmt


def test_unknown_format_is_a_clear_error():
    with pytest.raises(InputFileError, match="set the track sheet column 'format'"):
        detect_format("https://x/y/track.dat")


def test_bedgraph_gz_with_header_and_ensembl_names(tmp_path):
    raw = tmp_path / "t.bedGraph.gz"
    with gzip.open(raw, "wt") as fh:
        fh.write("track type=bedGraph\n2\t10\t20\t1.5\n1\t100\t110\t2.0\n1\t0\t5\t4.0\nchrEBV\t0\t9\t1\n")
    out = tmp_path / "t.bw"
    prepare_track(raw, out, "bedgraph", SOURCE, SIZES, ChromNames.from_config("ensembl_to_ucsc"))
    v1 = _both_readers(out, "chr1", 0, 120)
    assert v1[:5].tolist() == [4.0] * 5 and v1[5:100].sum() == 0 and v1[100:110].tolist() == [2.0] * 10
    assert _both_readers(out, "chr2", 0, 30)[10:20].tolist() == [1.5] * 10
    with pyBigWig.open(str(out)) as bw:
        assert bw.chroms() == SIZES  # header = the prepared genome; chrEBV data dropped


def test_ctss_sums_strands_per_position(tmp_path):
    raw = tmp_path / "k562.ctss.bed"
    raw.write_text("chr1\t50\t51\tchr1:50..51,+\t3\t+\nchr1\t50\t51\tchr1:50..51,-\t2\t-\n"
                   "chr1\t10\t11\tchr1:10..11,-\t1\t-\nchr2\t7\t8\tchr2:7..8,+\t4\t+\n")
    out = tmp_path / "cage.bw"
    prepare_track(raw, out, "ctss", SOURCE, SIZES)
    v = _both_readers(out, "chr1", 0, 60)
    assert v[50] == 5 and v[10] == 1 and v.sum() == 6
    assert _both_readers(out, "chr2", 0, 10)[7] == 4


def test_bigwig_kept_as_is_or_renamed(tmp_path, tiny_bigwig):
    path, values = tiny_bigwig  # chrA 40 kb, chrB 30 kb
    source = {"chrA": 40_000, "chrB": 30_000}
    out = tmp_path / "same.bw"
    prepare_track(path, out, "bigwig", source, source)
    np.testing.assert_allclose(_both_readers(out, "chrA", 0, 40_000), values["chrA"])
    renamed = tmp_path / "renamed.bw"
    write_bigwig_runs(renamed, {"A": 40_000, "B": 30_000},
                      ((c[-1], *runs_from_values(v)) for c, v in values.items()))
    out2 = tmp_path / "mapped.bw"
    prepare_track(renamed, out2, "bigwig", source, {"chrB": 30_000}, ChromNames({"A": "chrA", "B": "chrB"}))
    with pyBigWig.open(str(out2)) as bw:
        assert bw.chroms() == {"chrB": 30_000}
    np.testing.assert_allclose(_both_readers(out2, "chrB", 0, 30_000), values["chrB"])


def test_bigwig_with_chromosomes_absent_from_genome(tmp_path, tiny_bigwig):
    path, _ = tiny_bigwig
    out = tmp_path / "x.bw"
    with pytest.raises(InputFileError, match=r"chromosomes \['chrA', 'chrB'\] are not in the genome") as err:
        prepare_track(path, out, "bigwig", SOURCE, SIZES)
    assert str(path) in str(err.value) and "chrom_aliases" in str(err.value)
    assert not out.exists()


def test_bigwig_length_mismatch(tmp_path, tiny_bigwig):
    path, _ = tiny_bigwig
    with pytest.raises(InputFileError, match="lengths differ"):
        prepare_track(path, tmp_path / "x.bw", "bigwig", {"chrA": 41_000, "chrB": 30_000}, {"chrA": 41_000})


@pytest.mark.parametrize("text, problem", [
    ("chr1\t0\t10\t1\nchr1\t5\t15\t2\n", "overlapping intervals on chr1 at 5"),
    ("chr1\t0\t10\t1\nchr1\t30\t20\t2\n", "line 2: end <= start"),
    ("chr1\t0\t10\t1\nchr9\t0\t10\t2\n", r"chromosomes \['chr9'\] are not in the genome"),
    ("chr2\t2990\t3010\t1\n", "run past its length 3000"),
    ("chr1\tzero\t10\t1\n", "cannot be parsed as bedgraph"),
])
def test_bad_bedgraph(tmp_path, text, problem):
    raw = tmp_path / "bad.bedGraph"
    raw.write_text(text)
    out = tmp_path / "bad.bw"
    with pytest.raises(InputFileError, match=problem) as err:
        prepare_track(raw, out, "bedgraph", SOURCE, SIZES)
    assert str(raw) in str(err.value) and "\n" not in str(err.value)
    assert list(tmp_path.iterdir()) == [raw]


def _bigwig_with_nan(path):
    bw = pyBigWig.open(str(path), "w")
    bw.addHeader(list(SIZES.items()))
    bw.addEntries(["chr1"] * 3, [0, 10, 20], ends=[10, 20, 30], values=[1.0, float("nan"), 2.0])
    bw.addEntries(["chr2"], [5], ends=[8], values=[float("nan")])
    bw.close()


@pytest.mark.parametrize("fmt", ["bigwig", "bedgraph"])
def test_nan_values_are_dropped_counted_and_logged(tmp_path, caplog, fmt):
    """Issue 12 item 3: NaN in a source used to become 0 silently (and a NaN bigWig went on into resources/)."""
    if fmt == "bigwig":
        raw = tmp_path / "nan.bw"
        _bigwig_with_nan(raw)
    else:
        raw = tmp_path / "nan.bedGraph"
        raw.write_text("chr1\t0\t10\t1\nchr1\t10\t20\tnan\nchr1\t20\t30\t2\nchr2\t5\t8\tNaN\n")
    out = tmp_path / "clean.bw"
    with caplog.at_level("WARNING"):
        prepare_track(raw, out, fmt, SOURCE, SIZES)
    assert "2 intervals (13 bp) on 2 chromosomes (chr1, chr2) hold NaN" in caplog.text and str(raw) in caplog.text
    with pyBigWig.open(str(out)) as bw:  # no NaN left in the prepared bigWig: the NaN intervals are gaps
        assert bw.intervals("chr1") == ((0, 10, 1.0), (20, 30, 2.0)) and bw.intervals("chr2") is None
    assert _both_readers(out, "chr1", 0, 30).tolist() == [1.0] * 10 + [0.0] * 10 + [2.0] * 10


def test_finite_bigwig_logs_nothing(tmp_path, caplog, tiny_bigwig):
    path, _ = tiny_bigwig
    with caplog.at_level("WARNING"):
        prepare_track(path, tmp_path / "x.bw", "bigwig", {"chrA": 40_000, "chrB": 30_000},
                      {"chrA": 40_000, "chrB": 30_000})
    assert "NaN" not in caplog.text


def test_infinite_value_is_an_error(tmp_path):
    raw = tmp_path / "inf.bedGraph"
    raw.write_text("chr1\t0\t10\t1\nchr1\t10\t20\tinf\n")
    with pytest.raises(InputFileError, match="infinite value on chr1 at 10.*must be finite"):
        prepare_track(raw, tmp_path / "x.bw", "bedgraph", SOURCE, SIZES)
    assert list(tmp_path.iterdir()) == [raw]
