# Slide the model over the requested chromosomes, one bigWig per track; an IGV session over all tracks.


rule predict:
    input:
        model=f"{OUT}/model/best.ckpt",
        store=f"{STORE}/store.json",
        fai=f"{RES}/genome.fa.gz.fai",
    output:
        tracks=expand(f"{OUT}/predictions/{{track}}.bw", track=TRACKS),
    log:
        f"{OUT}/logs/predict.log",
    benchmark:
        f"{OUT}/benchmarks/predict.tsv"
    conda:
        PY_ENV
    threads: 2
    resources:
        mem_mb=8000,
        runtime=6 * 60,
    params:
        chromosomes=predict_chromosomes(),
        predict=config["predict"],
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
    log:
        f"{OUT}/logs/igv_session.log",
    localrule: True
    conda:
        PY_ENV
    params:
        chromosomes=predict_chromosomes(),
        tracks=TRACKS,
        colors=TRACK_SHEET["color"].tolist(),
    script:
        "../../scripts/igv_session.py"
