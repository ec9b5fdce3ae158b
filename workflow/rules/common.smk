# Helpers, config and sheet validation, input functions. No rules here.
import hashlib
import sys

from snakemake.utils import validate

from seq2track.configcheck import check_config
from seq2track.errors import ConfigError, Seq2TrackError
from seq2track.io.download import is_url
from seq2track.io.tables import read_track_sheet, read_track_sheet_text
from seq2track.train.config import RUN_ONLY_KEYS, TRAINING_SECTIONS

try:  # one line naming the key; then snakemake's validate fills the defaults
    check_config(config, workflow.source_path("../schemas/config.schema.yaml"))
except ConfigError as error:
    sys.exit(f"seq2track config error: {error}")
validate(config, workflow.source_path("../schemas/config.schema.yaml"))

try:  # the package's reader and checks, one line on error
    read_track_sheet(config["tracks"])
except Seq2TrackError as error:
    sys.exit(f"seq2track track sheet error: {error}")
TRACK_SHEET = read_track_sheet_text(config["tracks"]).set_index("id", drop=False)
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

ANNOTATIONS = {
    "blacklist.bed": "blacklist",
    "tss.bed": "tss",
    "enhancers.tsv": "enhancers",
}


wildcard_constraints:
    track="|".join(TRACKS),
    split="|".join(SPLITS),
    group=r"\d+",
    chunk=r"\d+",
    annotation="|".join(k.replace(".", r"\.") for k in ANNOTATIONS),


def local_input(source):
    """A local source is a rule input (so Snakemake tracks it or builds it); a URL is not."""
    return [] if is_url(source) else [source]


def remote_url(source):
    """The URL to download, or "" for a local source (which is then the rule's input)."""
    return source if is_url(source) else ""


def chrom_names():
    """Chromosome-name settings every download rule applies (see seq2track.io.chroms)."""
    genome = config["genome"]
    return {
        "aliases": genome.get("chrom_aliases"),
        "extra_contigs": genome.get("extra_contigs"),
    }


def retry_policy():
    """The download section as RetryPolicy fields (``local`` says where jobs run, not how they fetch)."""
    return {k: v for k, v in config["download"].items() if k != "local"}


def annotation_source(wildcards):
    return config[ANNOTATIONS[wildcards.annotation]]


PREDICT_CHUNKS = range(config["predict"]["chunks"])


def predict_chromosomes():
    return config["predict"]["chromosomes"] or config["windows"]["test_chromosomes"]


def store_key():
    """The store is shared by every run on this genome with the same tracks, transforms and bin size."""
    cols = TRACK_SHEET[["id", "sum_stat", "scale", "clip_soft", "clip"]]
    text = (
        cols.to_csv(sep="\t", index=False)
        + f"bin_size_bp={config['windows']['bin_size_bp']}"
    )
    text += f";dtype={config['dataset']['target_dtype']}"
    return hashlib.sha1(text.encode()).hexdigest()[:12]


STORE = f"{RES}/store/{store_key()}"


def store_groups():
    return expand(
        f"{STORE}/groups/{{group}}", group=range(config["dataset"]["store_jobs"])
    )


def dataset_files():
    """Inputs of the rules that read the run's dataset (besides meta.json): the store index, the split rows."""
    splits = expand(f"{OUT}/dataset/{{split}}.windows.bed", split=SPLITS)
    return [f"{STORE}/store.json", *splits]


def expected_tracks():
    """Noise-free tracks the simulator writes (demo only), for the noise ceiling; [] otherwise."""
    simulated = {"dnase", "h3k27ac", "cage"}
    if not SIM["enabled"] or not set(TRACKS) <= simulated:
        return []
    return expand(f"{SIM_DIR}/expected/{{track}}.bw", track=TRACKS)


def accessibility_track():
    """The observed bigWig of interpret.accessibility_track (for the baselines), or []."""
    track = config["interpret"].get("accessibility_track")
    return [f"{RES}/tracks/{track}.bw"] if track else []


def pretrained_weights():
    """model.init_from as a rule input (a change of the weights retrains), or []."""
    source = config["model"].get("init_from")
    return [source] if source else []


def training_config():
    """The config sections that determine a trained model (others must not retrain it); the train keys that
    only change how a run goes (threads, logging, checkpoint cadence, device) are left out and reach the
    job through ``snakemake.config`` instead, so changing them does not retrain."""
    sections = {key: config[key] for key in TRAINING_SECTIONS}
    sections["train"] = {
        k: v for k, v in config["train"].items() if k not in RUN_ONLY_KEYS
    }
    return sections


def interpret_bigwigs():
    """The interpretation browser tracks: TSS attention per aggregation and gradient x input."""
    attention = expand(
        f"{OUT}/interpret/attention_{{agg}}.bw", agg=config["interpret"]["aggregations"]
    )
    return attention + [f"{OUT}/interpret/grad_x_input.bw"]


def all_outputs():
    return [
        expand(f"{OUT}/predictions/{{track}}.bw", track=TRACKS),
        f"{OUT}/browser",
        f"{OUT}/evaluation/metrics.tsv",
        f"{OUT}/evaluation/tss_metrics.tsv",
        f"{OUT}/evaluation/locus.png",
        f"{OUT}/interpret/enhancer_scores.tsv",
        f"{OUT}/interpret/summary.tsv",
        f"{OUT}/interpret/effect_by_distance.tsv",
        f"{OUT}/interpret/attention_vs_distance.png",
        f"{OUT}/interpret/pr_curves.png",
        f"{OUT}/interpret/locus.png",
        interpret_bigwigs(),
    ]
