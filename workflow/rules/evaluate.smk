# Pearson r per track and split against the observed targets, the same across gene TSSs; a locus plot.


rule evaluate:
    input:
        dataset=dataset_files(),
        meta=f"{OUT}/dataset/meta.json",
        model=f"{OUT}/model/best.ckpt",
        expected=expected_tracks(),
        tss=f"{RES}/tss.bed",
    output:
        metrics=report(
            f"{OUT}/evaluation/metrics.tsv",
            caption="../report/metrics.rst",
            category="Evaluation",
        ),
        tss_metrics=report(
            f"{OUT}/evaluation/tss_metrics.tsv",
            caption="../report/tss_metrics.rst",
            category="Evaluation",
        ),
        locus=report(
            f"{OUT}/evaluation/locus.png",
            caption="../report/locus.rst",
            category="Evaluation",
        ),
    log:
        f"{OUT}/logs/evaluate.log",
    benchmark:
        f"{OUT}/benchmarks/evaluate.tsv"
    conda:
        PY_ENV
    threads: 2
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        predict=config["predict"],
        evaluate=config["evaluate"],
    script:
        "../../scripts/evaluate.py"
