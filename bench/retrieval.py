"""Open-domain retrieval benchmark on SQuAD-format files (CMRC 2018, DRCD, ...).

Every ``context`` becomes one document (title = its article's title) written as a
file and indexed through ``rag.build_index``, the path users take; every question
is asked against the whole corpus. Prints recall@1/5/20 and MRR of the gold
document for BM25 alone, dense alone and the fused default, plus search latency.

Usage: python bench/retrieval.py FILE.json [FILE.json ...] [--limit N] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import rag


def load_squad(path: Path, limit: int | None) -> tuple[list[tuple[str, str]], list[tuple[str, int]]]:
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    contexts, questions = [], []
    for article in data:
        for para in article["paragraphs"]:
            cid = len(contexts)
            contexts.append((article.get("title", ""), para["context"]))
            questions.extend((qa["question"], cid) for qa in para["qas"])
    if limit:
        questions = questions[:limit]
    return contexts, questions


def write_corpus(contexts: list[tuple[str, str]], folder: Path) -> list[str]:
    paths = []
    for i, (title, text) in enumerate(contexts):
        p = folder / f"{i:05d}.txt"
        # The title on its own first line is read as the headline, as for a news file.
        p.write_text(f"{title}\n{text}\n", encoding="utf-8")
        paths.append(str(p.absolute()))
    return paths


def evaluate(index: rag.Index, questions, paths: list[str], k: int = 20) -> dict:
    ranks, times = [], []
    for q, cid in questions:
        t = time.perf_counter()
        hits = index.search(q, k=k)
        times.append((time.perf_counter() - t) * 1000)
        got = [h.path for h in hits]
        ranks.append(got.index(paths[cid]) + 1 if paths[cid] in got else None)
    n = len(ranks)
    times.sort()
    return {
        "R@1": sum(r == 1 for r in ranks) / n,
        "R@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "R@20": sum(r is not None for r in ranks) / n,
        "MRR": sum(1 / r for r in ranks if r) / n,
        "p50_ms": statistics.median(times),
        "p95_ms": times[int(0.95 * (len(times) - 1))],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--limit", type=int, help="ask only the first N questions")
    ap.add_argument("--weights", default="0,1,0.3", help="dense weights to compare (0 = BM25 alone, 1 = dense alone)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    results = {}
    for f in args.files:
        contexts, questions = load_squad(f, args.limit)
        with tempfile.TemporaryDirectory() as tmp:
            corpus = Path(tmp) / "corpus"
            corpus.mkdir()
            paths = write_corpus(contexts, corpus)
            t = time.perf_counter()
            built = rag.build_index(corpus, Path(tmp) / "idx")
            build_s = time.perf_counter() - t
            size = sum(p.stat().st_size for p in (Path(tmp) / "idx").rglob("*") if p.is_file())
            for w in (float(x) for x in args.weights.split(",")):
                index = rag.open_index(Path(tmp) / "idx", config=built.config.replace(dense_weight=w))
                r = evaluate(index, questions, paths)
                r.update(build_s=build_s, index_mb=size / 1e6, documents=len(contexts), questions=len(questions))
                results[f"{f.name} w={w}"] = r
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(f"{'set / dense weight':34} {'R@1':>6} {'R@5':>6} {'R@20':>6} {'MRR':>6} {'p50ms':>6} {'p95ms':>6} {'build s':>8}")
    for name, r in results.items():
        print(f"{name:34} {r['R@1']:6.3f} {r['R@5']:6.3f} {r['R@20']:6.3f} {r['MRR']:6.3f} "
              f"{r['p50_ms']:6.0f} {r['p95_ms']:6.0f} {r['build_s']:8.0f}")


if __name__ == "__main__":
    main()
