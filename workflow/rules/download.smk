# Fetch every source named in config (URL or local path): streamed, retried, resumed, checksum-verified,
# renamed into place only when good; then prepared (bgzip + faidx, bigWig, checked tables).
# download.local: true runs them on the machine that runs Snakemake (a login node that reaches the internet)
# instead of submitting them to the cluster, whose compute nodes often cannot.


rule download_genome:
    input:
        local_input(config["genome"]["fasta"]["source"]),
    output:
        fasta=f"{RES}/genome.fa.gz",
        fai=f"{RES}/genome.fa.gz.fai",
        gzi=f"{RES}/genome.fa.gz.gzi",
        sizes=f"{RES}/chrom.sizes",
        source_sizes=f"{RES}/source.chrom.sizes",
    log:
        f"logs/{GENOME}/download_genome.log",
    benchmark:
        f"benchmarks/{GENOME}/download_genome.tsv"
    localrule: config["download"]["local"]
    conda:
        PY_ENV
    resources:
        mem_mb=4000,
        runtime=240,
    params:
        url=remote_url(config["genome"]["fasta"]["source"]),
        sha256=config["genome"]["fasta"].get("sha256"),
        md5=config["genome"]["fasta"].get("md5"),
        checksums_from=config["genome"]["fasta"].get("checksums_from"),
        chromosomes=config["genome"].get("chromosomes"),
        names=chrom_names(),
        download=retry_policy(),
    script:
        "../../scripts/download_genome.py"


rule download_track:
    input:
        source=lambda wc: local_input(TRACK_SHEET.loc[wc.track, "source"]),
        sizes=f"{RES}/chrom.sizes",
        source_sizes=f"{RES}/source.chrom.sizes",
    output:
        f"{RES}/tracks/{{track}}.bw",
    log:
        f"logs/{GENOME}/download_track_{{track}}.log",
    localrule: config["download"]["local"]
    conda:
        PY_ENV
    resources:
        mem_mb=8000,
        runtime=120,
    params:
        source=lambda wc: TRACK_SHEET.loc[wc.track, "source"],
        url=lambda wc: remote_url(TRACK_SHEET.loc[wc.track, "source"]),
        sha256=lambda wc: TRACK_SHEET.loc[wc.track, "sha256"] or None,
        md5=lambda wc: TRACK_SHEET.loc[wc.track, "md5"] or None,
        format=lambda wc: TRACK_SHEET.loc[wc.track, "format"],
        names=chrom_names(),
        download=retry_policy(),
    script:
        "../../scripts/download_track.py"


rule download_annotation:
    input:
        source=lambda wc: local_input(annotation_source(wc)["source"]),
        source_sizes=f"{RES}/source.chrom.sizes",
    output:
        f"{RES}/{{annotation}}",
    log:
        f"logs/{GENOME}/download_{{annotation}}.log",
    localrule: config["download"]["local"]
    conda:
        PY_ENV
    params:
        kind=lambda wc: ANNOTATIONS[wc.annotation],
        source=lambda wc: annotation_source(wc)["source"],
        url=lambda wc: remote_url(annotation_source(wc)["source"]),
        sha256=lambda wc: annotation_source(wc).get("sha256"),
        md5=lambda wc: annotation_source(wc).get("md5"),
        checksums_from=lambda wc: annotation_source(wc).get("checksums_from"),
        tss_format=config["tss"].get("format"),
        gene_types=config["tss"].get("gene_types"),
        names=chrom_names(),
        download=retry_policy(),
    script:
        "../../scripts/download_annotation.py"
