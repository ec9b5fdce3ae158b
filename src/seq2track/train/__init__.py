"""Training: a seeded, resumable, data-parallel loop (torch.distributed) with Poisson loss and AdamW."""

from seq2track.train.config import TrainConfig
from seq2track.train.loop import train

__all__ = ["TrainConfig", "train"]
