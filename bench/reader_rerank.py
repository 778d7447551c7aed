"""Would the reader's "an answer is here" score put the right news report first? Measured, not served.

The news retrieval benchmark's archive (``bench/news_retrieval.py --keep DIR``: the 1,325 antiterror dev
questions' 289 contexts among the 20,000 items of ``../shared/news/``) is asked as ``Index.search`` asks
(fused, then reranked); the reader reads the first ``--depth`` passages and each passage gets its best
span's margin over "no answer here". The top is then reordered by

    key = 1 / (1 + served rank) + w * sigmoid(margin / 2)

for each ``w`` of ``--weights``; recall@1 of the story is reported for the served order and for each
weight, on the even-numbered questions (to choose ``w``) and the odd ones (to report), with the reader's
time per question. The antiterror set is for measuring only (``../shared/train/README.md``): nothing
chosen here ships.

Usage: python bench/reader_rerank.py --keep DIR [--depth 5] [--weights 0.1,0.2,0.4,0.8] [--limit N]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path

import rag

sys.path.insert(0, str(Path(__file__).resolve().parent))
from news_retrieval import write_archive  # noqa: E402


def story_at_1(index, scored, order, gold: str) -> bool:
    """Is the first passage of ``order`` (indices into ``scored``) of the gold document or a repost of it?"""
    r = index._retriever
    doc_id = r.chunks[scored[order[0]].chunk_index].doc_id
    return gold in r.copies(doc_id) or r.documents[doc_id].path == gold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", type=Path, required=True)
    ap.add_argument("--depth", type=int, default=5)
    ap.add_argument("--weights", default="0.1,0.2,0.4,0.8,1.6")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--reader-weights", default="", help="another trained reader's folder (default: the shipped one)")
    args = ap.parse_args()
    questions = write_archive(args.keep / "files", limit_news=0)
    questions = questions[: args.limit] if args.limit else questions
    index = rag.open_index(args.keep / "idx")
    if args.reader_weights:
        index = rag.open_index(args.keep / "idx", config=index.config.replace(reader_weights=args.reader_weights))
    r, reader = index._retriever, index._reader
    weights = [0.0] + [float(w) for w in args.weights.split(",")]
    hits = {w: [[], []] for w in weights}
    times = []
    for n, (q, gold) in enumerate(questions):
        scored = r.score_passages(q)[: args.depth]
        if not scored:
            continue
        t = time.perf_counter()
        guesses = reader.read(q, [r.chunks[s.chunk_index].text for s in scored], top=1)
        times.append((time.perf_counter() - t) * 1000)
        margin = [-math.inf] * len(scored)
        for g in guesses:
            margin[g.passage] = max(margin[g.passage], g.score - g.null)
        for w in weights:
            key = [1 / (1 + i) + w / (1 + math.exp(-m / 2)) if m > -math.inf else 1 / (1 + i)
                   for i, m in enumerate(margin)]
            order = sorted(range(len(scored)), key=lambda i: -key[i])
            hits[w][n % 2].append(story_at_1(index, scored, order, gold))
    out = {"questions": len(questions), "depth": args.depth, "reader_weights": args.reader_weights or "shipped",
           "reader_ms_p50": statistics.median(times), "reader_ms_p95": sorted(times)[int(0.95 * len(times))],
           "R@1": {("served" if w == 0 else f"w={w}"): {"even": sum(h[0]) / len(h[0]), "odd": sum(h[1]) / len(h[1])}
                   for w, h in hits.items()}}
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
