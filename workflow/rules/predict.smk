# Slide the model over the requested chromosomes, one bigWig per track; an IGV session over all tracks.


rule predict:
    input:
        model=f"{OUT}/model/best.ckpt",
        fasta=f"{RES}/genome.fa.gz",
        fai=f"{RES}/genome.fa.gz.fai",
    output:
        tracks=expand(f"{OUT}/predictions/{{track}}.bw", track=TRACKS),
    params:
        chromosomes=predict_chromosomes(),
        predict=config["predict"],
    log:
        f"{OUT}/logs/predict.log",
    benchmark:
        f"{OUT}/benchmarks/predict.tsv"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=6 * 60,
    conda:
        PY_ENV
    script:
        "../../scripts/predict.py"


rule igv_session:
    input:
        fasta=f"{RES}/genome.fa.gz",
        fai=f"{RES}/genome.fa.gz.fai",
        predicted=expand(f"{OUT}/predictions/{{track}}.bw", track=TRACKS),
        observed=expand(f"{RES}/tracks/{{track}}.bw", track=TRACKS),
        interpret=interpret_bigwigs(),
        tss=f"{RES}/tss.bed",
    output:
        igv=f"{OUT}/predictions/igv_session.xml",
    params:
        chromosomes=predict_chromosomes(),
        tracks=TRACKS,
        colors=TRACK_SHEET["color"].tolist(),
    log:
        f"{OUT}/logs/igv_session.log",
    localrule: True
    conda:
        PY_ENV
    script:
        "../../scripts/igv_session.py"
