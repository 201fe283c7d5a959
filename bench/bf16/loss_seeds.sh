#!/usr/bin/env bash
# bf16-mixed against fp32 on the demo's reference model over several seeds: the check behind the README's stated
# tolerance (bf16-mixed training). Needs a CPU with AVX512_BF16; about 70 s per run on 2 quiet Zen 5 cores.
#
#   bench/bf16/loss_seeds.sh [OUT] [SEEDS]      defaults: runs/bf16-seeds, "1 2 3 4 5 6 7 8"
#
# 1. `sift demo` builds the corpus, tokenizer and reference model once (one 1-step CLM student, which the demo
#    always trains); its resolved reference recipe is the recipe of every run here.
# 2. For each seed, that recipe is trained in fp32 and in bf16-mixed (same data and order, train.gemm managed, so
#    fp32 does not depend on a per-machine GEMM calibration). A finished run is kept; an unfinished one is redone.
# 3. loss_seeds.py prints the per-seed table and the paired 95% t intervals.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-runs/bf16-seeds}
seeds=${2:-1 2 3 4 5 6 7 8}
sift="$root/sift"
mkdir -p "$out"
echo "demo corpus and reference recipe -> $out/demo (log: $out/demo.log)"
"$sift" demo -o "$out/demo" --set arms=clm --set seeds=1 --set student.train.max_steps=1 --set student.eval.interval=1 \
    --set student.eval.accuracy_problems=1 --set student.eval.final_accuracy_problems=1 >"$out/demo.log" 2>&1
recipe="$out/demo/reference/recipe.resolved.yaml"
for seed in $seeds; do
    for precision in fp32 bf16-mixed; do
        run="$out/$precision-s$seed"
        if [ -f "$run/metrics.jsonl" ] && grep -q '"clean_loss"' "$run/metrics.jsonl"; then
            echo "$precision seed $seed: done ($run)"
            continue
        fi
        rm -rf "$run"
        echo "$precision seed $seed -> $run"
        "$sift" train --config "$recipe" --set "out_dir=$run" --set "train.seed=$seed" --set "train.precision=$precision" \
            --set train.gemm=managed --set checkpoint.interval=0 >"$run.log" 2>&1
    done
done
# shellcheck disable=SC2086 # the seeds are a word list
python3 "$root/bench/bf16/loss_seeds.py" "$out" $seeds
