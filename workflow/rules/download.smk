# Fetch every source named in config (URL or local path), verify checksums, prepare the genome.


rule download_genome:
    input:
        local_input(config["genome"]["fasta"]["source"]),
    output:
        fasta=f"{RES}/genome.fa.gz",
        fai=f"{RES}/genome.fa.gz.fai",
        gzi=f"{RES}/genome.fa.gz.gzi",
        sizes=f"{RES}/chrom.sizes",
    params:
        url=remote_url(config["genome"]["fasta"]["source"]),
        sha256=config["genome"]["fasta"].get("sha256"),
        chromosomes=config["genome"].get("chromosomes"),
    log:
        f"logs/{GENOME}/download_genome.log",
    benchmark:
        f"benchmarks/{GENOME}/download_genome.tsv"
    resources:
        mem_mb=4000,
        runtime=120,
    conda:
        PY_ENV
    script:
        "../../scripts/download_genome.py"


rule download_track:
    input:
        source=lambda wc: local_input(TRACK_SHEET.loc[wc.track, "source"]),
        sizes=f"{RES}/chrom.sizes",
    output:
        f"{RES}/tracks/{{track}}.bw",
    params:
        url=lambda wc: remote_url(TRACK_SHEET.loc[wc.track, "source"]),
        sha256=lambda wc: TRACK_SHEET.loc[wc.track, "sha256"] or None,
    log:
        f"logs/{GENOME}/download_track_{{track}}.log",
    resources:
        mem_mb=2000,
        runtime=120,
    conda:
        PY_ENV
    script:
        "../../scripts/download_track.py"


rule download_annotation:
    input:
        lambda wc: local_input(annotation_source(wc)["source"]),
    output:
        f"{RES}/{{annotation}}",
    params:
        url=lambda wc: remote_url(annotation_source(wc)["source"]),
        sha256=lambda wc: annotation_source(wc).get("sha256"),
    log:
        f"logs/{GENOME}/download_{{annotation}}.log",
    conda:
        PY_ENV
    script:
        "../../scripts/download_annotation.py"
