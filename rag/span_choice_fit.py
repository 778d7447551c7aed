"""Fit the reader's span choice (``rag.span_choice``) for F1: ``python -m rag.span_choice_fit``.

The questions are those of ``../shared/train/squad2_zh_answerable.json`` (SQuAD 2.0 dev translated,
answerable; share-alike), which the shipped reader never trained on, so its logits on them are what it gives
on a user's archive. All their contexts become an archive (one file each: title line, then text), once in
simplified script and once in an OpenCC s2twp copy, and each sampled question is asked of the whole archive
as ``ask`` asks it (retrieval with the reranker, the reader over the best ``Config.reader_passages``
passages, ``rag.answer.producers.reader``). Every proposed span becomes a row of :data:`FEATURES` with the
character F1 of its text against the gold answers. The weights are searched by coordinate ascent from the
hand-set :data:`rag.span_choice.HAND` for the mean F1 of the span each question chooses; 5-fold
cross-validation by context reports the hand-set and the fitted choice side by side. No evaluation file is
read. Writes ``rag/span_choice.json``: the weights and the record (data hashes, settings, figures, time).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

from rag.ascent import coordinate_ascent
from rag.span_choice import FEATURES, HAND, SHIPPED

__all__ = ["fit", "main", "search"]

SHARED = Path(__file__).resolve().parents[2] / "shared"
TRAIN = SHARED / "train" / "squad2_zh_answerable.json"


def _questions(path: Path) -> tuple[list[tuple[str, str]], list[tuple[str, int, list[str]]]]:
    """Contexts as (title, text); questions as (question, context number, gold answers)."""
    contexts, questions = [], []
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                golds = [a["text"] for a in qa.get("answers", []) if a.get("text")]
                if golds and qa.get("question"):
                    questions.append((qa["question"], len(contexts), golds))
            contexts.append((article.get("title", ""), para["context"]))
    return contexts, questions


def _archive(contexts, folder: Path, convert) -> Path:
    import rag

    corpus = folder / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for i, (title, text) in enumerate(contexts):
        p = corpus / f"{i:05d}.txt"
        if not p.exists():
            p.write_text(f"{convert(title)}\n{convert(text)}\n", encoding="utf-8")
    if not (folder / "idx" / "manifest.json").exists():
        rag.build_index(corpus, folder / "idx")
    return folder / "idx"


def collect(index, questions, convert, say) -> list[dict]:
    """Each question's proposed spans: features and F1 (one dict a question)."""
    from rag.answer import read_question
    from rag.answer.passages import read_passages
    from rag.answer.producers import reader as reader_producer
    from rag.reader.train import char_f1

    retriever, reader = index._retriever, index._reader
    out = []
    t = time.perf_counter()
    for n, (question, ctx, golds) in enumerate(questions):
        q = read_question(convert(question), idf=retriever.lexical.idf)
        passages = read_passages(retriever, retriever.score_passages(q), index.config.reader_passages)
        cands = reader_producer.candidates(q, passages, reader=reader, bf16=index.config.bf16_answers)
        gold = [convert(g) for g in golds]
        rows = [[c.features[f] for f in FEATURES] for c in cands]
        f1 = [max(char_f1(c.short.text, g) for g in gold) for c in cands]
        out.append({"context": ctx, "x": rows, "f1": f1})
        if (n + 1) % 250 == 0:
            say(f"{n + 1} questions in {time.perf_counter() - t:.0f} s")
    return out


def _chosen_f1(rows: list[dict], w: np.ndarray) -> float:
    total = 0.0
    for r in rows:
        if r["x"]:
            total += r["f1"][int(np.argmax(np.asarray(r["x"]) @ w))]
    return total / len(rows) if rows else 0.0


def search(rows: list[dict], start: np.ndarray, steps=(2.0, 1.0, 0.5, 0.25)) -> np.ndarray:
    """Coordinate ascent on the mean F1 of the chosen spans, from ``start``; the margin's weight stays 1 (the scale)."""
    arrays = [(np.asarray(r["x"]), np.asarray(r["f1"])) for r in rows if r["x"]]

    def objective(v: np.ndarray) -> float:
        return sum(f[int(np.argmax(x @ v))] for x, f in arrays) / max(len(rows), 1)

    return coordinate_ascent(objective, start, fixed=FEATURES.index("margin"), steps=steps)


