"""Annotations: GENCODE GTF -> TSS BED, EPCrisprBenchmark checks, blacklist BED, chromosome aliases."""

import gzip

import pandas as pd
import pytest

from seq2track.errors import InputFileError
from seq2track.io.annotations import prepare_bed, prepare_enhancers, prepare_tss
from seq2track.io.chroms import ChromNames
from seq2track.io.tables import read_bed, read_enhancer_pairs, read_tss

SIZES = {"chr1": 100_000, "chr2": 50_000}
HEADER = "chrom\tchromStart\tchromEnd\tname\tchrTSS\tstartTSS\tendTSS\tmeasuredGeneSymbol\tRegulated\tdistanceToTSS\n"


def _gtf_line(chrom, feature, start1, end, strand, attrs):
    return "\t".join([chrom, "HAVANA", feature, str(start1), str(end), ".", strand, ".", attrs]) + "\n"


def test_tss_from_gencode_gtf(tmp_path):
    raw = tmp_path / "gencode.basic.annotation.gtf.gz"
    gene_a = 'gene_id "ENSG1.1"; gene_type "protein_coding"; gene_name "GATA1";'
    gene_b = 'gene_id "ENSG2.1"; gene_type "lncRNA"; gene_name "LNC1";'
    gene_c = 'gene_id "ENSG3.1"; gene_type "protein_coding"; gene_name "MYC";'
    with gzip.open(raw, "wt") as fh:
        fh.write("##description: test\n")
        fh.write(_gtf_line("1", "gene", 1001, 5000, "+", gene_a))
        fh.write(_gtf_line("1", "transcript", 1001, 5000, "+", gene_a + ' tag "basic";'))
        fh.write(_gtf_line("1", "transcript", 1201, 5000, "+", gene_a + ' tag "basic"; tag "Ensembl_canonical";'))
        fh.write(_gtf_line("1", "exon", 1201, 1300, "+", gene_a))
        fh.write(_gtf_line("2", "gene", 2001, 9000, "-", gene_b))
        fh.write(_gtf_line("2", "gene", 10001, 20000, "-", gene_c))
        attrs = 'gene_id "ENSG4.1"; gene_type "protein_coding"; gene_name "X";'
        fh.write(_gtf_line("KI270728.1", "gene", 1, 20, "+", attrs))
    out = tmp_path / "tss.bed"
    df = prepare_tss(raw, out, SIZES, ChromNames.from_config("ensembl_to_ucsc"))
    bed = read_tss(out)  # BED6 + the Ensembl gene id (pairs are matched to genes by it: issue 12 item 10)
    assert bed.values.tolist() == df.values.tolist()
    assert bed.values.tolist() == [["chr1", 1200, 1201, "GATA1", 0, "+", "ENSG1.1"],  # canonical transcript's 5' end
                                   ["chr2", 8999, 9000, "LNC1", 0, "-", "ENSG2.1"],   # minus strand: the end
                                   ["chr2", 19999, 20000, "MYC", 0, "-", "ENSG3.1"]]  # scaffold gene dropped
    assert read_bed(out, min_columns=6).shape[1] == 6  # plain BED readers see BED6
    only_coding = prepare_tss(raw, tmp_path / "pc.bed", SIZES, ChromNames("ensembl_to_ucsc"),
                              gene_types=["protein_coding"])
    assert only_coding["name"].tolist() == ["GATA1", "MYC"]


def _pairs(tmp_path, rows, gz=True):
    raw = tmp_path / ("pairs.tsv.gz" if gz else "pairs.tsv")
    text = HEADER + "".join("\t".join(map(str, r)) + "\n" for r in rows)
    if gz:
        with gzip.open(raw, "wt") as fh:
            fh.write(text)
    else:
        raw.write_text(text)
    return raw


def test_epcrispr_gz_is_parsed_and_renamed(tmp_path):
    raw = _pairs(tmp_path, [("1", 1000, 1500, "e1", "1", 5000, 5001, "G", "TRUE", 3750),
                            ("2", 200, 400, "e2", "2", 9000, 9001, "H", "FALSE", 8700)])
    out = tmp_path / "enhancers.tsv"
    prepare_enhancers(raw, out, SIZES, ChromNames("ensembl_to_ucsc"))
    df = read_enhancer_pairs(out)
    assert df["chrom"].tolist() == ["chr1", "chr2"] and df["chrTSS"].tolist() == ["chr1", "chr2"]
    assert df["Regulated"].tolist() == [True, False]


@pytest.mark.parametrize("row, problem", [
    (("chr1", 1500, 1000, "e", "chr1", 5000, 5001, "G", "TRUE", 1), "line 3: chromEnd < chromStart"),
    (("chr7", 100, 200, "e", "chr1", 5000, 5001, "G", "TRUE", 1), "line 3: chromosome 'chr7' is not in the genome"),
    (("chr1", 100, 200, "e", "chrQ", 5000, 5001, "G", "TRUE", 1), "line 3: chromosome 'chrQ'"),
    (("chr2", 49_990, 50_500, "e", "chr2", 5000, 5001, "G", "TRUE", 1), "line 3: interval chr2:49990-50500"),
])
def test_bad_enhancer_rows_name_file_and_line(tmp_path, row, problem):
    good = ("chr1", 10, 20, "ok", "chr1", 500, 501, "G", "FALSE", 485)
    raw = _pairs(tmp_path, [good, row], gz=False)
    out = tmp_path / "enhancers.tsv"
    with pytest.raises(InputFileError, match=problem) as err:
        prepare_enhancers(raw, out, SIZES, ChromNames())
    assert str(raw) in str(err.value)
    assert not out.exists()


def test_blacklist_bed_gz_with_extra_contigs(tmp_path):
    raw = tmp_path / "hg38-blacklist.v2.bed.gz"
    with gzip.open(raw, "wt") as fh:
        fh.write("chr1\t100\t200\tHigh Signal Region\nchrUn_KI270733v1\t0\t10\tx\nchr2\t0\t50\tLow Mappability\n")
    out = tmp_path / "blacklist.bed"
    prepare_bed(raw, out, SIZES, ChromNames.from_config(None))
    assert pd.read_csv(out, sep="\t", header=None)[0].tolist() == ["chr1", "chr2"]
    with pytest.raises(InputFileError, match="line 2: chromosome 'chrUn_KI270733v1'"):
        prepare_bed(raw, tmp_path / "strict.bed", SIZES, ChromNames.from_config(None, ""))
