# Fit the model; GPU resources are requested by profiles/slurm.


rule train:
    input:
        dataset=dataset_files(),
        meta=f"{OUT}/dataset/meta.json",
        pretrained=pretrained_weights(),
        checked=ancient(f"{OUT}/windows/predict_chromosomes.txt"),
    output:
        best=f"{OUT}/model/best.ckpt",
        last=f"{OUT}/model/last.ckpt",
        history=report(
            f"{OUT}/model/history.tsv",
            caption="../report/history.rst",
            category="Training",
        ),
        curve=report(
            f"{OUT}/model/training_curve.png",
            caption="../report/training_curve.rst",
            category="Training",
        ),
        model_yaml=f"{OUT}/model/model.yaml",
        provenance=f"{OUT}/model/provenance.json",
    log:
        f"{OUT}/logs/train.log",
    benchmark:
        f"{OUT}/benchmarks/train.tsv"
    conda:
        PY_ENV
    threads: 2
    resources:
        tasks=config["train"]["tasks"],
        mem_mb=16000,
        runtime=24 * 60,
    params:
        model=config["model"],
        train=training_config()["train"],
        seed=config["seed"],
        run_config=training_config(),
    script:
        "../../scripts/train.py"
