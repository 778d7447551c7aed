"""Time index building and ask/search latency on a folder of articles (default: seeds/).

Usage: python bench/ask_latency.py [SRC] [--questions FILE] [--repeat N]
Questions default to a few about the seeds; pass a file with one question per line
for another archive. Prints build time, then p50/p95 latency of search and ask.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import rag

DEFAULT_QUESTIONS = ["巡视工作的根本任务是什么？", "系统内巡视由谁牵头？", "中央第七督导组组长是谁？",
                     "檢察信訪工作是什麼的重要體現？", "最高检如何开展未成年人检察工作？"]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", nargs="?", default="seeds")
    ap.add_argument("--questions", type=Path)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    questions = args.questions.read_text(encoding="utf-8").split("\n") if args.questions else DEFAULT_QUESTIONS
    questions = [q for q in questions if q.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        index = rag.build_index(args.src, Path(tmp) / "idx")
        build = time.perf_counter() - t
        index.ask(questions[0])  # warm-up: first call loads jieba's dictionary
        timings = {"search": [], "ask": []}
        for _ in range(args.repeat):
            for q in questions:
                t = time.perf_counter()
                index.search(q, k=5)
                timings["search"].append((time.perf_counter() - t) * 1000)
                t = time.perf_counter()
                index.ask(q)
                timings["ask"].append((time.perf_counter() - t) * 1000)
    print(f"build: {build:.1f} s for {len(index)} documents, {len(index.chunks)} passages")
    for name, values in timings.items():
        print(f"{name}: p50 {statistics.median(values):.0f} ms, p95 {pct(values, 95):.0f} ms over {len(values)} calls")


if __name__ == "__main__":
    main()
