# `snakemake translate`: the encoder-decoder transformer that learns to translate coding DNA into protein
# (config section translate). Not part of rule all: the demo does not run it.


rule translate:
    output:
        metrics="results/translate/metrics.json",
        history="results/translate/history.tsv",
        model="results/translate/model.pt",
        figure=report(
            "results/translate/cross_attention.png",
            caption="../report/translate_attention.rst",
            category="Translation",
        ),
    log:
        "results/translate/translate.log",
    benchmark:
        "results/translate/benchmark.tsv"
    conda:
        PY_ENV
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        translate=config["translate"],
    script:
        "../../scripts/translate.py"
