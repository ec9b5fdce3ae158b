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
    params:
        windows=config["windows"],
    log:
        f"{OUT}/logs/dataset.log",
    benchmark:
        f"{OUT}/benchmarks/dataset.tsv"
    resources:
        mem_mb=8000,
        runtime=60,
    conda:
        PY_ENV
    script:
        "../../scripts/dataset.py"
