#!/usr/bin/env bash
# Step cost of train.objective dpo and kto against sft on the same row shape (micro_batch × seq_len tokens per
# forward/backward), with reference log-probs precomputed (the first, untimed part of each preference run).
# Data: GSM8K test questions with their answers (sft: completion; pairs: chosen = the answer, rejected = the next
# problem's answer; kto: the answer labelled true for even lines, the next answer labelled false for odd lines),
# written to a temporary folder, never into the repository.
#
#   bench/prefs/step_cost.sh [GSM8K_JSONL] [STEPS] [REPEATS] [PRESET]
#
# Prints per objective the median seconds per step over REPEATS runs (steps 2.. of each run; the first step is
# warm-up), alternating objectives so load changes hit all of them, and the ratios to sft.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
gsm="${1:-$root/../shared/data/gsm8k/test.jsonl}"
steps="${2:-12}"
repeats="${3:-3}"
preset="${4:-small}"
work="$(mktemp -d /tmp/sift-prefs-bench.XXXXXX)"
trap 'rm -rf "$work"' EXIT
sift="${SIFT:-$root/sift}"   # SIFT="dotnet path/to/sift.dll" runs a fixed build

python3 - "$gsm" "$work" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
out = sys.argv[2]
n = len(rows)
with open(f"{out}/sft.jsonl", "w") as s, open(f"{out}/pairs.jsonl", "w") as p, open(f"{out}/kto.jsonl", "w") as k, open(f"{out}/text.jsonl", "w") as t:
    for i, r in enumerate(rows):
        nxt = rows[(i + 1) % n]["answer"]
        s.write(json.dumps({"prompt": r["question"], "completion": r["answer"]}) + "\n")
        p.write(json.dumps({"prompt": r["question"], "chosen": r["answer"], "rejected": nxt}) + "\n")
        k.write(json.dumps({"prompt": r["question"], "completion": r["answer"] if i % 2 == 0 else nxt, "label": i % 2 == 0}) + "\n")
        t.write(json.dumps({"text": r["question"] + "\n" + r["answer"]}) + "\n")
PY

$sift tokenizer train -i "$work/text.jsonl" -o "$work/tok" --vocab-size 2048 >/dev/null
for kind in sft pairs kto; do
  $sift data pack -i "$work/$kind.jsonl" -o "$work/$kind" --tokenizer "$work/tok" --format "$kind" --max-length 256 >/dev/null
done

common=(model.preset="$preset" train.seq_len=256 train.micro_batch=8 train.grad_accum=1 train.max_steps="$steps" train.threads=2
        log.interval=1 eval.interval=0 checkpoint.interval=0 data.holdout_every=0 optim.lr=1e-4)
declare -A data=([sft]=sft [dpo]=pairs [kto]=kto)
declare -A times
for r in $(seq 1 "$repeats"); do
  for obj in sft dpo kto; do
    run="$work/run-$obj-$r"
    $sift train --set data.train="$work/${data[$obj]}" --set out_dir="$run" --set train.objective="$obj" \
      $(printf -- '--set %s ' "${common[@]}") >/dev/null 2>&1
    # Median of the per-step wall time (differences of elapsed_s), skipping the first step.
    t=$(python3 -c '
import json, sys, statistics
e = [json.loads(l)["elapsed_s"] for l in open(sys.argv[1]) if "\"loss\"" in l]
print(statistics.median([b - a for a, b in zip(e, e[1:])]))' "$run/metrics.jsonl")
    times[$obj]+="$t "
    echo "repeat $r $obj: $t s/step" >&2
  done
done

echo "CPU: $(lscpu | sed -n 's/^Model name: *//p'), threads 2, load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "${times[sft]}" "${times[dpo]}" "${times[kto]}" "$preset" <<'PY'
import statistics, sys
sft, dpo, kto = ([float(x) for x in a.split()] for a in sys.argv[1:4])
m = {k: statistics.median(v) for k, v in (("sft", sft), ("dpo", dpo), ("kto", kto))}
print(f"model {sys.argv[4]}, 8 rows x 256 tokens per step")
for k in ("sft", "dpo", "kto"):
    print(f"{k}: median {m[k]:.3f} s/step over {len(sft)} runs; per-run medians {', '.join(f'{x:.3f}' for x in dict(sft=sft, dpo=dpo, kto=kto)[k])}; ratio to sft {m[k] / m['sft']:.2f}x")
PY
