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
