"""Open-domain retrieval benchmark on SQuAD-format files (CMRC 2018, DRCD, ...).

Every ``context`` becomes one document (its article's title on the first line, as a
news file's headline) indexed through ``rag.build_index``, the path users take;
every question is asked against the whole corpus with ``Index.search``. Prints
recall@1/5/20 and MRR of the gold document, search latency p50/p95 (query
embedding included), build time, index size and peak memory. ``--sweep`` also
scores other fusion weights from the same per-question BM25 and cosine scores
(0 = BM25 alone, 1 = dense alone), through the same ``rag.retrieve.fuse``.

``--milvus`` also builds the same corpus into the Milvus backend (Milvus Lite, its embedded form; the
vectors are handed over through the build's embedding cache, not embedded twice) and asks the same
questions there, so the two backends' recall is compared on identical vectors.

Usage:
    python bench/retrieval.py ../shared/eval/cmrc2018_trial.json ../shared/eval/DRCD_dev.json
    python bench/retrieval.py ../shared/eval/DRCD_dev.json --milvus --milvus-every 4
    python bench/retrieval.py FILE.json --sweep 0,0.2,0.3,0.5,1 --config '{"chunk_chars": 300}' --json
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import rag
from rag.retrieve import fuse


def load_squad_answers(path: Path, limit: int | None = None):
    """Contexts as ``(title, text)``; questions as ``(question, context index, gold answer texts)``."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    contexts, questions = [], []
    for article in data:
        for para in article["paragraphs"]:
            cid = len(contexts)
            contexts.append((article.get("title", ""), para["context"]))
            questions.extend((qa["question"], cid, [a["text"] for a in qa.get("answers", [])]) for qa in para["qas"])
    return contexts, questions[:limit] if limit else questions


def load_squad(path: Path, limit: int | None = None) -> tuple[list[tuple[str, str]], list[tuple[str, int]]]:
    """Contexts as ``(title, text)`` and questions as ``(question, context index)``."""
    contexts, questions = load_squad_answers(path, limit)
    return contexts, [(q, cid) for q, cid, _ in questions]


def write_corpus(contexts: list[tuple[str, str]], folder: Path) -> list[str]:
    """One file per context; returns their absolute paths (as citations give them)."""
    paths = []
    for i, (title, text) in enumerate(contexts):
        p = folder / f"{i:05d}.txt"
        p.write_text(f"{title}\n{text}\n", encoding="utf-8")
        paths.append(str(p.absolute()))
    return paths


def recall_metrics(ranks: list[int | None]) -> dict[str, float]:
    """Recall@1/5/20 and MRR from the 1-based rank of the gold document (None = not in the top 20).

    >>> recall_metrics([1, 2, None, 6])
    {'R@1': 0.25, 'R@5': 0.5, 'R@20': 0.75, 'MRR': 0.4166666666666667}
    """
    n = len(ranks) or 1
    return {
        "R@1": sum(r == 1 for r in ranks) / n,
        "R@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "R@20": sum(r is not None for r in ranks) / n,
        "MRR": sum(1 / r for r in ranks if r) / n,
    }


