"""Fit the passage reranker (``rag.rerank``) on the training files: ``python -m rag.rerank_fit``.

The archive is what a user's looks like when the answer is one report among thousands: every context of
the licensed training files (CMRC 2018 train, XQuAD zh, SQuAD 2.0 zh answerable; ``../shared/train/README.md``)
as a file (title line, then text), mixed with the 20,000 news items of ``../shared/news/`` (CRUD-RAG,
Apache-2.0) as distractors. ``--from-index`` starts from a copy of an index of those news items
(``bench/news_many.py --keep DIR`` builds one) and adds the contexts with ``Index.update`` (minutes);
without it the whole archive is built (about 40 minutes on 2 cores). A sample of the questions is asked
with the reranker off; each one's first ``depth`` candidates become rows of :data:`rag.rerank.FEATURES`,
labelled by whether the passage is of the question's own context (or a repost of it). Beside them, 2,000
questions generated from the news items (:func:`news_questions`) stand for the questions a news archive gets.
The weights of a linear score over the features are searched to maximise recall@1 on both kinds of question
(:func:`search_weights`); cross-validation by context reports recall@1 of the first stage, of BM25's order
among the candidates and of the reranked order. No evaluation file and nothing of
``../shared/train/extra/`` is read. Writes ``rag/rerank.json``: the model and the record of the fit
(data hashes, settings, figures, time).
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import shutil
import sys
import time
import zlib
from pathlib import Path

import numpy as np

from rag.ascent import coordinate_ascent
from rag.rerank import FEATURES, SHIPPED, Reranker

__all__ = ["fit", "main"]

SHARED = Path(__file__).resolve().parents[2] / "shared"
TRAIN_FILES = [SHARED / "train" / "cmrc2018_train.json", SHARED / "train" / "xquad_zh.json",
               SHARED / "train" / "squad2_zh_answerable.json"]
NEWS = SHARED / "news" / "crud_news_2023.jsonl.gz"


def write_contexts(files: list[Path], folder: Path) -> list[tuple[str, str]]:
    """One file per context (title line, then text) under ``folder``; the questions as (question, path)."""
    folder.mkdir(parents=True, exist_ok=True)
    questions = []
    for f in files:
        for i, article in enumerate(json.loads(f.read_text(encoding="utf-8"))["data"]):
            for j, para in enumerate(article["paragraphs"]):
                p = folder / f"{f.stem}_{i:05d}_{j}.txt"
                if not p.exists():
                    p.write_text(f"{article.get('title', '')}\n{para['context']}\n", encoding="utf-8")
                questions.extend((qa["question"], str(p.absolute())) for qa in para["qas"] if qa.get("question"))
    return questions


_ANSWER_WORDS = {"m": "多少", "nr": "谁", "ns": "哪里", "nt": "哪个机构"}


def news_questions(news: Path, n: int, seed: int = 13) -> list[tuple[str, str]]:
    """``n`` questions generated from the news items, as (question, item id): a sentence holding a number, a
    person, a place or an organisation, that word replaced by 多少/谁/哪里/哪个机构 and a third of the other words
    dropped (so that the question is not the sentence verbatim). Recorded as generated from CRUD-RAG."""
    from rag.text import load_jieba

    posseg = load_jieba().posseg
    rng = random.Random(seed)
    with gzip.open(news, "rt", encoding="utf-8") as fh:
        items = [json.loads(line) for line in fh]
    out = []
    for item in rng.sample(items, min(len(items), 2 * n)):
        question = question_from(item["text"], rng, posseg)
        if question:
            out.append((question, item["id"]))
        if len(out) >= n:
            break
    return out


def question_from(text: str, rng: random.Random, posseg) -> str | None:
    """One question about ``text`` as :func:`news_questions` makes them, or None when no sentence suits."""
    from rag.text import split_sentences

    sentences = [text[a:b] for a, b in split_sentences(text, 0, len(text)) if 20 <= b - a <= 90]
    if not sentences:
        return None
    words = [(w, f) for w, f in posseg.cut(rng.choice(sentences)) if w.strip()]
    slots = [i for i, (w, f) in enumerate(words) if (f in _ANSWER_WORDS and len(w) >= 2) or f == "m"]
    if not slots or len(words) < 6:
        return None
    k = rng.choice(slots)
    kept = [_ANSWER_WORDS.get(f if f in _ANSWER_WORDS else "m") if i == k else w for i, (w, f) in enumerate(words)
            if i == k or (f != "x" and rng.random() > 1 / 3)]
    return "".join(kept) + "？"


def _archive(work: Path, files: list[Path], from_index: Path | None, news: Path):
    """The training archive's index (built or updated once, reused by later runs) and its questions."""
    import rag

    questions = write_contexts(files, work / "files" / "contexts")
    idx = work / "idx"
    if not (idx / "manifest.json").exists():
        if from_index is not None:
            shutil.copytree(from_index, idx)
            rag.open_index(idx).update([work / "files" / "contexts"])
        else:
            (work / "files" / "news").mkdir(parents=True, exist_ok=True)
            with gzip.open(news, "rt", encoding="utf-8") as fh:
                for line in fh:
                    item = json.loads(line)
                    p = work / "files" / "news" / f"{item['id']}.txt"
                    if not p.exists():
                        p.write_text(f"发布时间：{item['date']}\n{item['text']}\n", encoding="utf-8")
            rag.build_index(work / "files", idx)
    return idx, questions


