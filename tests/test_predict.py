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


def test_chunked_prediction_equals_one_job(tmp_path, tiny_genome):
    """Any number of chunks gives bigWigs equal to one job's, read back by pyBigWig and pybbi."""
    from seq2track.predict.genome import chunk_of, gather_bigwigs, output_blocks, write_chunk

    model, genome, spec = _model(), Genome(tiny_genome), WindowSpec(4096, 4096, 128, 4)
    single = [tmp_path / "one" / "a.bw", tmp_path / "one" / "b.bw"]
    predict_to_bigwigs(model, genome, ["chrA", "chrB"], spec, single, torch.device("cpu"), batch_size=3)
    blocks = output_blocks(genome.sizes, ["chrB", "chrA"], spec)
    assert blocks[0] == ("chrA", 0) and blocks[-1][0] == "chrB"      # genome order, whatever was asked
    for n in (2, 5):
        parts = []
        for i in range(n):
            npy, tsv = tmp_path / f"c{n}_{i}.npy", tmp_path / f"c{n}_{i}.tsv"
            write_chunk(npy, tsv, model, genome, chunk_of(blocks, n, i), spec, torch.device("cpu"), batch_size=2)
            parts.append((str(npy), str(tsv)))
        assert sum(len(chunk_of(blocks, n, i)) for i in range(n)) == len(blocks)
        paths = [tmp_path / f"n{n}" / "a.bw", tmp_path / f"n{n}" / "b.bw"]
        gather_bigwigs(parts, genome.sizes, paths, 128, tracks_per_pass=1)
        for one, many in zip(single, paths):
            with pyBigWig.open(str(one)) as a, pyBigWig.open(str(many)) as b:
                for chrom, size in genome.sizes.items():    # the chromosome ends included
                    assert a.intervals(chrom) == b.intervals(chrom)
            with bbi.open(str(one)) as a, bbi.open(str(many)) as b:
                assert np.array_equal(a.fetch("chrB", 0, 30_000, bins=30), b.fetch("chrB", 0, 30_000, bins=30))


def test_gather_memory_does_not_grow_with_the_number_of_contigs(tmp_path):
    """Python-level peak memory of the gather (tracemalloc) for 2,000 contigs vs 200, same bases per contig."""
    import tracemalloc

    import pandas as pd

    from seq2track.predict.genome import gather_bigwigs

    def peak(n_contigs: int) -> int:
        sizes = {f"c{i}": 3000 for i in range(n_contigs)}
        values = np.random.default_rng(0).random((n_contigs, 24, 2), dtype=np.float32)
        np.save(tmp_path / f"{n_contigs}.npy", values)
        pd.DataFrame({"chrom": list(sizes), "start": 0}).to_csv(tmp_path / f"{n_contigs}.tsv", sep="\t", index=False)
        tracemalloc.start()
        gather_bigwigs([(str(tmp_path / f"{n_contigs}.npy"), str(tmp_path / f"{n_contigs}.tsv"))], sizes,
                       [tmp_path / f"{n_contigs}_a.bw", tmp_path / f"{n_contigs}_b.bw"], 128)
        used = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        with pyBigWig.open(str(tmp_path / f"{n_contigs}_b.bw")) as bw:
            assert len(bw.chroms()) == n_contigs and bw.values(f"c{n_contigs - 1}", 0, 1)[0] > 0
        return used

    small, large = peak(200), peak(2000)
    assert large < 1.5 * small + 2_000_000   # the chromosome list itself is the only part that grows


def test_predict_chromosomes_all_and_unknown():
    import pytest

    from seq2track.errors import ConfigError
    from seq2track.predict.model import resolve_chromosomes

    assert resolve_chromosomes("all", {"a": 1, "b": 2}) == ["a", "b"]
    with pytest.raises(ConfigError, match="chrZ"):
        resolve_chromosomes(["a", "chrZ"], {"a": 1})
