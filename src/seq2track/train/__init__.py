"""Training: a seeded, resumable, data-parallel loop (torch.distributed) with Poisson loss and AdamW."""

from seq2track.train.loop import TrainConfig, train

__all__ = ["TrainConfig", "train"]
