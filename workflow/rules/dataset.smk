# Binned targets per track-sheet row and sequences, per split, stored for random access.


rule dataset:
    input:
        fasta=f"{RES}/genome.fa.gz",
        fai=f"{RES}/genome.fa.gz.fai",
        windows=f"{OUT}/windows/all.bed",
        sheet=config["tracks"],
        tracks=expand(f"{RES}/tracks/{{track}}.bw", track=TRACKS),
    output:
        arrays=dataset_arrays(),
        meta=f"{OUT}/dataset/meta.json",
    log:
        f"{OUT}/logs/dataset.log",
    benchmark:
        f"{OUT}/benchmarks/dataset.tsv"
    conda:
        PY_ENV
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        windows=config["windows"],
    script:
        "../../scripts/dataset.py"
