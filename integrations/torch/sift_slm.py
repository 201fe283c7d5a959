"""Rho-1 selective language modeling (SLM) for PyTorch, matching Sift's ``train.objective: slm``.

Two pieces, no dependency on Sift at run time (numpy and torch only):

* :class:`SiftWindows` reads an export written by ``sift data export`` (``index.json`` plus memory-mapped
  ``.npy`` shards): each item is one training window with its token ids and the reference model's loss of
  every target token, exactly as Sift scored them.
* :func:`selective_loss` is Sift's selective objective: rank the tokens of a micro-batch (or of each window) by
  excess loss ``L_student - L_ref``, keep ``k = round(ratio * valid)`` of them (halves away from zero, at least 1),
  highest first with ties going to the earlier position, and return the mean cross-entropy over the kept tokens
  (Rho-1 Eq. 4). With gradient accumulation Sift divides by ``k * grad_accum``; pass ``grad_accum`` to do the same
  (Hugging Face's ``Trainer`` divides by the accumulation steps itself, see ``hf_trainer_example.py``).

Alignment: window ``w`` of the export holds stream tokens ``[w*T, w*T + T]`` (``T + 1`` ids).
``ref_loss[w, t]`` is ``-log p_ref(input_ids[w, t + 1] | input_ids[w, :t + 1])``: the loss of the target of
position ``t``. A Hugging Face causal LM fed all ``T + 1`` ids shifts internally the same way, so
``selective_loss(outputs.logits, input_ids, ref_loss)`` lines up with no further bookkeeping.
"""

from __future__ import annotations

import bisect
import json
import math
import os
from typing import Dict, List, Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["keep_count", "select_tokens", "selective_loss", "SiftWindows"]

FORMAT = "sift-windows"


def keep_count(ratio: float, valid: int) -> int:
    """Tokens kept out of ``valid`` at ``ratio``: round half away from zero, clamped to [1, valid] (0 when none are valid)."""
    if valid <= 0:
        return 0
    if not 0.0 < ratio <= 1.0:
        raise ValueError(f"ratio must be in (0, 1], got {ratio}")
    x = ratio * valid  # the same double product as Sift's Math.Round(ratio * valid, AwayFromZero)
    k = int(x)
    if x - k >= 0.5:  # exact: the fractional part of a non-negative double is representable
        k += 1
    return min(max(k, 1), valid)


def select_tokens(token_loss: torch.Tensor, ref_loss: torch.Tensor, ratio: float, scope: str = "batch",
                  valid: Optional[torch.Tensor] = None) -> Tuple[torch.Tensor, int]:
    """The tokens SLM trains on: a boolean mask shaped like ``token_loss`` ([B, T]) and the number kept.

    The excess loss is computed in float32, as Sift does. ``scope="batch"`` ranks all valid tokens of the
    micro-batch together (Rho-1's "in a batch"); ``scope="sequence"`` ranks each window on its own. Within a group,
    valid tokens are ordered by excess loss (highest first), ties to the earlier position in row-major order.
    """
    if scope not in ("batch", "sequence"):
        raise ValueError(f"scope must be 'batch' or 'sequence', got {scope!r}")
    if token_loss.shape != ref_loss.shape or token_loss.dim() != 2:
        raise ValueError(f"token_loss and ref_loss must both be [B, T], got {tuple(token_loss.shape)} and {tuple(ref_loss.shape)}")
    score = token_loss.detach().to(torch.float32) - ref_loss.detach().to(device=token_loss.device, dtype=torch.float32)
    # Sift ranks NaN below every number; map it to -inf so it is never kept ahead of a real score.
    score = torch.nan_to_num(score, nan=float("-inf"), posinf=float("inf"), neginf=float("-inf"))
    b, t = score.shape
    flat = score.reshape(-1)
    ok = torch.ones_like(flat, dtype=torch.bool) if valid is None else valid.reshape(-1).to(flat.device)
    mask = torch.zeros_like(flat, dtype=torch.bool)
    group = b * t if scope == "batch" else t
    k_total = 0
    for start in range(0, b * t, group):
        idx = torch.nonzero(ok[start:start + group], as_tuple=False).squeeze(1)  # ascending positions
        if idx.numel() == 0:
            continue
        k = keep_count(ratio, int(idx.numel()))
        # A stable descending sort keeps equal scores in position order: ties go to the earlier token.
        order = torch.sort(flat[start + idx], descending=True, stable=True).indices
        mask[start + idx[order[:k]]] = True
        k_total += k
    return mask.view(b, t), k_total


