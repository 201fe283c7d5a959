"""Times the Rho-1/ToRA (ZubinGou math-evaluation-harness) grader on the pairs GradingBench wrote.

Usage: python3 zg_bench.py --harness DIR --pairs pairs.jsonl --out result.json [--repeats N]

DIR is a checkout of the harness (its parser.py and grader.py are imported from there; nothing of it is copied
here). Per pair, exactly the harness's per-sample work, on one thread:
  completions: math_equal(strip_string(extract_answer(completion, "math")), strip_string(gold))   (run_execute + evaluate)
  answers:     math_equal(strip_string(strip_string(pred)), strip_string(strip_string(gold)))
Rates are per CPU-second of this thread (time.thread_time) and per wall second.
Each comparison gets the harness's 3 s limit (3 CPU-seconds via ITIMER_PROF here, instead of a pebble worker's
wall clock, so a loaded machine does not add timeouts; a timeout counts as False).

Modules the harness imports but this machine lacks are replaced by stand-ins, and the result says which:
  latex2sympy2 -> latex2sympy raises (the harness catches it and tries its other parsers)
  word2number  -> w2n.word_to_num raises ValueError, as the real one does for non-number text
  regex        -> the standard re module
  utils        -> an empty module
sympy's parse_latex needs antlr4-python3-runtime 4.10; without it, it raises ImportError at once and the harness
falls through to parse_expr. Both stand-ins make the Python side do LESS work than the real harness (parse_latex
alone is ~2.4 ms per call), so its answers/s is an upper bound.
"""
import argparse
import importlib
import json
import signal
import statistics
import sys
import time
import types


def install_stand_ins():
    missing = []
    for name in ("regex", "latex2sympy2", "word2number", "utils"):
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if "regex" in missing:
        import re
        sys.modules["regex"] = re
    if "latex2sympy2" in missing:
        mod = types.ModuleType("latex2sympy2")

        def latex2sympy(s):
            raise ImportError("latex2sympy2 is not installed")

        mod.latex2sympy = latex2sympy
        sys.modules["latex2sympy2"] = mod
    if "word2number" in missing:
        mod = types.ModuleType("word2number")
        w2n = types.ModuleType("word2number.w2n")

        def word_to_num(text):
            text.lower().split()
            raise ValueError("No valid number words found! (word2number stand-in)")

        w2n.word_to_num = word_to_num
        mod.w2n = w2n
        sys.modules["word2number"] = mod
        sys.modules["word2number.w2n"] = w2n
    if "utils" in missing:
        sys.modules["utils"] = types.ModuleType("utils")
    return missing


def parse_latex_available():
    try:
        from sympy.parsing.latex import parse_latex
        parse_latex("1")
        return True
    except Exception:  # noqa: BLE001 - ImportError (antlr4 version) or anything else: not usable
        return False


class Timeout(Exception):
    pass


def on_alarm(signum, frame):
    raise Timeout()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--harness", required=True)
    ap.add_argument("--pairs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()

    missing = install_stand_ins()
    sys.path.insert(0, args.harness)
    parser = importlib.import_module("parser")
    grader = importlib.import_module("grader")
    strip_string, extract_answer, math_equal = parser.strip_string, parser.extract_answer, grader.math_equal

    def grade(kind, gold, text):
        if kind == "completions":
            return math_equal(strip_string(extract_answer(text, "math")), strip_string(gold))
        return math_equal(strip_string(strip_string(text)), strip_string(strip_string(gold)))

    pairs = [json.loads(line) for line in open(args.pairs, encoding="utf-8") if line.strip()]
    signal.signal(signal.SIGPROF, on_alarm)
    result = {"python": sys.version.split()[0], "stand_ins": missing, "parse_latex": parse_latex_available(), "sets": {}}
    for kind in dict.fromkeys(p["set"] for p in pairs):
        items = [p for p in pairs if p["set"] == kind]
        for p in items[:20]:  # warm-up: imports, regex caches, sympy caches
            grade(kind, p["gold"], p["input"])
        rates, wall, verdicts, timeouts = [], [], [], 0
        for _ in range(max(1, args.repeats)):
            verdicts, timeouts = [], 0
            t0, c0 = time.perf_counter(), time.thread_time()
            for p in items:
                signal.setitimer(signal.ITIMER_PROF, 3.0)
                try:
                    v = bool(grade(kind, p["gold"], p["input"]))
                except Timeout:
                    v, timeouts = False, timeouts + 1
                except Exception:  # noqa: BLE001 - the harness scores an exception as False
                    v = False
                finally:
                    signal.setitimer(signal.ITIMER_PROF, 0)
                verdicts.append(v)
            rates.append(len(items) / (time.thread_time() - c0))
            wall.append(len(items) / (time.perf_counter() - t0))
        result["sets"][kind] = {
            "count": len(items),
            "answers_per_second": statistics.median(rates),
            "best_answers_per_second": max(rates),
            "wall_answers_per_second": statistics.median(wall),
            "equal": sum(verdicts),
            "timeouts": timeouts,
            "verdicts": verdicts,
        }
        print(f"zg-python {kind}: {len(items)} in {len(items) / statistics.median(rates):.2f} CPU-s, "
              f"{statistics.median(rates):.0f} answers per CPU-second, equal {sum(verdicts)}", file=sys.stderr)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
