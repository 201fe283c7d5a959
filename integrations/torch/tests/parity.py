"""Checks sift_slm.py against a batch Sift computed (run by tests/Sift.Pipelines.Tests/Selective/TorchParityTests.cs).

    python3 parity.py EXPORT_DIR BATCH_DIR

EXPORT_DIR is a `sift data export` folder; BATCH_DIR holds what Sift's trainer computed for some of its windows:
batch.json ({"windows": [...], "ratio", "scope", "grad_accum", "cases": [...]}), logits.npy [B, T, V] (float32),
token_loss.npy [B, T] (Sift's per-token cross-entropy) and, per case, weights-<name>.npy [B, T] (Sift's
backward weights: 1/(k * grad_accum) on kept tokens, 0 elsewhere). Prints one JSON object with the comparisons.
"""

import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from sift_slm import SiftWindows, select_tokens, selective_loss  # noqa: E402


def main(export_dir: str, batch_dir: str) -> None:
    with open(os.path.join(batch_dir, "batch.json"), encoding="utf-8") as f:
        batch = json.load(f)
    ds = SiftWindows(export_dir, verify=True)
    items = [ds[w] for w in batch["windows"]]
    input_ids = torch.stack([it["input_ids"] for it in items])
    ref_loss = torch.stack([it["ref_loss"] for it in items])
    out = {"windows": [int(it["window"]) for it in items], "torch": torch.__version__,
           "input_ids": input_ids.tolist(), "ref_loss": ref_loss.tolist()}
    logits = torch.from_numpy(np.load(os.path.join(batch_dir, "logits.npy")))
    sift_ce = torch.from_numpy(np.load(os.path.join(batch_dir, "token_loss.npy")))
    cases = []
    for case in batch["cases"]:
        w = torch.from_numpy(np.load(os.path.join(batch_dir, f"weights-{case['name']}.npy")))
        sift_mask = w > 0
        if case.get("synthetic_losses"):
            # Per-token losses made up to force exact ties: only the selection rule is compared.
            ce = torch.from_numpy(np.load(os.path.join(batch_dir, f"token_loss-{case['name']}.npy")))
            mask2, k2 = select_tokens(ce, ref_loss, case["ratio"], case["scope"])
            cases.append({"name": case["name"], "max_token_loss_diff": 0.0, "mask_mismatch": int((mask2 != sift_mask).sum()),
                          "mask_mismatch_from_sift_losses": int((mask2 != sift_mask).sum()), "k": k2, "k_from_sift_losses": k2,
                          "sift_k": int(sift_mask.sum()), "loss": float((w.double() * ce.double()).sum()), "sift_loss": float((w.double() * ce.double()).sum()),
                          "weights_match": bool(torch.allclose(sift_mask.float() / (k2 * case["grad_accum"]), w.float(), rtol=1e-6, atol=0)),
                          "ties": int((ce - ref_loss == 0).sum())})
            continue
        sift_loss = float((w.double() * sift_ce.double()).sum())
        # 1) the full path from logits, with the HF layout (the model sees all T + 1 ids; its last logit is unused).
        padded = torch.cat([logits, torch.zeros_like(logits[:, :1, :])], dim=1)
        loss, d = selective_loss(padded, input_ids, ref_loss, ratio=case["ratio"], scope=case["scope"],
                                 grad_accum=case["grad_accum"], return_details=True)
        # 2) the selection alone from Sift's own per-token losses (no float differences in the cross-entropy).
        mask2, k2 = select_tokens(sift_ce, ref_loss, case["ratio"], case["scope"])
        cases.append({
            "name": case["name"],
            "max_token_loss_diff": float((d["token_loss"] - sift_ce).abs().max()),
            "mask_mismatch": int((d["mask"] != sift_mask).sum()),
            "mask_mismatch_from_sift_losses": int((mask2 != sift_mask).sum()),
            "k": d["k"], "k_from_sift_losses": k2, "sift_k": int(sift_mask.sum()),
            "loss": float(loss), "sift_loss": sift_loss,
            "weights_match": bool(torch.allclose(sift_mask.float() / (d["k"] * case["grad_accum"]), w.float(), rtol=1e-6, atol=0)),
        })
    out["cases"] = cases
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