def rank_of(paths: list[str], gold: str | tuple[str, ...]) -> int | None:
    """1-based rank of the gold path (or of the first of several equally right ones: reposts)."""
    golds = {gold} if isinstance(gold, str) else set(gold)
    return next((i + 1 for i, p in enumerate(paths) if p in golds), None)


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def run_file(path: Path, args) -> dict[str, dict]:
    contexts, questions = load_squad(path, args.limit)
    config = rag.Config().replace(**json.loads(args.config)) if args.config else rag.Config()
    sweep = [float(x) for x in args.sweep.split(",")] if args.sweep else []
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep / path.stem if args.keep else Path(scratch)
        (root / "corpus").mkdir(parents=True, exist_ok=True)
        paths = write_corpus(contexts, root / "corpus")
        t = time.perf_counter()
        if args.keep and (root / "idx" / "manifest.json").exists() and not args.config:
            index = rag.open_index(root / "idx")  # built by an earlier run (bench/answers.py --keep builds the same)
        else:
            index = rag.build_index(root / "corpus", root / "idx", config=config)
        build_s = time.perf_counter() - t
        size_mb = sum(p.stat().st_size for p in (root / "idx").rglob("*") if p.is_file()) / 1e6
        ranks, times = [], []
        milvus = _milvus_twin(index, root) if args.milvus else None
        m_ranks, m_times = [], []
        swept: dict[float, list[int | None]] = {w: [] for w in sweep}
        retriever = index._retriever  # the bench reuses one query's component scores for every weight
        paired = []  # the files backend's ranks of the questions Milvus is asked too
        for i, (q, cid) in enumerate(questions):
            t = time.perf_counter()
            hits = index.search(q, k=20)
            times.append((time.perf_counter() - t) * 1000)
            ranks.append(rank_of([h.path for h in hits], paths[cid]))
            if milvus is not None and i % args.milvus_every == 0:
                paired.append(ranks[-1])
                t = time.perf_counter()
                hits = milvus.search(q, k=20)
                m_times.append((time.perf_counter() - t) * 1000)
                m_ranks.append(rank_of([h.path for h in hits], paths[cid]))
            if sweep:
                bm25, cos, ok = retriever.components(q)
                for w in sweep:
                    got = retriever.hits(fuse(bm25, cos, ok, weight=w, candidates=config.candidates), 20)
                    swept[w].append(rank_of([h.path for h in got], paths[cid]))
    common = {"documents": len(contexts), "questions": len(questions), "build_s": build_s, "index_mb": size_mb,
              "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    out = {f"{path.name} default (w={config.dense_weight})": {
        **recall_metrics(ranks), "p50_ms": statistics.median(times), "p95_ms": percentile(times, 95), **common}}
    if m_ranks:
        sample = {**common, "questions": len(m_ranks)}
        if len(m_ranks) < len(ranks):  # every k-th question: the files backend on the same ones, for a paired figure
            out[f"{path.name} files, every {args.milvus_every}th question"] = {**recall_metrics(paired), **sample}
        out[f"{path.name} milvus-lite"] = {**recall_metrics(m_ranks), "p50_ms": statistics.median(m_times),
                                           "p95_ms": percentile(m_times, 95), **sample}
    for w, r in swept.items():
        out[f"{path.name} w={w}"] = {**recall_metrics(r), **common}
    return out


def _milvus_twin(index, root: Path):
    """The same corpus in the Milvus backend (Milvus Lite), its vectors taken from ``index``."""
    from rag.build import embedding_cache
    from rag.retrieve import passage_text

    config = index.config.replace(store="milvus", milvus_uri=str(root / "milvus.db"))
    shutil.rmtree(root / "idx-milvus", ignore_errors=True)
    retr = index._retriever
    live = [i for i in range(len(retr.chunks)) if retr.chunks.live[i]]
    cache = embedding_cache(root / "idx-milvus", config, retr.encoder)
    texts = [passage_text(retr.documents[retr.chunks[i].doc_id], retr.chunks[i]) for i in live]
    cache.add([cache.key(t) for t in texts], retr.dense.rows(live))
    return rag.build_index(root / "corpus", root / "idx-milvus", config=config)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", type=Path, help="SQuAD-format JSON files")
    ap.add_argument("--limit", type=int, help="ask only the first N questions of each file")
    ap.add_argument("--sweep", help="comma-separated dense weights to compare, e.g. 0,0.3,1")
    ap.add_argument("--config", help='JSON of Config settings for the build, e.g. \'{"chunk_chars": 300}\'')
    ap.add_argument("--json", action="store_true", help="print JSON for machines")
    ap.add_argument("--milvus", action="store_true", help="also search the Milvus backend (Milvus Lite)")
    ap.add_argument("--milvus-every", type=int, default=1,
                    help="ask Milvus every k-th question only (Milvus Lite takes 1-2 s per question on DRCD); "
                         "the files backend's figures on the same questions are printed beside it")
    ap.add_argument("--keep", type=Path, help="build each file's index here once and reuse it (as bench/answers.py)")
    args = ap.parse_args()
    results: dict[str, dict] = {}
    for f in args.files:
        done = run_file(f, args)
        results.update(done)
        if not args.json:  # each file's figures as soon as they exist (a run over both files is long)
            for name, r in done.items():
                print(f"{name}: R@1 {r['R@1']:.3f} R@5 {r['R@5']:.3f} MRR {r['MRR']:.3f}", flush=True)
    if args.json:
        print(json.dumps(results, indent=1, ensure_ascii=False))
        return
    print(f"{'set / fusion':42} {'R@1':>6} {'R@5':>6} {'R@20':>6} {'MRR':>6} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'build s':>8} {'MB':>6} {'RSS MB':>7}")
    for name, r in results.items():
        lat = f"{r['p50_ms']:7.0f} {r['p95_ms']:7.0f}" if "p50_ms" in r else f"{'':7} {'':7}"
        print(f"{name:42} {r['R@1']:6.3f} {r['R@5']:6.3f} {r['R@20']:6.3f} {r['MRR']:6.3f} {lat} "
              f"{r['build_s']:8.0f} {r['index_mb']:6.1f} {r['peak_rss_mb']:7.0f}")


if __name__ == "__main__":
    main()
