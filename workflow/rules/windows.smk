# Tile windows, drop blacklisted and N-rich ones, split by chromosome.


rule windows:
    input:
        fasta=f"{RES}/genome.fa.gz",
        fai=f"{RES}/genome.fa.gz.fai",
        blacklist=f"{RES}/blacklist.bed",
    output:
        all=f"{OUT}/windows/all.bed",
        splits=expand(f"{OUT}/windows/{{split}}.bed", split=SPLITS),
        report=f"{OUT}/windows/split_report.tsv",
    log:
        f"{OUT}/logs/windows.log",
    conda:
        PY_ENV
    params:
        windows=config["windows"],
    script:
        "../../scripts/windows.py"


# predict.chromosomes checked against the genome before training starts: train takes this file as an
# ancient() input, so a bad name stops the run early while changing the list never retrains.
rule check_chromosomes:
    input:
        sizes=f"{RES}/chrom.sizes",
    output:
        f"{OUT}/windows/predict_chromosomes.txt",
    log:
        f"{OUT}/logs/check_chromosomes.log",
    localrule: True
    conda:
        PY_ENV
    params:
        predict=predict_chromosomes(),
    script:
        "../../scripts/check_chromosomes.py"
