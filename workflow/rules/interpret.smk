# Attention from each test-split TSS over its window, scored against enhancer-gene pairs.


rule interpret:
    input:
        model=f"{OUT}/model/best.ckpt",
        store=f"{STORE}/store.json",
        fai=f"{RES}/genome.fa.gz.fai",
        enhancers=f"{RES}/enhancers.tsv",
        tss=f"{RES}/tss.bed",
        accessibility=accessibility_track(),
        observed=expand(f"{RES}/tracks/{{track}}.bw", track=TRACKS),
    output:
        scores=f"{OUT}/interpret/enhancer_scores.tsv",
        attention_bw=expand(
            f"{OUT}/interpret/attention_{{agg}}.bw",
            agg=config["interpret"]["aggregations"],
        ),
        contributions_bw=f"{OUT}/interpret/grad_x_input.bw",
        crispr_predictions=f"{OUT}/interpret/crispr_comparison/predictions.tsv.gz",
        crispr_config=f"{OUT}/interpret/crispr_comparison/pred_config.txt",
        effect_by_distance=f"{OUT}/interpret/effect_by_distance.tsv",
        summary=report(
            f"{OUT}/interpret/summary.tsv",
            caption="../report/interpret_summary.rst",
            category="Interpretation",
        ),
        plot=report(
            f"{OUT}/interpret/attention_vs_distance.png",
            caption="../report/attention_vs_distance.rst",
            category="Interpretation",
        ),
        locus=report(
            f"{OUT}/interpret/locus.png",
            caption="../report/interpret_locus.rst",
            category="Interpretation",
        ),
        pr_curves=report(
            f"{OUT}/interpret/pr_curves.png",
            caption="../report/pr_curves.rst",
            category="Interpretation",
        ),
    log:
        f"{OUT}/logs/interpret.log",
    benchmark:
        f"{OUT}/benchmarks/interpret.tsv"
    conda:
        PY_ENV
    threads: 2
    resources:
        mem_mb=8000,
        runtime=2 * 60,
    params:
        chromosomes=config["windows"]["test_chromosomes"],
        interpret=config["interpret"],
        seed=config["seed"],
    script:
        "../../scripts/interpret.py"
