# Slide the model over the requested chromosomes; one bigWig per track and an IGV session.


rule predict:
    input:
        model=f"{OUT}/model/best.ckpt",
        fasta=f"{RES}/genome.fa.gz",
        fai=f"{RES}/genome.fa.gz.fai",
    output:
        tracks=expand(f"{OUT}/predictions/{{track}}.bw", track=TRACKS),
        igv=f"{OUT}/predictions/igv_session.xml",
    params:
        chromosomes=predict_chromosomes(),
        predict=config["predict"],
        tracks=TRACKS,
        colors=TRACK_SHEET["color"].tolist(),
        genome_name=GENOME,
        observed=expand(f"{RES}/tracks/{{track}}.bw", track=TRACKS),
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
