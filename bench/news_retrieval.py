"""News retrieval benchmark: the answer is in one report among twenty thousand.

The archive is the 289 contexts of ``antiterror_news_dev.json`` (2020 news on public security;
measure-only, ``../shared/train/README.md``) mixed with the 20,000 items of
``../shared/news/crud_news_2023.jsonl.gz`` (CRUD-RAG, Apache-2.0) as distractors, each written as
a user's file would be (a context: its headline, then the text; a news item: ``发布时间：DATE``,
then the text) and indexed through ``rag.build_index``. Each of the 1,325 questions is asked
against the whole archive; the gold document is its context's file.

Prints recall@1/5/20 and MRR for BM25 alone, dense alone, the fused default and any other
fusion weights (``--sweep``), and for the final ranking of ``Index.search`` (the reranked one
when the configuration reranks), with search latency p50/p95.

Usage:
    python bench/news_retrieval.py --keep /tmp/news-bench [--limit N] [--sweep 0.1,0.2,0.3]
    python bench/news_retrieval.py --keep /tmp/news-bench --questions bench/news_questions.jsonl
    python bench/news_retrieval.py --keep /tmp/news-bench --from-index /work/news/idx
        (start from a copy of an index of the news items, e.g. the one ``bench/news_many.py --keep`` built,
        and add the contexts with ``Index.update``: minutes instead of the 36-minute build)
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import statistics
import sys
import time
from pathlib import Path

import rag
from rag.retrieve import fuse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from retrieval import percentile, rank_of, recall_metrics  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
DEV = SHARED / "train" / "extra" / "antiterror_news_dev.json"
NEWS = SHARED / "news" / "crud_news_2023.jsonl.gz"


def write_archive(folder: Path, dev: Path = DEV, news: Path = NEWS, limit_news: int | None = None):
    """The archive's files; returns the questions as ``(question, gold path)``."""
    (folder / "contexts").mkdir(parents=True, exist_ok=True)
    (folder / "news").mkdir(parents=True, exist_ok=True)
    questions = []
    for i, article in enumerate(json.loads(dev.read_text(encoding="utf-8"))["data"]):
        for j, para in enumerate(article["paragraphs"]):
            p = folder / "contexts" / f"c{i:04d}_{j}.txt"
            if not p.exists():
                p.write_text(f"{article.get('title', '')}\n{para['context']}\n", encoding="utf-8")
            questions.extend((qa["question"], str(p.absolute())) for qa in para["qas"])
    with gzip.open(news, "rt", encoding="utf-8") as f:
        for n, line in enumerate(f):
            if limit_news is not None and n >= limit_news:
                break
            item = json.loads(line)
            p = folder / "news" / f"{item['id']}.txt"
            if not p.exists():
                p.write_text(f"发布时间：{item['date']}\n{item['text']}\n", encoding="utf-8")
    return questions


def own_questions(path: Path, folder: Path):
    """Questions written for ``../shared/news/`` (one JSON object a line: question, id of the gold item,
    and ``reposts``: ids of items carrying the same story, equally right)."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            ids = [row["id"], *row.get("reposts", [])]
            out.append((row["question"], tuple(str((folder / "news" / f"{i}.txt").absolute()) for i in ids)))
    return out


def ask_ranks(index, qs) -> dict:
    """R@k of the articles ``Index.ask`` puts before the reader: the one its answer quotes, then its
    related passages' articles (the order a user of the chat page sees), with ask latency."""
    ranks, times = [], []
    for q, gold in qs:
        t = time.perf_counter()
        answer = index.ask(q)
        times.append((time.perf_counter() - t) * 1000)
        paths = [c.path for c in answer.citations] + [h.path for h in answer.related]
        ranks.append(rank_of(list(dict.fromkeys(paths)), gold))
    return {**recall_metrics(ranks), "p50_ms": statistics.median(times), "p95_ms": percentile(times, 95)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", type=Path, required=True, help="folder for the archive's files and index (reused)")
    ap.add_argument("--limit", type=int, help="ask only the first N questions")
    ap.add_argument("--limit-news", type=int, help="only the first N news items (a quick run)")
    ap.add_argument("--sweep", default="0.1,0.2,0.3", help="other fusion weights to score (0 BM25, 1 dense)")
    ap.add_argument("--questions", type=Path, help="also ask these questions of one's own (JSON lines)")
    ap.add_argument("--config", help="JSON of query-time Config settings")
    ap.add_argument("--from-index", type=Path, help="copy this index of the news items and add the contexts to it")
    ap.add_argument("--ask", action="store_true",
                    help="also ask each question with Index.ask: is the article its answer quotes first the gold one")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    questions = write_archive(args.keep / "files", limit_news=0 if args.from_index else args.limit_news)
    sets = {"antiterror dev": questions[: args.limit] if args.limit else questions}
    if args.questions:
        sets["own news questions"] = own_questions(args.questions, args.keep / "files")
    t = time.perf_counter()
    if (args.keep / "idx" / "manifest.json").exists():
        index = rag.open_index(args.keep / "idx")
    elif args.from_index:
        shutil.copytree(args.from_index, args.keep / "idx")
        index = rag.open_index(args.keep / "idx")
        index.update([args.keep / "files" / "contexts"])
    else:
        index = rag.build_index(args.keep / "files", args.keep / "idx")
    build_s = time.perf_counter() - t
    if args.config:
        index = rag.open_index(args.keep / "idx", config=index.config.replace(**json.loads(args.config)))
    retriever = index._retriever  # one query's component scores serve every fusion weight
    weights = sorted({0.0, 1.0, index.config.dense_weight, *(float(w) for w in args.sweep.split(",") if w)})
    results = {}
    for name, qs in sets.items():
        ranks = {w: [] for w in weights}
        final, times = [], []
        for q, gold in qs:
            t = time.perf_counter()
            hits = index.search(q, k=20)
            times.append((time.perf_counter() - t) * 1000)
            final.append(rank_of([h.path for h in hits], gold))
            bm25, cos, ok = retriever.components(q)
            for w in weights:
                got = retriever.hits(fuse(bm25, cos, ok, weight=w, candidates=index.config.candidates), 20)
                ranks[w].append(rank_of([h.path for h in got], gold))
        for w in weights:
            label = {0.0: "BM25 alone", 1.0: "dense alone"}.get(w, f"fused w={w}")
            results[f"{name}: {label}"] = recall_metrics(ranks[w])
        results[f"{name}: Index.search (served)"] = {**recall_metrics(final), "p50_ms": statistics.median(times),
                                                     "p95_ms": percentile(times, 95)}
        if args.ask:
            results[f"{name}: Index.ask, article quoted first"] = ask_ranks(index, qs)
    if args.json:
        print(json.dumps({"documents": len(index), "build_s": build_s, "results": results}, indent=1,
                         ensure_ascii=False))
        return
    print(f"{len(index)} documents, {len(retriever.chunks)} passages; build/open {build_s:.0f} s")
    print(f"{'set: ranking':52} {'R@1':>6} {'R@5':>6} {'R@20':>6} {'MRR':>6} {'p50 ms':>7} {'p95 ms':>7}")
    for name, r in results.items():
        lat = f"{r['p50_ms']:7.0f} {r['p95_ms']:7.0f}" if "p50_ms" in r else ""
        print(f"{name:52} {r['R@1']:6.3f} {r['R@5']:6.3f} {r['R@20']:6.3f} {r['MRR']:6.3f} {lat}")


if __name__ == "__main__":
    main()
