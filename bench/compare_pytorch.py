#!/usr/bin/python3
"""Sift vs PyTorch training throughput and peak memory on the same Llama configs, same thread count.

For each repeat and config it runs `sift bench --phases train,forward --json` and bench/pytorch_llama.py
(PyTorch on CPU, the same model, 8,192 tokens per step, AdamW step included) one after the other,
alternating which goes first, because the machine may be shared: ratios are taken within one repeat and
reported as median [min–max] over the repeats.

Usage (Debian's python3 with python3-torch):
    /usr/bin/python3 bench/compare_pytorch.py [--configs tiny,small] [--threads 2] [--repeats 3] [--steps 5]
"""
import argparse, json, os, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_json(cmd):
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def sift(config, threads, steps):
    return run_json([os.path.join(ROOT, "sift"), "bench", "--config", config, "--threads", str(threads),
                     "--steps", str(steps), "--phases", "train,forward", "--json"])


def torch(config, threads, steps):
    return run_json([sys.executable, os.path.join(ROOT, "bench", "pytorch_llama.py"), "--config", config,
                     "--threads", str(threads), "--steps", str(steps), "--json"])


def fmt(values, digits=0):
    m = statistics.median(values)
    return f"{m:,.{digits}f} [{min(values):,.{digits}f}–{max(values):,.{digits}f}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--configs", default="tiny,small")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--json", action="store_true", help="also print every raw result as JSON lines")
    a = ap.parse_args()
    configs = [c.strip() for c in a.configs.split(",") if c.strip()]

    subprocess.run([os.path.join(ROOT, "sift"), "--help"], cwd=ROOT, check=True, capture_output=True)  # build once
    rows = {c: [] for c in configs}
    for rep in range(a.repeats):
        for c in configs:
            order = [("sift", sift), ("torch", torch)] if rep % 2 == 0 else [("torch", torch), ("sift", sift)]
            res = {}
            for name, fn in order:
                print(f"repeat {rep + 1}/{a.repeats} {c}: {name}...", file=sys.stderr, flush=True)
                res[name] = fn(c, a.threads, a.steps)
            rows[c].append(res)
            if a.json:
                print(json.dumps({"repeat": rep + 1, "config": c, **res}))
            s, t = res["sift"], res["torch"]
            print(f"  sift {s['train_tokens_per_s']:,.0f} tok/s, pytorch {t['train_tokens_per_s']:,.0f} tok/s: "
                  f"{s['train_tokens_per_s'] / t['train_tokens_per_s']:.2f}x", file=sys.stderr, flush=True)

    print(f"\nSift vs PyTorch {rows[configs[0]][0]['torch']['torch']}, {a.threads} threads, 8,192 tokens/step, "
          f"median [range] over {a.repeats} alternating repeats of {a.steps} timed steps each\n")
    head = ("config", "sift train tok/s", "pytorch train tok/s", "sift/pytorch", "sift peak RSS MB",
            "pytorch peak RSS MB", "sift train/sgemm", "sift fwd/train", "load avg")
    table = [head]
    for c in configs:
        r = rows[c]
        st = [x["sift"]["train_tokens_per_s"] for x in r]
        tt = [x["torch"]["train_tokens_per_s"] for x in r]
        table.append((c, fmt(st), fmt(tt), fmt([x / y for x, y in zip(st, tt)], 2),
                      fmt([x["sift"]["peak_rss_mb"] for x in r]), fmt([x["torch"]["peak_rss_mb"] for x in r]),
                      fmt([x["sift"]["train_over_sgemm"] for x in r], 2),
                      fmt([x["sift"]["forward_over_train"] for x in r], 2),
                      fmt([v for x in r for v in x["sift"]["load_average"] + x["torch"]["load_average"] if v is not None], 1)))
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
