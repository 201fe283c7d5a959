#!/usr/bin/python3
"""Sift vs PyTorch training throughput on the same Llama configs, with a protocol that cannot flatter Sift.

Per repeat and config it runs `sift bench --phases train,forward --json` (default `--gemm auto`) and
bench/pytorch_llama.py at 1 and at 2 threads (PyTorch's better thread count differs between machines), in an
order that rotates every repeat, because the machine may be shared. Around every run it reads the 1-minute load
average; a repeat whose runs saw loads more than --max-load-diff (default one core's worth) apart is FLAGGED and
left out of the summary ratios (a competitor slowed by other jobs is no comparison). The ratio is Sift against
PyTorch's best thread count in the same repeat. PyTorch runs with the OpenBLAS core Sift uses: when OpenBLAS
chose a generic core (e.g. Prescott on a CPU it does not know) Sift switches it, and OPENBLAS_CORETYPE gives
PyTorch the same (override with --torch-coretype). An OPENBLAS_CORETYPE already in the environment is removed for
both (and said so): a pin narrower than the CPU (seen: Haswell on Zen 5) slows PyTorch far more than Sift, whose
managed kernel does not read it (--keep-coretype keeps it).

PyTorch runs with glibc's malloc told never to return large blocks to the kernel (MALLOC_MMAP_MAX_=0,
MALLOC_TRIM_THRESHOLD_ huge; --torch-malloc). PyTorch allocates a fresh tensor for every intermediate, and glibc
serves each block over 32 MiB with its own mmap, so every step page-faults its activations in again: on the 2-vCPU
Zen 5 VM where this was found that cost PyTorch 2.9x (small, 1 thread: 976 tok/s default, 2,852 tuned; tcmalloc 2,692).
Sift allocates its buffers once and runs with the defaults.

--precision bf16-mixed compares the mixed-precision modes instead: `sift bench --precision bf16-mixed` against
PyTorch's own bf16 autocast on CPU (bench/pytorch_llama.py --precision bf16-mixed), both with float32 weights
and optimizer.

The header names the CPU model and SIMD flags, OpenBLAS build and core, and the load.

Usage (Debian's python3 with python3-torch):
    /usr/bin/python3 bench/compare_pytorch.py [--configs tiny,small] [--sift-threads 2] [--torch-threads 1,2]
        [--repeats 3] [--steps 5] [--max-load-diff 1.0] [--torch-malloc tuned] [--precision fp32] [--json]
"""
import argparse, json, os, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_average():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def timed_json(cmd, env=None):
    """Runs a command that prints one JSON object; returns (result, load before, load after)."""
    before = load_average()
    out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True, env=env)
    after = load_average()
    text = out.stdout.strip()
    try:
        return json.loads(text), before, after
    except json.JSONDecodeError:  # progress lines before a one-line JSON result
        return json.loads(text.splitlines()[-1]), before, after


def sift_cmd(a):
    """./sift (rebuilds when sources changed), or a fixed build: --sift-dll path/to/sift.dll."""
    return ["dotnet", a.sift_dll] if a.sift_dll else [os.path.join(ROOT, "sift")]


def sift(cmd, config, threads, steps, gemm, precision):
    return timed_json(cmd + ["bench", "--config", config, "--threads", str(threads), "--steps", str(steps),
                             "--phases", "train,forward", "--gemm", gemm, "--precision", precision, "--json"])


TUNED_MALLOC = {"MALLOC_MMAP_MAX_": "0", "MALLOC_TRIM_THRESHOLD_": str(1 << 40)}


def malloc_env(choice):
    """The environment for --torch-malloc: tuned glibc, glibc's default, or a library to LD_PRELOAD (tcmalloc, jemalloc)."""
    if choice == "tuned":
        return dict(TUNED_MALLOC)
    if choice == "default":
        return {}
    if not os.path.exists(choice):
        sys.exit(f"compare: --torch-malloc: no such library '{choice}'; expected tuned, default or a path to a malloc library")
    return {"LD_PRELOAD": choice}


