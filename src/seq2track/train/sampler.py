"""Global batches split over data-parallel ranks, from a permutation seeded per epoch."""

from __future__ import annotations

import torch
from torch.utils.data import DataLoader

from seq2track.data.dataset import collate_numpy

from seq2track.train import distributed as ddp


class GlobalBatches:
    """Batches of this rank's share of each global batch, from a permutation seeded per epoch.

    The permutation is drawn lazily from the DataLoader's generator, as torch's RandomSampler does,
    so one rank reproduces ``DataLoader(shuffle=True, generator=...)`` exactly. ``skip`` resumes
    mid-epoch. A last, smaller global batch that does not split evenly into ranks x micro-batches is
    dropped (so N ranks and one process accumulating N micro-batches see the same batches).
    """

    def __init__(self, n: int, batch_size: int, ctx: ddp.DistContext, generator: torch.Generator | None,
                 skip: int = 0, accumulation: int = 1):
        self.n, self.batch_size, self.ctx, self.generator, self.skip = n, batch_size, ctx, generator, skip
        self.accumulation = accumulation

    def batches_per_epoch(self) -> int:
        full, rest = divmod(self.n, self.batch_size)
        shards = self.ctx.world_size * self.accumulation
        return full + (1 if rest and (shards == 1 or rest % shards == 0) else 0)

    def __len__(self) -> int:
        return self.batches_per_epoch() - self.skip

    def __iter__(self):
        perm = torch.randperm(self.n, generator=self.generator).tolist()
        for b in range(self.skip, self.batches_per_epoch()):
            glob = perm[b * self.batch_size:(b + 1) * self.batch_size]
            yield glob[self.ctx.rank::self.ctx.world_size]


class EpochBatches:
    """The current epoch's batches as lists of (epoch, index) pairs: a dataset copy in a persistent
    DataLoader worker seeds each item by its epoch without being told. ``set`` switches epochs."""

    def __init__(self) -> None:
        self.batches, self.epoch = [], 0

    def set(self, batches, epoch: int) -> None:
        self.batches, self.epoch = batches, epoch

    def __len__(self) -> int:
        return len(self.batches)

    def __iter__(self):
        for batch in self.batches:
            yield [(self.epoch, i) for i in batch]


def training_loader(dataset, batches: EpochBatches, num_workers: int, seed: int) -> DataLoader:
    """A DataLoader of numpy batches (``collate_numpy``) over ``batches``; with workers, they persist over
    epochs and prefetch 4 batches each.

    Items are seeded by (seed, epoch, index), never by a worker's RNG, so batches do not depend on the
    number of workers; the loader's own generator (its worker base seed) touches no other random stream.
    """
    extra = dict(num_workers=num_workers, persistent_workers=True, prefetch_factor=4) if num_workers else {}
    return DataLoader(dataset, batch_sampler=batches, collate_fn=collate_numpy,
                      generator=torch.Generator().manual_seed(seed), **extra)
