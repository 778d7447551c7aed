"""The reader alone: short-answer EM / character F1 with each question's gold paragraph given.

Tells reader errors from retrieval errors (bench/answers.py measures the whole pipeline).

Usage: python bench/reader.py FILE.json [FILE.json ...] [--weights DIR] [--limit N] [--part dev|test|all] [--int8]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from rag.reader import load_reader
from rag.reader.train import load_squad

sys.path.insert(0, str(Path(__file__).resolve().parent))
from answers import char_f1, _norm  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--weights", help="reader folder (default: the shipped weights)")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--part", choices=["all", "dev", "test"], default="all")
    ap.add_argument("--int8", action="store_true", help="int8 reader instead of float32")
    args = ap.parse_args()
    reader = load_reader(args.weights, args.int8)
    for f in args.files:
        qas = load_squad(f)
        qas = qas if args.part == "all" else qas[0 if args.part == "dev" else 1 :: 2]
        qas = qas[: args.limit] if args.limit else qas
        em, f1, ms = [], [], []
        for qa in qas:
            t = time.perf_counter()
            # the whole paragraph, in windows; the span with the best margin over its window's
            # "no answer" score, as the answer stage chooses
            guesses = reader.read(qa.question, [qa.context], top=1)
            best = max(guesses, key=lambda g: g.score - g.null) if guesses else None
            pred = qa.context[best.start : best.end] if best else ""
            ms.append((time.perf_counter() - t) * 1000)
            em.append(max(float(_norm(pred) == _norm(a)) for a in qa.answers))
            f1.append(max(char_f1(pred, a) for a in qa.answers))
        n = max(1, len(qas))
        print(f"{f.name}: {len(qas)} questions, gold paragraph given: EM {sum(em) / n:.3f}  F1 {sum(f1) / n:.3f}  "
              f"(p50 {statistics.median(ms):.0f} ms per paragraph)")


if __name__ == "__main__":
    main()
