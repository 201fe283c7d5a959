"""Selective language modeling (Rho-1) with a Hugging Face Trainer on windows exported by Sift.

    # on the scoring side (CPU, or a vLLM fleet with `sift score --endpoint ... --part i/n`):
    sift score -m reference --data corpus --seq-len 2048 -o scores
    sift data export --data corpus --ref-scores scores -o windows
    # on the GPU side (transformers, torch):
    python hf_trainer_example.py --windows windows --model TinyLlama/TinyLlama_v1.1 --out run --select-ratio 0.6

The student sees each window's T + 1 ids (the model shifts them internally); the loss is sift_slm.selective_loss,
which keeps the same tokens Sift's `train.objective: slm` keeps (same top-k, ties, scope and 1/k weighting).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from transformers import AutoModelForCausalLM, Trainer, TrainingArguments  # noqa: E402

from sift_slm import SiftWindows, selective_loss  # noqa: E402


class SelectiveTrainer(Trainer):
    """A Trainer whose loss is Rho-1's: the mean cross-entropy over the top ``select_ratio`` tokens by excess loss."""

    def __init__(self, *args, select_ratio: float = 0.6, select_scope: str = "batch", **kwargs):
        super().__init__(*args, **kwargs)
        self.select_ratio = select_ratio
        self.select_scope = select_scope
        # The loss below is a mean per micro-batch; let the Trainer divide it by the accumulation steps (as Sift
        # weights kept tokens 1/(k * grad_accum)) instead of passing num_items_in_batch to the model.
        self.model_accepts_loss_kwargs = False

    def compute_loss(self, model, inputs, return_outputs=False, **kwargs):
        ref_loss = inputs.pop("ref_loss")
        labels = inputs.pop("labels")
        inputs.pop("provenance", None)
        inputs.pop("window", None)
        outputs = model(input_ids=inputs["input_ids"])
        loss = selective_loss(outputs.logits, labels, ref_loss, ratio=self.select_ratio, scope=self.select_scope)
        return (loss, outputs) if return_outputs else loss


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--windows", required=True, help="a `sift data export` folder with ref_loss")
    p.add_argument("--model", required=True, help="the student: a Hub id or a folder (Sift's model folders load as LlamaForCausalLM)")
    p.add_argument("--out", required=True)
    p.add_argument("--select-ratio", type=float, default=0.6)
    p.add_argument("--select-scope", choices=["batch", "sequence"], default="batch")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--grad-accum", type=int, default=1)
    p.add_argument("--lr", type=float, default=8e-5)
    p.add_argument("--max-steps", type=int, default=1000)
    a = p.parse_args()

    windows = SiftWindows(a.windows)
    if "ref_loss" not in windows[0]:
        raise SystemExit(f"{a.windows}: exported without --ref-scores; SLM needs the reference losses")
    model = AutoModelForCausalLM.from_pretrained(a.model)
    args = TrainingArguments(
        output_dir=a.out,
        per_device_train_batch_size=a.batch,
        gradient_accumulation_steps=a.grad_accum,
        learning_rate=a.lr,
        max_steps=a.max_steps,
        lr_scheduler_type="cosine",
        warmup_steps=min(100, a.max_steps // 10),
        logging_steps=10,
        remove_unused_columns=False,  # keep ref_loss in the batches
        report_to=[],
    )
    SelectiveTrainer(model=model, args=args, train_dataset=windows, select_ratio=a.select_ratio, select_scope=a.select_scope).train()


if __name__ == "__main__":
    main()
