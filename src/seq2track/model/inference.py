"""The one inference loop: predictions of one-hot batches (optionally averaged with the reverse strand),
used by validation during training, evaluation, genome-wide prediction and interpretation plots."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from seq2track.data.dataset import collate_numpy
from seq2track.data.encoding import one_hot
from seq2track.model.network import Seq2Track, one_hot_codes


@torch.no_grad()
def predict_onehot(model: Seq2Track, x: torch.Tensor, rc_average: bool = True) -> torch.Tensor:
    """One-hot (B, L, 4) or uint8 codes (B, L) on the model's device -> (B, out_bins, T); with
    ``rc_average`` the mean of the forward strand and the reverse complement (reversed back)."""
    if x.dtype == torch.uint8:
        x = one_hot_codes(x)
    if not rc_average:
        return model(x)
    x_rc = x.flip(1).flip(2)                         # reverse, and A<->T, C<->G (ACGT order)
    both = model(torch.cat([x, x_rc]))               # both strands in one batched pass
    return 0.5 * (both[:len(x)] + both[len(x):].flip(1))


def predict_windows(model: Seq2Track, codes: np.ndarray, device: torch.device, rc_average: bool = True
                    ) -> np.ndarray:
    """Codes (B, L) uint8 -> predictions (B, out_bins, T) as float32 numpy."""
    x = torch.from_numpy(one_hot(codes)).to(device)
    return predict_onehot(model, x, rc_average).float().cpu().numpy()


def predict_dataset(model: Seq2Track, dataset: Dataset, batch_size: int, device: torch.device,
                    rc_average: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Predictions and targets (N, out_bins, T) for every (codes, targets) item of ``dataset``, in order."""
    model.eval()
    preds, obs = [], []
    for x, y in DataLoader(dataset, batch_size=batch_size, shuffle=False, collate_fn=collate_numpy):
        preds.append(predict_onehot(model, torch.as_tensor(x).to(device), rc_average).float().cpu().numpy())
        obs.append(np.asarray(y))
    if not preds:
        return np.zeros((0,)), np.zeros((0,))
    return np.concatenate(preds), np.concatenate(obs)
