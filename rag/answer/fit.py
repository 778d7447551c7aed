"""Fit the answer scorer (``rag.answer.scorer``) on the training files: ``python -m rag.answer.fit``.

The setting is the one ``ask`` sees. Every paragraph of the licensed training files is one
article of an archive (``rag.answer.train_data``: 3,847 articles, simplified and a traditional
copy through OpenCC s2twp). Each training question is asked of it twice: with its own article
there, and with it left out (``exclude``), so that the scorer also learns when the archive does
not hold the answer. Its questions are those the reader never trained on: all of
squad2_zh_answerable (a sample of ``--questions``) and the 100 contexts ``rag.reader.train``
holds out of cmrc2018_train and xquad_zh. The evaluation files are never read.

Every candidate of every producer is a row; its target is the character F1 of its span with the
gold answer (a whole-sentence candidate: half when it contains the gold answer), so the scorer
learns both which candidate is best and how sure to be. Boosted regression trees (scikit-learn) learn the
target from the features, a logistic regression head learns from the chosen candidate whether it
is right (see ``rag.answer.scorer``); cross-validation by article reports, per script,
the short-answer F1 of the chosen candidate, how many answerable questions it answers and how
many left-out ones it falsely answers at the threshold that answers ``--answered`` of the
answerable ones, which is the threshold it ships with.

Stages, each resumable (rows are appended to ``WORK/rows-SCRIPT.jsonl``):
    python -m rag.answer.fit --collect simplified     # ~12 min on one core
    python -m rag.answer.fit --collect traditional    # in parallel on the other core
    python -m rag.answer.fit                          # fit, seconds; writes rag/answer/scorer.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from rag.answer.features import FEATURES
from rag.answer.scorer import HEAD_EXTRA, SHIPPED, Head, Scorer, Trees
from rag.answer.train_data import TRAIN_FILES, archive, questions, to_traditional
from rag.text import fold

__all__ = ["char_f1", "collect", "fit", "main"]

_STRIP = re.compile(r"[\s\W_]+", re.UNICODE)


def norm(text: str) -> str:
    return _STRIP.sub("", fold(text))


def char_f1(pred: str, gold: str) -> float:
    """Character-level F1 after folding and removing punctuation and spaces.

    >>> round(char_f1("两个维护", "“两个维护”"), 3), char_f1("", "x"), round(char_f1("32个", "32"), 3)
    (1.0, 0.0, 0.8)
    """
    p, g = norm(pred), norm(gold)
    if not p or not g:
        return float(p == g)
    common = sum((Counter(p) & Counter(g)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def _held_out_contexts() -> set[int]:
    """The contexts rag.reader.train held out of its training (same files, same seed)."""
    from rag.reader.train import TrainSettings, load_squad

    qas = []
    for f in TRAIN_FILES[:2]:
        qas.extend(load_squad(f, first_context_id=max((q.context_id for q in qas), default=-1) + 1))
    ids = sorted({q.context_id for q in qas})
    st = TrainSettings()
    return set(random.Random(st.holdout_seed).sample(ids, min(st.holdout_contexts, len(ids) // 5)))


def training_questions(n_squad: int, seed: int = 13) -> list:
    """The questions the reader never trained on: a sample of squad2_zh's, and the held-out contexts'."""
    held = _held_out_contexts()
    qs = questions()
    squad = [q for q in qs if q.source == "squad2_zh_answerable"]
    random.Random(seed).shuffle(squad)
    return [q for q in qs if q.context in held] + squad[:n_squad]


def _neutral_scorer(path: Path) -> Path:
    """A scorer that ranks nothing (one leaf): the collection needs one to open the index."""
    one = np.zeros(1)
    trees = Trees(0.0, (one.astype(np.int64),), (one,), (one.astype(np.int64),), (one.astype(np.int64),),
                  (np.ones(1, dtype=bool),), (one,))
    n = len(FEATURES) + len(HEAD_EXTRA)
    model = Scorer(trees, Head((0.0,) * n, (1.0,) * n, (0.0,) * n, 0.0))
    path.write_text(json.dumps({"model": model.to_json()}), encoding="utf-8")
    return path


def collect(work: Path, script: str, n_squad: int, say=print) -> Path:
    """Ask every training question of the ``script`` archive with and without its article; append a
    row per candidate to ``work/rows-SCRIPT.jsonl`` (questions already there are skipped)."""
    import rag

    convert = to_traditional() if script == "traditional" else (lambda s: s)
    paths = archive(work / script, convert, say=say)
    config = rag.Config(scorer=str(_neutral_scorer(work / "neutral-scorer.json")), answer_threshold=0.0)
    index = rag.open_index(work / script / "idx", config=config)
    out = work / f"rows-{script}.jsonl"
    done = {(r["qid"], r["answerable"]) for r in _rows(out)}
    if out.exists() and out.read_bytes()[-1:] not in (b"", b"\n"):  # a run stopped mid-line: start afresh
        with out.open("a", encoding="utf-8") as f:
            f.write("\n")
    qs = training_questions(n_squad)
    t, asked = time.perf_counter(), 0
    with out.open("a", encoding="utf-8") as f:
        for i, q in enumerate(qs):
            for answerable, exclude in ((1, []), (0, [paths[q.context]])):
                if (q.qid, answerable) in done:
                    continue
                found = index.candidates(convert(q.question), exclude=exclude)
                rows = [{"f": [round(c.features[n], 5) for n in FEATURES],
                         "y": _target(c.text, c.short, q.answers), "by": c.producers[0]} for c in found]
                f.write(json.dumps({"qid": q.qid, "context": q.context, "source": q.source,
                                    "answerable": answerable, "kind": _kind(index, convert(q.question)),
                                    "candidates": rows}, ensure_ascii=False) + "\n")
                asked += 1
            if i % 200 == 199:
                f.flush()
                say(f"{script}: {i + 1}/{len(qs)} questions, {asked} asked in {time.perf_counter() - t:.0f} s")
    return out


def collect_foreign(work: Path, script: str, folder: Path, n_questions: int, leave_out: Sequence[str] = (),
                    say=print) -> Path:
    """Ask ``n_questions`` training questions of an index of other text (``folder``: an archive none of
    them is about, less the files in ``leave_out``) and append their candidates to
    ``work/rows-foreign-SCRIPT.jsonl`` as questions the archive does not answer. Without these the
    scorer only ever saw archives about the question's subject, and answered a question about the
    weather on Mars from a county's discipline report."""
    import rag

    convert = to_traditional() if script == "traditional" else (lambda s: s)
    config = rag.Config(scorer=str(_neutral_scorer(work / "neutral-scorer.json")), answer_threshold=0.0)
    index = rag.open_index(folder, config=config)
    out = work / f"rows-foreign-{script}.jsonl"
    done = {r["qid"] for r in _rows(out)}
    qs = training_questions(n_questions)
    qs = random.Random(29).sample(qs, min(n_questions, len(qs)))
    t = time.perf_counter()
    with out.open("a", encoding="utf-8") as f:
        for i, q in enumerate(qs):
            if q.qid in done:
                continue
            found = index.candidates(convert(q.question), exclude=leave_out)
            rows = [{"f": [round(c.features[n], 5) for n in FEATURES],
                     "y": _target(c.text, c.short, q.answers), "by": c.producers[0]} for c in found]
            f.write(json.dumps({"qid": q.qid, "context": q.context, "source": q.source, "answerable": 0,
                                "foreign": True, "kind": _kind(index, convert(q.question)), "candidates": rows},
                               ensure_ascii=False) + "\n")
            if i % 200 == 199:
                f.flush()
                say(f"foreign {script}: {i + 1}/{len(qs)} questions in {time.perf_counter() - t:.0f} s")
    return out