def selective_loss(logits: torch.Tensor, labels: torch.Tensor, ref_loss: torch.Tensor, ratio: float = 0.6,
                   scope: str = "batch", ignore_index: int = -100, grad_accum: int = 1, shift: bool = True,
                   return_details: bool = False):
    """Rho-1's selective loss over one micro-batch, as Sift's ``train.objective: slm`` computes it.

    ``logits`` [B, L, V] and ``labels`` [B, L] in the Hugging Face layout (``shift=True``: position t predicts
    ``labels[:, t + 1]``; pass the export's ``input_ids`` as labels) with ``ref_loss`` [B, L - 1]; or already aligned
    (``shift=False``: logits [B, T, V], labels [B, T], ref_loss [B, T]). Targets equal to ``ignore_index`` are never
    selected. Returns ``sum(CE[kept]) / (k * grad_accum)``; with ``return_details`` also a dict with the per-token
    cross-entropy, the mask and k.
    """
    if shift:
        logits = logits[:, :-1, :]
        labels = labels[:, 1:]
    b, t, v = logits.shape
    if labels.shape != (b, t) or ref_loss.shape != (b, t):
        raise ValueError(f"expected labels and ref_loss of shape {(b, t)}, got {tuple(labels.shape)} and {tuple(ref_loss.shape)}")
    targets = labels.to(torch.long)
    ce = F.cross_entropy(logits.reshape(-1, v).to(torch.float32), targets.reshape(-1), ignore_index=ignore_index,
                         reduction="none").view(b, t)
    mask, k = select_tokens(ce, ref_loss, ratio, scope, valid=targets != ignore_index)
    if k == 0:
        loss = ce.sum() * 0.0  # no valid target: a zero that still carries the graph
    else:
        loss = (ce * mask.to(ce.dtype)).sum() / (k * grad_accum)
    if return_details:
        return loss, {"token_loss": ce.detach(), "mask": mask, "k": k}
    return loss


class SiftWindows(torch.utils.data.Dataset):
    """The windows of a ``sift data export`` folder, memory-mapped (nothing is read until an item is asked for).

    Each item is a dict of tensors: ``input_ids`` [T + 1] (int64), ``labels`` (the same ids: Hugging Face causal LMs
    shift internally), ``ref_loss`` [T] (float32; absent when the export has no scores), ``provenance`` [T] (uint8
    provenance labels, when exported) and ``window`` (the window's index in the stream).
    """

    def __init__(self, folder: str, verify: bool = False):
        self.folder = folder
        path = os.path.join(folder, "index.json")
        if not os.path.exists(path):
            raise FileNotFoundError(f"{folder}: not a Sift window export (no index.json; run `sift data export`)")
        with open(path, encoding="utf-8") as f:
            self.index: Dict = json.load(f)
        if self.index.get("format") != FORMAT or self.index.get("version") != 1:
            raise ValueError(f"{path}: format {self.index.get('format')!r} version {self.index.get('version')!r}, expected {FORMAT!r} version 1")
        self.seq_len: int = self.index["seq_len"]
        self._first: List[int] = []
        self._windows: List[int] = []
        self._arrays: List[Tuple[np.ndarray, Optional[np.ndarray], Optional[np.ndarray]]] = []
        offset = 0
        for shard in self.index["shards"]:
            if verify:
                self._verify(shard)
            ids = np.load(os.path.join(folder, shard["input_ids"]), mmap_mode="r")
            ref = np.load(os.path.join(folder, shard["ref_loss"]), mmap_mode="r") if shard.get("ref_loss") else None
            lab = np.load(os.path.join(folder, shard["labels"]), mmap_mode="r") if shard.get("labels") else None
            n = int(shard["windows"])
            if ids.shape != (n, self.seq_len + 1) or (ref is not None and ref.shape != (n, self.seq_len)):
                raise ValueError(f"{folder}: shard {shard['input_ids']} has shape {ids.shape}, expected {(n, self.seq_len + 1)}")
            self._first.append(offset)
            self._windows.append(int(shard["first_window"]))
            self._arrays.append((ids, ref, lab))
            offset += n
        self._len = offset

    def _verify(self, shard: Dict) -> None:
        import hashlib
        for name, want in shard.get("sha256", {}).items():
            h = hashlib.sha256()
            with open(os.path.join(self.folder, name), "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            if h.hexdigest() != want:
                raise ValueError(f"{self.folder}/{name}: SHA-256 {h.hexdigest()} does not match index.json ({want})")

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, i: int) -> Dict[str, torch.Tensor]:
        if i < 0:
            i += self._len
        if not 0 <= i < self._len:
            raise IndexError(i)
        s = bisect.bisect_right(self._first, i) - 1
        j = i - self._first[s]
        ids, ref, lab = self._arrays[s]
        input_ids = torch.from_numpy(np.asarray(ids[j], dtype=np.int64))
        item = {"input_ids": input_ids, "labels": input_ids.clone(), "window": torch.tensor(self._windows[s] + j)}
        if ref is not None:
            item["ref_loss"] = torch.from_numpy(np.asarray(ref[j], dtype=np.float32))
        if lab is not None:
            item["provenance"] = torch.from_numpy(np.array(lab[j], dtype=np.uint8))
        return item