def torch(config, threads, steps, coretype, malloc, precision):
    env = dict(os.environ)
    env.update(malloc)
    if coretype:
        env["OPENBLAS_CORETYPE"] = coretype
    return timed_json([sys.executable, os.path.join(ROOT, "bench", "pytorch_llama.py"), "--config", config,
                       "--threads", str(threads), "--steps", str(steps), "--precision", precision, "--json"], env)


def fmt(values, digits=0):
    if not values:
        return "-"
    m = statistics.median(values)
    return f"{m:,.{digits}f} [{min(values):,.{digits}f}–{max(values):,.{digits}f}]"


def mean_load(run):
    return (run["load"][0] + run["load"][1]) / 2


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--configs", default="tiny,small")
    ap.add_argument("--sift-threads", type=int, default=2)
    ap.add_argument("--torch-threads", default="1,2", help="PyTorch thread counts; the best is compared")
    ap.add_argument("--gemm", default="auto", help="sift bench --gemm")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--max-load-diff", type=float, default=1.0,
                    help="flag a repeat whose runs' mean load averages differ by more than this")
    ap.add_argument("--torch-coretype", default=None, help="OPENBLAS_CORETYPE for PyTorch (default: Sift's core "
                    "when Sift had to switch OpenBLAS away from a generic core, else unset)")
    ap.add_argument("--torch-malloc", default="tuned",
                    help="PyTorch's allocator: tuned (glibc, never unmapping large blocks), default, or a malloc library "
                    "to LD_PRELOAD, e.g. /usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4")
    ap.add_argument("--keep-coretype", action="store_true",
                    help="keep an OPENBLAS_CORETYPE from the environment (default: removed for both Sift and PyTorch)")
    ap.add_argument("--sift-dll", default=None, help="run this built sift.dll instead of ./sift (a frozen build)")
    ap.add_argument("--precision", choices=["fp32", "bf16-mixed"], default="fp32",
                    help="bf16-mixed: Sift's bf16-mixed against PyTorch's CPU bf16 autocast (needs AVX512_BF16 for Sift)")
    ap.add_argument("--json", action="store_true", help="also print every raw result as JSON lines")
    a = ap.parse_args()
    configs = [c.strip() for c in a.configs.split(",") if c.strip()]
    torch_threads = [int(t) for t in a.torch_threads.split(",") if t.strip()]

    malloc = malloc_env(a.torch_malloc)
    pinned = os.environ.get("OPENBLAS_CORETYPE")
    if pinned and not a.keep_coretype:
        del os.environ["OPENBLAS_CORETYPE"]  # both children inherit os.environ
        print(f"compare: removed OPENBLAS_CORETYPE={pinned} from the environment (--keep-coretype keeps it)", file=sys.stderr)
    subprocess.run(sift_cmd(a) + ["--help"], cwd=ROOT, check=True, capture_output=True)  # build once
    coretype = a.torch_coretype
    rows = {c: [] for c in configs}
    machine = None
    for rep in range(a.repeats):
        for c in configs:
            runs = [("sift", a.sift_threads)] + [("torch", t) for t in torch_threads]
            shift = rep % len(runs)
            runs = runs[shift:] + runs[:shift]
            res = {}
            for name, threads in runs:
                print(f"repeat {rep + 1}/{a.repeats} {c}: {name} {threads} thread(s)...", file=sys.stderr, flush=True)
                if name == "sift":
                    r, l0, l1 = sift(sift_cmd(a), c, threads, a.steps, a.gemm, a.precision)
                    machine = machine or r.get("machine")
                    if coretype is None and machine and machine.get("openblas_core") != machine.get("openblas_default_core"):
                        coretype = machine.get("openblas_core")
                    res["sift"] = {"result": r, "load": [l0, l1], "threads": threads}
                else:
                    r, l0, l1 = torch(c, threads, a.steps, coretype, malloc, a.precision)
                    res[f"torch{threads}"] = {"result": r, "load": [l0, l1], "threads": threads, "coretype": coretype}
            loads = [mean_load(v) for v in res.values()]
            res["flagged"] = max(loads) - min(loads) > a.max_load_diff
            best = max((k for k in res if k.startswith("torch")), key=lambda k: res[k]["result"]["train_tokens_per_s"])
            res["torch_best"] = best
            rows[c].append(res)
            if a.json:
                print(json.dumps({"repeat": rep + 1, "config": c, **res}))
            s, t = res["sift"], res[best]
            print(f"  sift {s['result']['train_tokens_per_s']:,.0f} tok/s (load {s['load'][0]:.1f}→{s['load'][1]:.1f}), "
                  f"pytorch best {t['result']['train_tokens_per_s']:,.0f} tok/s at {t['threads']} thread(s) "
                  f"(load {t['load'][0]:.1f}→{t['load'][1]:.1f}): "
                  f"{s['result']['train_tokens_per_s'] / t['result']['train_tokens_per_s']:.2f}x"
                  f"{'  FLAGGED: loads differ by more than %.1f' % a.max_load_diff if res['flagged'] else ''}",
                  file=sys.stderr, flush=True)

    m = machine or {}
    first = rows[configs[0]][0]
    first_torch = next(v["result"] for k, v in first.items() if k.startswith("torch") and isinstance(v, dict))
    torch_version = first_torch["torch"]
    print(f"\nCPU: {m.get('cpu_model')} ({m.get('cpu_signature') or 'family/model unknown'}), {m.get('logical_cpus')} logical CPUs; "
          f"SIMD: {' '.join(m.get('simd_flags') or [])}; Sift saw OPENBLAS_* = {m.get('openblas_env') or 'none'}")
    print(f"OpenBLAS: {m.get('openblas_config')}; core {m.get('openblas_core')} (its own choice {m.get('openblas_default_core')}); "
          f"PyTorch {torch_version} on OpenBLAS core {first_torch.get('openblas_core')} "
          f"(OPENBLAS_CORETYPE={coretype or os.environ.get('OPENBLAS_CORETYPE') or 'unset'})"
          f"{f' (removed {pinned} from the environment)' if pinned and not a.keep_coretype else ''}, "
          f"malloc {a.torch_malloc} ({' '.join(f'{k}={v}' for k, v in malloc.items()) or 'no variables'}); "
          f"Sift managed kernel {m.get('managed_gemm_kernel')}")
    print(f"precision {a.precision}{' (Sift bf16-mixed, PyTorch torch.autocast cpu bfloat16)' if a.precision != 'fp32' else ''}; "
          f"Sift --gemm {a.gemm}, {a.sift_threads} threads; PyTorch at {a.torch_threads} threads, best per repeat; "
          f"8,192 tokens/step; {a.repeats} rotating repeats of {a.steps} timed steps; median [range]; "
          f"ratios only over repeats whose loads agree within {a.max_load_diff}\n")
    head = ("config", "sift train tok/s", *[f"pytorch {t}t tok/s" for t in torch_threads], "sift/pytorch best",
            "repeats used", "load sift", "load pytorch", "sift RSS MB", "pytorch RSS MB")
    table = [head]
    for c in configs:
        r = rows[c]
        ok = [x for x in r if not x["flagged"]]
        st = [x["sift"]["result"]["train_tokens_per_s"] for x in r]
        ratios = [x["sift"]["result"]["train_tokens_per_s"] / x[x["torch_best"]]["result"]["train_tokens_per_s"] for x in ok]
        table.append((c, fmt(st),
                      *[fmt([x[f"torch{t}"]["result"]["train_tokens_per_s"] for x in r]) for t in torch_threads],
                      fmt(ratios, 2) if ratios else "none (all flagged)",
                      f"{len(ok)} of {len(r)}",
                      fmt([v for x in r for v in x["sift"]["load"]], 1),
                      fmt([v for x in r for k, y in x.items() if k.startswith("torch") and isinstance(y, dict) for v in y["load"]], 1),
                      fmt([x["sift"]["result"]["peak_rss_mb"] for x in r]),
                      fmt([x[x["torch_best"]]["result"]["peak_rss_mb"] for x in r])))
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    for i, row in enumerate(table):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)))
        if i == 0:
            print("  ".join("-" * w for w in widths))


if __name__ == "__main__":
    main()
