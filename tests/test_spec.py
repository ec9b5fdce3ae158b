"""The one record of geometry and tracks: meta.json and checkpoints carry it; models are checked against it."""

from pathlib import Path

import pytest
import yaml

from seq2track.data.spec import DataSpec, TrackSpec
from seq2track.data.windows import WindowSpec
from seq2track.errors import ConfigError, InputFileError
from seq2track.io.tables import OPTIONAL_SHEET_COLUMNS, TRACK_SHEET_COLUMNS
from seq2track.model.checkpoint import save_checkpoint
from seq2track.model.config import model_config_from
from seq2track.model.network import Seq2Track
from seq2track.predict.model import load_predictor
from seq2track.train.rule import model_config_for, train_config_from

SPEC = DataSpec(WindowSpec(4096, 2048, 128, 4), (TrackSpec("dnase", "sum", 1.0, 32.0, 2000.0), TrackSpec("cage")))


def test_data_spec_round_trips_through_dict_and_checkpoint(tmp_path):
    assert DataSpec.from_dict(SPEC.to_dict()) == SPEC
    model = Seq2Track(model_config_from("tiny", num_tracks=2, crop_bins=4))
    save_checkpoint(tmp_path / "m.ckpt", model, {"windows": {}}, data_spec=SPEC.to_dict())
    loaded, spec, device = load_predictor(tmp_path / "m.ckpt", device="cpu")
    assert spec == SPEC and spec.track_ids == ["dnase", "cage"] and device.type == "cpu"


def test_old_checkpoint_gets_geometry_from_its_run_config(tmp_path):
    model = Seq2Track(model_config_from("tiny", num_tracks=2, crop_bins=4))
    save_checkpoint(tmp_path / "m.ckpt", model, {"windows": {"length_bp": 4096, "stride_bp": 2048}})
    _, spec, _ = load_predictor(tmp_path / "m.ckpt", device="cpu")
    assert spec.window == SPEC.window and spec.track_ids == ["track_0", "track_1"]


def test_meta_json_without_a_spec_names_the_file(tmp_path):
    (tmp_path / "meta.json").write_text('{"tracks": ["a"], "crop_bins": 4}')
    with pytest.raises(InputFileError, match="meta.json"):
        DataSpec.read(tmp_path / "meta.json")


def test_model_geometry_is_checked_against_the_dataset():
    model_config_for({"preset": "tiny"}, SPEC)  # consistent
    with pytest.raises(ConfigError, match="bin size is 64 bp"):
        model_config_for({"preset": "tiny", "overrides": {"num_tower_blocks": 5}}, SPEC)
    with pytest.raises(ConfigError, match="output tracks"):
        SPEC.check_model(128, 4, 3)


def test_unknown_train_keys_are_errors_not_dropped():
    cfg = train_config_from({"epochs": 3, "tasks": 1}, {"init_from": None}, seed=7, threads=2)
    assert cfg.epochs == 3 and cfg.seed == 7 and cfg.num_threads == 2
    with pytest.raises(ConfigError, match="learning_rat"):
        train_config_from({"learning_rat": 0.1}, {}, seed=1, threads=1)
    assert train_config_from({"num_threads": 0}, {}, 1, threads=4, tasks=2).num_threads == 2  # local ranks share


def test_track_sheet_columns_agree_with_the_schema():
    schema = yaml.safe_load((Path(__file__).parents[1] / "workflow/schemas/tracks.schema.yaml").read_text())
    assert schema["required"] == TRACK_SHEET_COLUMNS
    assert set(schema["properties"]) == set(TRACK_SHEET_COLUMNS) | set(OPTIONAL_SHEET_COLUMNS)
