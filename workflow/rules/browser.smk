# One folder for the genome browsers: predicted and observed tracks on one scale, IGV desktop and igv.js
# sessions, a UCSC track hub (an assembly hub with a .2bit for a custom genome), annotations as bigBed.


rule browser:
    input:
        fasta=f"{RES}/genome.fa.gz",
        fai=f"{RES}/genome.fa.gz.fai",
        gzi=f"{RES}/genome.fa.gz.gzi",
        store=f"{STORE}/store.json",
        predicted=expand(f"{OUT}/predictions/{{track}}.bw", track=TRACKS),
        sources=expand(f"{RES}/tracks/{{track}}.bw", track=TRACKS),
        interpret=interpret_bigwigs(),
        tss=f"{RES}/tss.bed",
        enhancers=f"{RES}/enhancers.tsv",
    output:
        directory(f"{OUT}/browser"),
    log:
        f"{OUT}/logs/browser.log",
    conda:
        PY_ENV
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        run=config["run"],
        genome=config["genome"]["name"],
        chromosomes=predict_chromosomes(),
        tracks=TRACKS,
        colors=TRACK_SHEET["color"].tolist(),
        descriptions=TRACK_SHEET["description"].tolist(),
        browser=config["browser"],
    script:
        "../../scripts/browser.py"