def fit(rows: list[dict], *, folds: int = 5, seed: int = 13) -> tuple[np.ndarray, dict]:
    """Weights searched on every row; figures cross-validated by context, per script."""
    hand = np.asarray(HAND.weights)
    ctx = sorted({r["context"] for r in rows})
    fold_of = dict(zip(ctx, np.random.default_rng(seed).permutation(len(ctx)) % folds))
    held_rows = {k: [] for k in range(folds)}
    weights = []
    for k in range(folds):
        w = search([r for r in rows if fold_of[r["context"]] != k], hand)
        weights.append(w)
        held_rows[k] = [r for r in rows if fold_of[r["context"]] == k]
    figures = {}
    for script in sorted({r["script"] for r in rows}):
        pick = {k: [r for r in held_rows[k] if r["script"] == script] for k in range(folds)}
        n = sum(len(v) for v in pick.values())
        fitted = sum(_chosen_f1(pick[k], weights[k]) * len(pick[k]) for k in range(folds)) / n
        mine = [r for r in rows if r["script"] == script]
        figures[script] = {
            "questions": n,
            "F1 hand-set choice": round(_chosen_f1(mine, hand), 4),
            "F1 fitted choice (cross-validated)": round(fitted, 4),
            "F1 best proposed span": round(float(np.mean([max(r["f1"], default=0.0) for r in mine])), 4),
        }
    return search(rows, hand), figures


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=TRAIN, help="SQuAD-format questions the reader did not train on")
    ap.add_argument("--work", type=Path, default=Path("/tmp/rag-span-choice-fit"),
                    help="the archives and the collected rows (kept: a second run only refits)")
    ap.add_argument("--questions", type=int, default=1500, help="questions sampled per script (seed 13)")
    ap.add_argument("--out", type=Path, default=SHIPPED)
    args = ap.parse_args(argv)
    import rag
    from opencc import OpenCC

    from rag.reader.train import file_sha256

    started = time.perf_counter()
    contexts, questions = _questions(args.data)
    random.Random(13).shuffle(questions)
    rows = []
    for script, convert in (("simplified", lambda s: s), ("traditional", OpenCC("s2twp").convert)):
        cache = args.work / f"rows-{script}-{args.questions}.json"
        if cache.exists():
            got = json.loads(cache.read_text())
        else:
            idx = _archive(contexts, args.work / script, convert)
            index = rag.open_index(idx)
            print(f"{script}: {len(index)} documents; asking {args.questions} questions", flush=True)
            got = collect(index, questions[: args.questions], convert, lambda m: print(m, flush=True))
            cache.write_text(json.dumps(got))
        rows.extend({**r, "script": script, "context": r["context"]} for r in got)
    if rows and rows[0]["x"] and len(rows[0]["x"][0]) != len(FEATURES):
        raise SystemExit(f"rows in {args.work} hold other features than rag.span_choice.FEATURES: delete them")
    w, figures = fit(rows)
    for script, f in figures.items():
        print(f"{script}: {f}")
    record = {
        "data": [{"file": args.data.name, "sha256": file_sha256(args.data)}],
        "attribution": "fitted on questions of SQuAD 2.0 zh (pluto-junzeng/ChineseSquad, derived from SQuAD, "
                       "CC BY-SA 4.0) and their OpenCC s2twp copies",
        "settings": {"questions_per_script": args.questions, "seed": 13, "start": list(HAND.weights),
                     "objective": "mean character F1 of the chosen span, coordinate ascent", "folds": "by context"},
        "figures": figures, "seconds": round(time.perf_counter() - started),
        "command": "python -m rag.span_choice_fit " + " ".join(sys.argv[1:] if argv is None else argv),
    }
    args.out.write_text(json.dumps({"model": {"names": list(FEATURES), "weights": [round(float(v), 4) for v in w]},
                                    "record": record}, ensure_ascii=False, indent=1))
    print(f"wrote {args.out}: " + ", ".join(f"{n} {v:+.2f}" for n, v in zip(FEATURES, w)))


if __name__ == "__main__":
    main()
