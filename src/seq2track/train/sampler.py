"""Global batches split over data-parallel ranks, from a permutation seeded per epoch."""

from __future__ import annotations

import torch

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
