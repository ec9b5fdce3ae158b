"""Model: layers -> trunk -> heads, a typed config with presets, checkpoints."""

from seq2track.model.config import ModelConfig, model_config_from
from seq2track.model.network import Seq2Track

__all__ = ["ModelConfig", "Seq2Track", "model_config_from"]
