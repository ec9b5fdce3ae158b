import gzip

import pysam
import pytest

from seq2track.errors import InputFileError
from seq2track.io.fasta import Genome, read_chrom_sizes, prepare_genome


def test_prepare_genome_bgzips_indexes_and_keeps_chromosomes(tmp_path, tiny_fasta_gz):
    out = tmp_path / "g" / "genome.fa.gz"
    sizes = prepare_genome(tiny_fasta_gz, out, keep=["chrB"])
    assert sizes == {"chrB": 30_000}
    assert out.with_name("genome.fa.gz.fai").exists() and out.with_name("genome.fa.gz.gzi").exists()
    assert read_chrom_sizes(f"{out}.fai") == {"chrB": 30_000}
    with pysam.FastaFile(str(out)) as fa:  # bgzip random access through pysam
        assert list(fa.references) == ["chrB"]
    with gzip.open(tiny_fasta_gz, "rt") as fh:
        original = fh.read().split(">chrB\n")[1].strip()
    g = Genome(out)
    assert g.fetch("chrB", 9_990, 10_010) == original[9_990:10_010].upper()
    assert g.fetch("chrB", -5, 5) == "N" * 5 + original[:5]       # padded outside the contig
    assert list(tmp_path.joinpath("g").iterdir()).__len__() == 3  # no temporary files left


@pytest.mark.parametrize("text, problem", [
    (">a\nACGT\n>a\nACGT\n", "duplicate sequence name 'a'"),
    (">a\nAC1T\n", "invalid characters"),
    (">a\n\n>b\nACGT\n", "record 'a' is empty"),
])
def test_bad_fasta_gives_clear_error_and_no_output(tmp_path, text, problem):
    src = tmp_path / "bad.fa"
    src.write_text(text)
    out = tmp_path / "out" / "genome.fa.gz"
    with pytest.raises(InputFileError, match=problem) as err:
        prepare_genome(src, out)
    assert str(src) in str(err.value)
    assert not out.exists()


def test_missing_requested_chromosome(tmp_path, tiny_fasta_gz):
    with pytest.raises(InputFileError, match=r"\['chrZ'\].*absent"):
        prepare_genome(tiny_fasta_gz, tmp_path / "x.fa.gz", keep=["chrA", "chrZ"])


def test_ensembl_names_map_to_ucsc_and_unmapped_names_are_listed(tmp_path):
    from seq2track.io.chroms import ChromNames

    src = tmp_path / "ensembl.fa"
    src.write_text(">1 dna:chromosome\nACGTACGT\n>MT\nACG\n>KI270728.1\nAC\n")
    all_sizes: dict[str, int] = {}
    out = tmp_path / "g.fa.gz"
    sizes = prepare_genome(src, out, keep=["chr1", "chrM"], rename=ChromNames("ensembl_to_ucsc"), all_sizes=all_sizes)
    assert sizes == {"chr1": 8, "chrM": 3}
    assert all_sizes == {"chr1": 8, "chrM": 3, "KI270728.1": 2}
    assert Genome(out).fetch("chr1", 0, 4) == "ACGT"
    with pytest.raises(InputFileError, match=r"\['chr1'\] requested .* absent \(the FASTA has \['1', 'MT'") as err:
        prepare_genome(src, tmp_path / "h.fa.gz", keep=["chr1"])
    assert "chrom_aliases" in str(err.value)


@pytest.mark.parametrize("content, message", [
    (b"<!DOCTYPE html><html><body>404 Not Found</body></html>", "is an HTML page, not a FASTA"),
    (bytes(range(256)) * 8, "cannot be read as a FASTA|invalid characters|not a FASTA"),
    (None, "cannot be read as a FASTA"),                        # a truncated gzip
])
def test_bad_fasta_bytes_name_the_users_source_in_one_line(tmp_path, content, message):
    """Issue 12 item 8: random bytes, a truncated gzip or an HTML page; the error names the URL, not the copy."""
    import gzip

    from seq2track.io.download import named_as_source
    from seq2track.io.fasta import prepare_genome

    raw = tmp_path / ".source.fa.download"
    if content is None:
        full = gzip.compress(b">chr1\n" + b"ACGT" * 50_000 + b"\n")
        raw.write_bytes(full[: len(full) // 2])
    else:
        raw.write_bytes(content)
    url = "https://example.org/genome.fa.gz"
    with pytest.raises(InputFileError) as info:
        with named_as_source(raw, url, "FASTA"):
            prepare_genome(raw, tmp_path / "out" / "genome.fa.gz")
    text = str(info.value)
    assert text.startswith(url) and ".source.fa.download" not in text and "\n" not in text
    assert __import__("re").search(message, text), text
    assert not (tmp_path / "out" / "genome.fa.gz").exists()
