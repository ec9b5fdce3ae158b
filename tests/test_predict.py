"""Prediction to bigWig, read back by pyBigWig and pybbi; reverse-complement averaging."""

import bbi
import numpy as np
import pyBigWig
import torch

from seq2track.data.encoding import encode, reverse_complement_codes
from seq2track.data.windows import WindowSpec
from seq2track.io.fasta import Genome
from seq2track.model import Seq2Track, model_config_from
from seq2track.predict import predict_regions, predict_to_bigwigs, predict_windows


def _model(num_tracks=2, crop_bins=4):
    torch.manual_seed(0)
    return Seq2Track(model_config_from("tiny", num_tracks=num_tracks, crop_bins=crop_bins)).eval()


def test_rc_average_is_strand_symmetric():
    model = _model()
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 4, size=(1, 4096)).astype(np.uint8)
    fwd = predict_windows(model, codes, torch.device("cpu"), rc_average=True)
    rev = predict_windows(model, reverse_complement_codes(codes), torch.device("cpu"), rc_average=True)
    np.testing.assert_allclose(fwd[0], rev[0][::-1], rtol=1e-4, atol=1e-6)


def test_predicted_bigwigs_are_valid(tmp_path, tiny_genome):
    model = _model()
    genome = Genome(tiny_genome)
    spec = WindowSpec(4096, 4096, 128, 4)
    paths = [tmp_path / "pred" / "a.bw", tmp_path / "pred" / "b.bw"]
    predict_to_bigwigs(model, genome, ["chrB", "chrA"], spec, paths, torch.device("cpu"), batch_size=3)
    blocks = {(c, s): p for c, s, p in predict_regions(model, genome, ["chrA"], spec, torch.device("cpu"))}
    for t, path in enumerate(paths):
        bw = pyBigWig.open(str(path))
        assert bw.chroms() == {"chrA": 40_000, "chrB": 30_000}      # header from the genome
        for chrom, size in bw.chroms().items():
            iv = bw.intervals(chrom)
            starts = np.array([i[0] for i in iv])
            ends = np.array([i[1] for i in iv])
            assert (np.diff(starts) > 0).all() and (starts[1:] >= ends[:-1]).all()   # sorted, no overlaps
            assert ((ends - starts == 128) | (ends == size)).all() and (starts % 128 == 0).all()
            assert ends[-1] == size
        # values equal the model's output for the block that starts at 0 on chrA
        np.testing.assert_allclose(bw.values("chrA", 0, 3 * 128)[::128], blocks[("chrA", 0)][:3, t], rtol=1e-5)
        bw.close()
        with bbi.open(str(path)) as f:
            assert f.is_bigwig and dict(f.chromsizes)["chrB"] == 30_000
            assert np.isfinite(f.fetch("chrA", 0, 40_000, bins=100)).all()


def test_all_n_blocks_are_skipped(tmp_path):
    from seq2track.io.fasta import prepare_genome

    src = tmp_path / "n.fa"
    src.write_text(">c\n" + "N" * 20_000 + "ACGT" * 2_500 + "\n")
    fa = tmp_path / "g.fa.gz"
    prepare_genome(src, fa)
    spec = WindowSpec(4096, 4096, 128, 4)
    starts = [s for _, s, _ in predict_regions(_model(), Genome(fa), ["c"], spec, torch.device("cpu"))]
    assert 0 not in starts and max(starts) + 24 * 128 >= 30_000
    assert encode("N").tolist() == [4]
