# The genome store, built once per (genome, track sheet, bin size) and scattered over chromosome groups;
# then the run's dataset: window rows per split over it.


rule store_group:
    input:
        fasta=f"{RES}/genome.fa.gz",
        fai=f"{RES}/genome.fa.gz.fai",
        sheet=config["tracks"],
        tracks=expand(f"{RES}/tracks/{{track}}.bw", track=TRACKS),
    output:
        directory(f"{STORE}/groups/{{group}}"),
    log:
        f"{STORE}/logs/group_{{group}}.log",
    benchmark:
        f"{STORE}/benchmarks/group_{{group}}.tsv"
    conda:
        PY_ENV
    resources:
        mem_mb=2000,  # streamed chunk by chunk: peak RSS does not grow with the genome (bench/data_speed.py)
        runtime=120,
    params:
        n_groups=config["dataset"]["store_jobs"],
        bin_size_bp=config["windows"]["bin_size_bp"],
        target_dtype=config["dataset"]["target_dtype"],
    script:
        "../../scripts/store_group.py"


rule store:
    input:
        groups=store_groups(),
        fai=f"{RES}/genome.fa.gz.fai",
        sheet=config["tracks"],
        tracks=expand(f"{RES}/tracks/{{track}}.bw", track=TRACKS),
    output:
        f"{STORE}/store.json",
    log:
        f"{STORE}/logs/store.log",
    conda:
        PY_ENV
    params:
        bin_size_bp=config["windows"]["bin_size_bp"],
        target_dtype=config["dataset"]["target_dtype"],
    script:
        "../../scripts/store.py"


rule dataset:
    input:
        store=f"{STORE}/store.json",
        windows=f"{OUT}/windows/all.bed",
        sheet=config["tracks"],
    output:
        splits=expand(f"{OUT}/dataset/{{split}}.windows.bed", split=SPLITS),
        meta=f"{OUT}/dataset/meta.json",
    log:
        f"{OUT}/logs/dataset.log",
    conda:
        PY_ENV
    params:
        windows=config["windows"],
    script:
        "../../scripts/dataset.py"
