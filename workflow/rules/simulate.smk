# Demo only: write a synthetic genome, tracks and ground truth as *source files* that download fetches.
if SIM["enabled"]:

    rule simulate:
        output:
            fasta=f"{SIM_DIR}/genome.fa.gz",
            tracks=expand(f"{SIM_DIR}/tracks/{{t}}.bw", t=["dnase", "h3k27ac", "cage"]),
            expected=expand(
                f"{SIM_DIR}/expected/{{t}}.bw", t=["dnase", "h3k27ac", "cage"]
            ),
            blacklist=f"{SIM_DIR}/blacklist.bed",
            tss=f"{SIM_DIR}/tss.bed",
            enhancers=f"{SIM_DIR}/enhancers.tsv",
            elements=f"{SIM_DIR}/elements.tsv",
            summary=f"{SIM_DIR}/simulation.json",
        log:
            f"logs/{GENOME}/simulate.log",
        benchmark:
            f"benchmarks/{GENOME}/simulate.tsv"
        conda:
            PY_ENV
        resources:
            mem_mb=4000,
            runtime=30,
        params:
            simulate=SIM,
            seed=config["seed"],
        script:
            "../../scripts/simulate.py"
