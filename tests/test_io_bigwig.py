import bbi
import numpy as np
import pyBigWig
import pytest

from seq2track.errors import InputFileError
from seq2track.io.bigwig import BigWigReader, runs_from_values, write_bigwig_bins


def test_runs_round_trip_with_two_readers(tiny_bigwig):
    path, values = tiny_bigwig
    reader = BigWigReader(path)
    np.testing.assert_array_equal(reader.values("chrA", 0, 40_000), values["chrA"])
    np.testing.assert_array_equal(reader.values("chrB", 100, 200), values["chrB"][100:200])
    assert reader.values("chrZ", 0, 10).sum() == 0
    np.testing.assert_array_equal(reader.values("chrB", 29_990, 30_010)[:10], values["chrB"][-10:])
    reader.close()
    with bbi.open(str(path)) as f:  # UCSC's own C library through pybbi
        assert dict(f.chromsizes) == {"chrA": 40_000, "chrB": 30_000}
        np.testing.assert_allclose(f.fetch("chrA", 0, 40_000, bins=40_000), values["chrA"])


def test_runs_from_values_drops_zeros():
    starts, ends, vals = runs_from_values(np.array([0, 2, 2, 0, 5], dtype=np.float32), start0=10)
    assert starts.tolist() == [11, 14] and ends.tolist() == [13, 15] and vals.tolist() == [2, 5]


def test_binned_bigwig_clips_last_bin(tmp_path):
    path = tmp_path / "bins.bw"
    write_bigwig_bins(path, {"c": 1000}, [("c", 768, np.array([1.0, 2.0, 3.0]))], bin_size_bp=128)
    bw = pyBigWig.open(str(path))
    assert bw.intervals("c") == ((768, 896, 1.0), (896, 1000, 2.0))
    bw.close()


def test_not_a_bigwig(tmp_path):
    p = tmp_path / "x.bw"
    p.write_text("hello")
    with pytest.raises(InputFileError, match="bigWig"):
        BigWigReader(p)
