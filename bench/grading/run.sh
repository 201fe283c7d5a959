#!/usr/bin/env bash
# Grading throughput, Sift (compat and strict, one thread) and, with --zg-harness DIR, the Python harness's grader
# on the same inputs. Any other options go to GradingBench (see GradingBench/Program.cs).
#   bench/grading/run.sh                                   # Sift only
#   bench/grading/run.sh --zg-harness /path/to/math-evaluation-harness --zg-repeats 2
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build bench/grading/GradingBench -c Release -v quiet -clp:ErrorsOnly >/dev/null
exec dotnet bench/grading/GradingBench/bin/Release/net10.0/GradingBench.dll "$@"
