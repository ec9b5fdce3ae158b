"""Training: a seeded single-process loop with Poisson loss, AdamW, validation and checkpoints."""

from seq2track.train.loop import TrainConfig, train

__all__ = ["TrainConfig", "train"]
