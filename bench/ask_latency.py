"""Time index building and ask/search latency on a folder of articles (default: seeds/).

Usage:
    python bench/ask_latency.py [SRC] [--questions FILE] [--repeat N]
    python bench/ask_latency.py --squad ../shared/eval/DRCD_dev.json [--index DIR] [--limit 300]

Questions default to a few about the seeds; pass a file with one question per line for
another archive, or ``--squad FILE`` to index a SQuAD-format file's contexts (one document
each, as bench/answers.py does) and ask its first ``--limit`` questions once each.
``--index DIR`` reuses an index built earlier from the same files. Prints build time,
then p50/p95/max latency of search and ask, and the slowest questions.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import rag
from rag.span import warm_up

sys.path.insert(0, str(Path(__file__).resolve().parent))
from retrieval import load_squad_answers, write_corpus  # noqa: E402

DEFAULT_QUESTIONS = ["巡视工作的根本任务是什么？", "系统内巡视由谁牵头？", "中央第七督导组组长是谁？",
                     "檢察信訪工作是什麼的重要體現？", "最高检如何开展未成年人检察工作？"]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src", nargs="?", default="seeds")
    ap.add_argument("--questions", type=Path)
    ap.add_argument("--squad", type=Path, help="index this SQuAD-format file's contexts and ask its questions")
    ap.add_argument("--limit", type=int, default=300, help="with --squad: how many questions")
    ap.add_argument("--index", type=Path, help="reuse this index (built from the same files) instead of building")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--config", help="JSON of query-time Config settings")
    args = ap.parse_args()
    import json

    overrides = json.loads(args.config) if args.config else {}
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(args.src)
        if args.squad:
            contexts, qs = load_squad_answers(args.squad)
            questions = [q for q, _, _ in qs[: args.limit]]
            src = Path(tmp) / "corpus"
            src.mkdir()
            write_corpus(contexts, src)
            repeat = 1
        else:
            questions = args.questions.read_text(encoding="utf-8").split("\n") if args.questions else DEFAULT_QUESTIONS
            questions = [q for q in questions if q.strip()]
            repeat = args.repeat
        t = time.perf_counter()
        reused = bool(args.index and (args.index / "manifest.json").exists())
        if reused:
            index = rag.open_index(args.index, config=rag.Config(**overrides) if overrides else None)
        else:
            index = rag.build_index(src, args.index or Path(tmp) / "idx", config=rag.Config(**overrides))
        build = time.perf_counter() - t
        warm_up()  # as `rag serve` does at start: jieba's dictionary and tagger
        index.ask(questions[0])
        timings: dict[str, list[tuple[float, str]]] = {"search": [], "ask": []}
        for _ in range(repeat):
            for q in questions:
                t = time.perf_counter()
                index.search(q, k=5)
                timings["search"].append(((time.perf_counter() - t) * 1000, q))
                t = time.perf_counter()
                index.ask(q)
                timings["ask"].append(((time.perf_counter() - t) * 1000, q))
    print(f"{'open' if reused else 'build'}: {build:.1f} s for {len(index)} documents, {len(index.chunks)} passages")
    for name, pairs in timings.items():
        values = [v for v, _ in pairs]
        print(f"{name}: p50 {statistics.median(values):.0f} ms, p95 {pct(values, 95):.0f} ms, "
              f"max {max(values):.0f} ms over {len(values)} calls")
    for ms, q in sorted(timings["ask"], reverse=True)[:5]:
        print(f"  slow ask {ms:.0f} ms: {q}")


if __name__ == "__main__":
    main()
