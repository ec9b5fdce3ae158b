# Helpers, config and sheet validation, input functions. No rules here.
import pandas as pd
from snakemake.utils import validate

from seq2track.io.download import is_url

validate(config, workflow.source_path("../schemas/config.schema.yaml"))

TRACK_SHEET = pd.read_csv(config["tracks"], sep="\t", dtype=str, keep_default_na=False).set_index(
    "id", drop=False
)
validate(
    TRACK_SHEET.replace("", None).astype({"scale": float}),
    workflow.source_path("../schemas/tracks.schema.yaml"),
)

RUN = config["run"]
GENOME = config["genome"]["name"]
TRACKS = TRACK_SHEET["id"].tolist()
SPLITS = ["train", "valid", "test"]
RES = f"resources/{GENOME}"
OUT = f"results/{RUN}"
SIM = config["simulate"]
SIM_DIR = SIM.get("out_dir", "resources/demo-sources")
PY_ENV = "../../envs/seq2track.yaml"

ANNOTATIONS = {"blacklist.bed": "blacklist", "tss.bed": "tss", "enhancers.tsv": "enhancers"}


wildcard_constraints:
    track="|".join(TRACKS),
    split="|".join(SPLITS),
    annotation="|".join(k.replace(".", r"\.") for k in ANNOTATIONS),


def local_input(source):
    """A local source is a rule input (so Snakemake tracks it or builds it); a URL is not."""
    return [] if is_url(source) else [source]


def annotation_source(wildcards):
    return config[ANNOTATIONS[wildcards.annotation]]


def predict_chromosomes():
    return config["predict"]["chromosomes"] or config["windows"]["test_chromosomes"]


def dataset_files():
    files = [f"{OUT}/dataset/meta.json"]
    for split in SPLITS:
        files += [f"{OUT}/dataset/{split}.sequences.npy", f"{OUT}/dataset/{split}.targets.npy"]
    return files


def all_outputs():
    return [
        expand(f"{OUT}/predictions/{{track}}.bw", track=TRACKS),
        f"{OUT}/predictions/igv_session.xml",
        f"{OUT}/evaluation/metrics.tsv",
        f"{OUT}/evaluation/locus.png",
        f"{OUT}/interpret/enhancer_scores.tsv",
        f"{OUT}/interpret/summary.tsv",
        f"{OUT}/interpret/attention_vs_distance.png",
    ]