def _kind(index, question: str) -> str:
    from rag.answer.question import analyse

    return analyse(question, idf=index._retriever.lexical.idf).kind


def _target(text: str, short: bool, answers) -> float:
    if short:
        return max(char_f1(text, a) for a in answers)
    return 0.5 * float(any(norm(a) and norm(a) in norm(text) for a in answers))


def _rows(path: Path) -> list[dict]:
    """The complete lines of a rows file (one being written, or cut off by a stopped run, ends early)."""
    if not path.exists():
        return []
    out = []
    for line in path.open(encoding="utf-8"):
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out


def _load(work: Path) -> list[dict]:
    rows = []
    for script in ("simplified", "traditional"):
        for name in (f"rows-{script}.jsonl", f"rows-foreign-{script}.jsonl"):
            for r in _rows(work / name):
                r["script"] = script
                rows.append(r)
    return rows


def _design(questions_: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of every candidate: features, soft targets, and the question each belongs to."""
    x, y, g = [], [], []
    for i, q in enumerate(questions_):
        for c in q["candidates"]:
            x.append(c["f"])
            y.append(c["y"])
            g.append(i)
    return np.array(x, dtype=np.float64), np.array(y), np.array(g)


TREE_SETTINGS = {"max_iter": 200, "learning_rate": 0.05, "max_leaf_nodes": 15, "min_samples_leaf": 40,
                 "random_state": 13}
NEWS = Path("../shared/news/crud_news_2023.jsonl.gz")
RIGHT = 0.5  # a chosen candidate with at least this F1 counts as right for the head


def _fit_trees(x: np.ndarray, y: np.ndarray, settings: dict) -> Trees:
    from sklearn.ensemble import HistGradientBoostingRegressor

    model = HistGradientBoostingRegressor(**settings).fit(x, y)
    trees = Trees.from_sklearn(model)
    sample = x[:: max(1, len(x) // 500)]
    if not np.allclose(trees.predict(sample), model.predict(sample), atol=1e-6):
        raise RuntimeError("the exported trees do not predict as scikit-learn's do: check Trees.from_sklearn")
    return trees


def _fit_head(h: np.ndarray, right: np.ndarray, c: float) -> Head:
    from sklearn.linear_model import LogisticRegression

    mean, scale = h.mean(0), h.std(0)
    scale[scale == 0] = 1.0
    lr = LogisticRegression(C=c, max_iter=3000).fit((h - mean) / scale, right)
    return Head(tuple(mean), tuple(scale), tuple(lr.coef_[0]), float(lr.intercept_[0]))


def _chosen(questions_: list[dict], scores: np.ndarray, groups: np.ndarray, x: np.ndarray):
    """Per question: the head's inputs for its best-scored candidate, that candidate's target and producer."""
    inputs, target, by = [], [], []
    starts = np.searchsorted(groups, np.arange(len(questions_) + 1))  # rows are grouped by question, in order
    for i, q in enumerate(questions_):
        idx = np.arange(starts[i], starts[i + 1])
        if not len(idx):
            inputs.append(np.r_[np.zeros(x.shape[1]), -1.0, 0.0])
            target.append(0.0)
            by.append("none")
            continue
        order = idx[np.argsort(-scores[idx], kind="stable")]
        lead = scores[order[0]] - (scores[order[1]] if len(order) > 1 else scores[order[0]] - 1.0)
        inputs.append(np.r_[x[order[0]], scores[order[0]], lead])
        target.append(q["candidates"][order[0] - starts[i]]["y"])
        by.append(q["candidates"][order[0] - starts[i]]["by"])
    return np.array(inputs), np.array(target), by


def figures(questions_: list[dict], prob: np.ndarray, target: np.ndarray, by: list[str], answered: float) -> dict:
    """The threshold answering ``answered`` of the answerable questions, and what it does, per script."""
    ok = np.array([q["answerable"] == 1 for q in questions_])
    foreign = np.array([bool(q.get("foreign")) for q in questions_])
    pos = np.sort(prob[ok])
    threshold = float(pos[int(np.floor((1 - answered) * len(pos)))]) if len(pos) else 0.0
    out = {"threshold": round(threshold, 4)}
    for script in ("simplified", "traditional", "all"):
        sel = np.array([script in ("all", q["script"]) for q in questions_])
        if not (sel & ok).any():
            continue
        out[script] = {
            "questions": int((sel & ok).sum()),
            "f1_chosen": round(float(target[sel & ok].mean()), 4),
            "f1_best_possible": round(float(np.mean([max([c["y"] for c in q["candidates"]] or [0])
                                                     for q, s_, o in zip(questions_, sel, ok) if s_ and o])), 4),
            "answered": round(float((prob[sel & ok] >= threshold).mean()), 4),
            "false_answers": round(float((prob[sel & ~ok] >= threshold).mean()), 4) if (sel & ~ok).any() else None,
            # of those: the question's paragraph left out of its archive / asked of the news archive
            "false_answers_left_out": _share(prob >= threshold, sel & ~ok & ~foreign),
            "false_answers_foreign": _share(prob >= threshold, sel & foreign),
            "by": dict(Counter(b for b, s_, o in zip(by, sel, ok) if s_ and o).most_common()),
        }
    return out


def _share(hit: np.ndarray, sel: np.ndarray) -> float | None:
    return round(float(hit[sel].mean()), 4) if sel.any() else None


def fit(work: Path, *, c: float = 1.0, head_target: str = "answerable", folds: int = 5, answered: float = 0.97, seed: int = 13,
        settings: dict | None = None) -> tuple[Scorer, dict]:
    """Trees on every candidate row; the head on each question's chosen candidate as scored by trees
    that never saw its article (out of fold); cross-validated figures by article."""
    settings = dict(TREE_SETTINGS, **(settings or {}))
    qs = _load(work)
    if not qs:
        raise SystemExit(f"no rows under {work}: run python -m rag.answer.fit --collect simplified first")
    x, y, g = _design(qs)
    ctx = np.array([q["context"] for q in qs])
    contexts = sorted(set(ctx.tolist()))
    fold_of = {k: i % folds for i, k in enumerate(random.Random(seed).sample(contexts, len(contexts)))}
    q_fold = np.array([fold_of[c_] for c_ in ctx])
    scores = np.zeros(len(y))
    for k in range(folds):
        rows = (q_fold == k)[g]
        scores[rows] = _fit_trees(x[~rows], y[~rows], settings).predict(x[rows])
    h, target, by = _chosen(qs, scores, g, x)
    right = (target >= RIGHT) | (np.array([q["answerable"] == 1 for q in qs]) if head_target == "answerable" else False)
    right = right.astype(int)
    prob = np.zeros(len(qs))
    for k in range(folds):
        test = q_fold == k
        head = _fit_head(h[~test], right[~test], c)
        prob[test] = [head(r) for r in h[test]]
    cv = figures(qs, prob, target, by, answered)
    model = Scorer(_fit_trees(x, y, settings), _fit_head(h, right, c))
    return model, {"cross_validated": cv, "threshold": cv["threshold"], "rows": int(len(y)),
                   "questions": len(qs), "head_c": c, "head_target": head_target, "folds": folds, "trees": settings, "right_f1": RIGHT}


def _hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/rag-answer-fit"))
    ap.add_argument("--collect", choices=("simplified", "traditional"))
    ap.add_argument("--foreign", type=Path, metavar="INDEX",
                    help="with --collect: ask the training questions of this index of other text instead")
    ap.add_argument("--foreign-questions", type=int, default=1500)
    ap.add_argument("--leave-out", default="", metavar="GLOB", help="files of the --foreign index not to read")
    ap.add_argument("--questions", type=int, default=2000, help="squad2_zh questions sampled (of 3,991)")
    ap.add_argument("--c", type=float, default=1.0, help="inverse regularisation of the head's logistic regression")
    ap.add_argument("--answered", type=float, default=0.97, help="share of answerable questions the threshold answers")
    ap.add_argument("--head-target", choices=("right", "answerable"), default="answerable",
                    help="what the head learns: the chosen span is right (F1 >= 0.5), or the archive answers the question")
    ap.add_argument("--out", type=Path, default=SHIPPED)
    args = ap.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    if args.collect and args.foreign:
        import glob

        collect_foreign(args.work, args.collect, args.foreign, args.foreign_questions,
                        sorted(glob.glob(args.leave_out)) if args.leave_out else (), say=lambda m: print(m, flush=True))
        return
    if args.collect:
        collect(args.work, args.collect, args.questions, say=lambda m: print(m, flush=True))
        return
    t = time.perf_counter()
    model, record = fit(args.work, c=args.c, answered=args.answered, head_target=args.head_target)
    if any((args.work / f"rows-foreign-{s}.jsonl").exists() for s in ("simplified", "traditional")):
        record["foreign_archive"] = {  # the text the --foreign rows were asked of (no questions of its own)
            "file": NEWS.name, "sha256": _hash(NEWS) if NEWS.exists() else None,
            "attribution": "CRUD-RAG (IAAR-Shanghai/CRUD_RAG, data/80000_docs), Apache-2.0",
            "command": "python -m rag.answer.fit --collect SCRIPT --foreign NEWS_INDEX --leave-out 'CONTEXTS/*'"}
    record.update(data={f.name: _hash(f) for f in TRAIN_FILES}, features=list(FEATURES),
                  squad_questions=args.questions, seconds=round(time.perf_counter() - t, 1),
                  command="python -m rag.answer.fit --collect simplified; --collect traditional; then without --collect")
    args.out.write_text(json.dumps({"model": model.to_json(), "record": record}, ensure_ascii=False, indent=1) + "\n",
                        encoding="utf-8")
    json.dump(record["cross_validated"], sys.stdout, ensure_ascii=False, indent=1)
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
