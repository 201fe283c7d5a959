#!/usr/bin/env python3
"""Per-seed table and paired intervals of bf16-mixed against fp32 (bench/bf16/loss_seeds.sh's runs).

    loss_seeds.py OUT SEED...   reads OUT/fp32-sN/metrics.jsonl and OUT/bf16-mixed-sN/metrics.jsonl

Gaps are relative training-loss gaps at the logged steps: the largest in magnitude (signed), and that of the mean
of the last five logged losses. Intervals are paired 95% Student t intervals over the seeds.
"""
import json
import math
import statistics
import sys

# Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom.
T975 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042]


def read(path):
    losses, final = {}, None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            try:
                o = json.loads(line)
            except json.JSONDecodeError as e:
                sys.exit(f"{path}:{n}: not a JSON line ({e})")
            if "loss" in o:
                losses[o["step"]] = o["loss"]
            if "clean_loss" in o:
                final = (o["clean_loss"], o["answer_loss"], 100 * o["accuracy"])
    if final is None:
        sys.exit(f"{path}: no final evaluation (clean_loss); the run did not finish")
    return losses, final


def fmt(final):
    return f"{final[0]:.3f} / {final[1]:.3f} / {final[2]:.1f}%"


def interval(d):
    m = statistics.mean(d)
    if len(d) < 2:
        return f"{m:+.4f}"
    h = T975[min(len(d) - 1, len(T975)) - 1] * statistics.stdev(d) / math.sqrt(len(d))
    return f"{m:+.4f} [{m - h:+.4f}, {m + h:+.4f}]"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    out, seeds = sys.argv[1], sys.argv[2:]
    rows, diffs = [], ([], [], [])
    print("| seed | fp32: clean loss / answer loss / accuracy | bf16-mixed | largest gap / last five |")
    print("|---|---|---|---|")
    for s in seeds:
        (lf, ff), (lb, fb) = read(f"{out}/fp32-s{s}/metrics.jsonl"), read(f"{out}/bf16-mixed-s{s}/metrics.jsonl")
        steps = sorted(lf)
        if sorted(lb) != steps:
            sys.exit(f"seed {s}: fp32 and bf16-mixed logged different steps")
        gaps = [(lb[t] - lf[t]) / lf[t] for t in steps]
        worst = max(gaps, key=abs)
        last = steps[-5:]
        tail = sum(lb[t] for t in last) / sum(lf[t] for t in last) - 1
        rows.append((abs(worst), tail))
        for i in range(3):
            diffs[i].append(fb[i] - ff[i])
        print(f"| {s} | {fmt(ff)} | {fmt(fb)} | {100 * worst:+.1f}% / {100 * tail:+.1f}% |")
    print()
    print(f"paired bf16-mixed - fp32 over {len(seeds)} seeds, mean [95% t interval]:")
    for name, d in zip(("clean loss", "answer loss", "accuracy (points)"), diffs):
        print(f"  {name}: {interval(d)}")
    print(f"largest step gap over the seeds {100 * max(r[0] for r in rows):.2f}% (median of each seed's "
          f"{100 * statistics.median(r[0] for r in rows):.2f}%), last five logs {100 * max(abs(r[1]) for r in rows):.2f}%")


if __name__ == "__main__":
    main()
