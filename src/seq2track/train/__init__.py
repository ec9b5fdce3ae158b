"""Training: a seeded, resumable, data-parallel loop (torch.distributed) with Poisson loss and AdamW."""

from seq2track.train.config import TrainConfig

__all__ = ["TrainConfig", "train"]


def __getattr__(name: str):
    if name == "train":  # lazily: the workflow imports train.config at parse time and must not load torch
        from seq2track.train.loop import train

        return train
    raise AttributeError(name)