def _news_paths(idx: Path) -> list[str]:
    """The indexed files named like news items (``n00042.txt``)."""
    files = json.loads((idx / "manifest.json").read_text(encoding="utf-8"))["files"]
    return [p for p in files if Path(p).parent.name == "news"]


def collect(index, questions: list[tuple[str, str]], depth: int, say) -> dict[str, np.ndarray]:
    """Each question's first ``depth`` candidates (reranker off) as feature rows and labels."""
    retriever = index._retriever
    paths = retriever.documents.paths
    slot_of = {paths[i]: i for i in np.flatnonzero(retriever.documents.live)}

    def story(doc_id: int) -> int:  # a repost is the same story as its original
        return retriever.group_of.get(doc_id, doc_id)

    xs, ys, qs = [], [], []
    t = time.perf_counter()
    for n, (question, gold) in enumerate(questions):
        scored = retriever.score_passages(question)
        rows = retriever.rerank_rows(question, scored, depth)
        want = story(slot_of[gold]) if gold in slot_of else -1
        xs.append(rows)
        ys.append(np.array([story(int(retriever.chunks.doc_ids[s.chunk_index])) == want for s in scored[:depth]],
                           dtype=np.int8))
        qs.append(np.full(len(rows), n, dtype=np.int32))
        if (n + 1) % 500 == 0:
            say(f"{n + 1} questions in {time.perf_counter() - t:.0f} s")
    return {"x": np.concatenate(xs), "y": np.concatenate(ys), "q": np.concatenate(qs)}


def recall_at_1(order_scores: np.ndarray, y: np.ndarray, q: np.ndarray) -> float:
    """Share of questions whose best-scored candidate is of the gold context (all questions count)."""
    hits, total = 0, 0
    for n in np.unique(q):
        pick = q == n
        total += 1
        hits += int(y[pick][int(np.argmax(order_scores[pick]))] == 1)
    return hits / total if total else 0.0


def _padded(x: np.ndarray, y: np.ndarray, q: np.ndarray, depth: int):
    """Rows as (questions, depth, features) with labels and a mask: recall@1 of any weights in one product."""
    first = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])
    ends = np.r_[first[1:], len(q)]
    xs = np.zeros((len(first), depth, x.shape[1]))
    ys = np.zeros((len(first), depth))
    mask = np.zeros((len(first), depth), dtype=bool)
    for i, (a, b) in enumerate(zip(first, ends)):
        xs[i, : b - a], ys[i, : b - a], mask[i, : b - a] = x[a:b], y[a:b], True
    return xs, ys, mask


def _r1(padded, w: np.ndarray) -> float:
    xs, ys, mask = padded
    s = xs @ w - 1e-6 * np.arange(xs.shape[1])  # ties keep the first stage's order
    s[~mask] = -np.inf
    return float(ys[np.arange(len(ys)), s.argmax(1)].mean()) if len(ys) else 0.0


def search_weights(sets: list, steps=(1.0, 0.5, 0.25, 0.1, 0.05)) -> np.ndarray:
    """Weights over FEATURES that maximise the mean recall@1 over ``sets`` (padded rows, one set per kind of
    question, so that Wikipedia and news count alike): coordinate ascent from ``window`` alone, each weight
    moved by shrinking steps while the objective rises. Recall@1 itself is the objective: a per-passage
    likelihood (logistic or listwise) fitted on the same rows kept the first stage's order (docs/experiments.md)."""
    w = np.zeros(len(FEATURES))
    w[FEATURES.index("window")] = 1.0  # the strongest single feature on both kinds of question

    def objective(v: np.ndarray) -> float:
        return float(np.mean([_r1(p, v) for p in sets]))

    return coordinate_ascent(objective, w, fixed=FEATURES.index("window"), steps=steps)


