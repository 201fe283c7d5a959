#!/usr/bin/env python3
"""bf16-mixed against fp32 training speed on one machine: the check behind the README's bf16/fp32 ratios.

    /usr/bin/python3 bench/bf16/speed.py [--rounds 6] [--config small] [--sift-dll DLL ...] [--label NAME ...]

Each round runs `sift bench --phases train` once in fp32 (--gemm auto, the default a user gets) and once in
bf16-mixed per given build (several --sift-dll compare builds), in an order that rotates every round, with the
1-minute load average read before each run. OPENBLAS_CORETYPE is removed from the environment (a pinned narrower
core would slow fp32 only). Prints every run, then per build the bf16-mixed / fp32 ratio of each round and the median.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def load1():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def bench(cmd, precision, args):
    argv = cmd + ["bench", "--config", args.config, "--threads", str(args.threads), "--phases", "train",
                  "--steps", str(args.steps), "--precision", precision, "--json"]
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
    res = subprocess.run(argv, env=env, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"speed.py: {' '.join(argv)} failed (exit {res.returncode}):\n{res.stderr[-2000:]}")
    return json.loads(res.stdout)["train_tokens_per_s"]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=6)
    p.add_argument("--config", default="small")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--sift-dll", action="append", default=[],
                   help="a built sift.dll to run with `dotnet` (repeat to compare builds); default: ./sift")
    p.add_argument("--label", action="append", default=[], help="a name per --sift-dll, in the same order")
    args = p.parse_args()
    if args.rounds < 1:
        sys.exit("speed.py: --rounds: expected an integer >= 1")
    if args.label and len(args.label) != len(args.sift_dll):
        sys.exit(f"speed.py: --label: expected one per --sift-dll ({len(args.sift_dll)}), got {len(args.label)}")
    builds = [(lbl, ["dotnet", dll]) for lbl, dll in zip(args.label or args.sift_dll, args.sift_dll)] \
        or [("sift", [os.path.join(ROOT, "sift")])]
    # the fp32 reference runs on the first build; every build runs bf16-mixed
    arms = [("fp32", builds[0][1], "fp32")] + [(f"bf16 {lbl}", cmd, "bf16-mixed") for lbl, cmd in builds]
    rows = {name: [] for name, _, _ in arms}
    for r in range(args.rounds):
        k = r % len(arms)
        for name, cmd, precision in arms[k:] + arms[:k]:
            before = load1()
            tps = bench(cmd, precision, args)
            rows[name].append(tps)
            print(f"round {r + 1}  {name:<24} {tps:>9,.0f} tok/s   load {before:.2f} -> {load1():.2f}", flush=True)
    print()
    for name, _, _ in arms[1:]:
        ratios = [b / f for b, f in zip(rows[name], rows["fp32"])]
        print(f"{name}: bf16-mixed / fp32 per round " + ", ".join(f"{x:.2f}x" for x in ratios)
              + f"; median {statistics.median(ratios):.2f}x (fp32 median {statistics.median(rows['fp32']):,.0f},"
              + f" bf16 median {statistics.median(rows[name]):,.0f} tok/s)")


if __name__ == "__main__":
    main()
