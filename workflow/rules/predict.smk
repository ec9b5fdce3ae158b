# Slide the model over the requested chromosomes, one bigWig per track.


rule predict_chunk:
    input:
        model=f"{OUT}/model/best.ckpt",
        store=f"{STORE}/store.json",
    output:
        npy=temp(f"{OUT}/predictions/chunks/{{chunk}}.npy"),
        blocks=temp(f"{OUT}/predictions/chunks/{{chunk}}.blocks.tsv"),
    log:
        f"{OUT}/logs/predict_chunk_{{chunk}}.log",
    benchmark:
        f"{OUT}/benchmarks/predict_chunk_{{chunk}}.tsv"
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
        "../../scripts/predict_chunk.py"


rule predict:
    input:
        npy=expand(f"{OUT}/predictions/chunks/{{chunk}}.npy", chunk=PREDICT_CHUNKS),
        blocks=expand(
            f"{OUT}/predictions/chunks/{{chunk}}.blocks.tsv", chunk=PREDICT_CHUNKS
        ),
        store=f"{STORE}/store.json",
    output:
        tracks=expand(f"{OUT}/predictions/{{track}}.bw", track=TRACKS),
    log:
        f"{OUT}/logs/predict.log",
    benchmark:
        f"{OUT}/benchmarks/predict.tsv"
    conda:
        PY_ENV
    resources:
        mem_mb=4000,  # streamed: one block at a time, whatever the genome (tests/test_predict.py)
        runtime=6 * 60,
    script:
        "../../scripts/predict.py"