def fit(rows: dict[str, np.ndarray], groups: np.ndarray, kinds: np.ndarray, *, folds: int = 5,
        seed: int = 13, depth: int = 30) -> tuple[Reranker, dict]:
    """The weights searched on every row, and recall@1 cross-validated by context (``groups``: a context per
    question; ``kinds``: 0 a training file's question, 1 a generated news question)."""
    x, y, q = rows["x"], rows["y"], rows["q"]

    def sets_of(pick: np.ndarray) -> list:
        return [_padded(x[pick & (kinds[q] == k)], y[pick & (kinds[q] == k)], q[pick & (kinds[q] == k)], depth)
                for k in np.unique(kinds) if (pick & (kinds[q] == k)).any()]

    ctx = np.unique(groups)
    fold_of = dict(zip(ctx.tolist(), np.random.default_rng(seed).permutation(len(ctx)) % folds))
    fold = np.array([fold_of[g] for g in groups[q]])
    held = np.zeros(len(y))
    for k in range(folds):
        held[fold == k] = x[fold == k] @ search_weights(sets_of(fold != k))
    first = -np.arange(len(y), dtype=np.float64)  # the fused order: earlier rows first
    bm25 = x[:, FEATURES.index("bm25")] + 1e-9 * first
    figures = {}
    for name, kind in (("training files", 0), ("generated news", 1)):
        pick = kinds[q] == kind
        if not pick.any():
            continue
        yk, qk = y[pick], q[pick]
        figures[name] = {
            "questions": int(len(np.unique(qk))),
            "gold_among_candidates": round(float(np.mean([yk[qk == n].any() for n in np.unique(qk)])), 4),
            "R@1 fused (first stage)": round(recall_at_1(first[pick], yk, qk), 4),
            "R@1 BM25 order of the candidates": round(recall_at_1(bm25[pick], yk, qk), 4),
            "R@1 reranked (cross-validated)": round(recall_at_1(held[pick] + 1e-9 * first[pick], yk, qk), 4),
        }
    w = search_weights(sets_of(np.ones(len(y), dtype=bool)))
    n = len(FEATURES)
    return Reranker(FEATURES, (0.0,) * n, (1.0,) * n, tuple(float(v) for v in w), 0.0, depth), figures


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", type=Path, default=TRAIN_FILES)
    ap.add_argument("--work", type=Path, default=Path("/tmp/rag-rerank-fit"),
                    help="the training archive and the collected rows (kept: a second run only refits)")
    ap.add_argument("--from-index", type=Path, help="an index of the news items to copy and add the contexts to")
    ap.add_argument("--news", type=Path, default=NEWS)
    ap.add_argument("--questions", type=int, default=4000, help="questions sampled (seed 13)")
    ap.add_argument("--news-questions", type=int, default=2000,
                    help="questions generated from the news items (news_questions), asked beside the sampled ones")
    ap.add_argument("--depth", type=int, default=30, help="candidates reordered")
    ap.add_argument("--out", type=Path, default=SHIPPED)
    args = ap.parse_args(argv)
    import rag
    from rag.reader.train import file_sha256

    started = time.perf_counter()
    args.work.mkdir(parents=True, exist_ok=True)
    idx, questions = _archive(args.work, args.files, args.from_index, args.news)
    questions = sorted(set(questions))
    random.Random(13).shuffle(questions)
    questions = questions[: args.questions]
    news_dir = {Path(p).parent for p in _news_paths(idx)}
    generated = [(q, str(d / f"{item}.txt")) for q, item in news_questions(args.news, args.news_questions)
                 for d in news_dir if (d / f"{item}.txt").exists()][: args.news_questions]
    kinds = np.array([0] * len(questions) + [1] * len(generated))
    questions = questions + generated
    cache = args.work / f"rows-{len(questions)}-{args.depth}.npz"
    if cache.exists():
        rows = dict(np.load(cache))
    else:
        index = rag.open_index(idx)
        index = rag.open_index(idx, config=index.config.replace(rerank=False))
        print(f"{len(index)} documents; asking {len(questions)} questions", flush=True)
        rows = collect(index, questions, args.depth, lambda m: print(m, flush=True))
        np.savez(cache, **rows)
    if rows["x"].shape[1] != len(FEATURES):
        raise SystemExit(f"{cache} holds {rows['x'].shape[1]} features, rag.rerank has {len(FEATURES)}: delete it")
    groups = np.array([zlib.crc32(gold.encode()) for _, gold in questions])
    if len(kinds) != len(questions):
        raise SystemExit(f"{cache} was collected for other questions: delete it")
    model, figures = fit(rows, groups, kinds, depth=args.depth)
    for name, value in figures.items():
        print(f"{name}: {value}")
    record = {
        "data": [{"file": f.name, "sha256": file_sha256(f)} for f in [*args.files, args.news]],
        "attribution": "fitted on questions of CMRC 2018 train (ymcui/cmrc2018), XQuAD zh (google-deepmind/xquad) "
                       "and SQuAD 2.0 zh (pluto-junzeng/ChineseSquad), CC BY-SA 4.0, with CRUD-RAG news items "
                       "(Apache-2.0) as distractors",
        "settings": {"questions": len(questions), "depth": args.depth, "seed": 13,
                     "objective": "mean recall@1 of the two kinds of question, coordinate ascent"},
        "figures": figures, "seconds": round(time.perf_counter() - started),
        "command": "python -m rag.rerank_fit " + " ".join(sys.argv[1:] if argv is None else argv),
    }
    args.out.write_text(json.dumps({"model": model.to_json(), "record": record}, ensure_ascii=False, indent=1))
    print(f"wrote {args.out}: " + ", ".join(f"{n} {w:+.2f}" for n, w in zip(FEATURES, model.coef)))


if __name__ == "__main__":
    main()
