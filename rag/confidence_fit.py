"""Fit the answer confidence (``rag.confidence``) on the training files: ``python -m rag.confidence_fit``.

The confidence must tell "the archive holds the answer" from "it does not". The training files
give both cases for free: every question asked of an archive of all their articles (answerable),
and again with its own article left out (``exclude``: unanswerable, the closest other articles
still there). The questions are those of the contexts the reader's training held out
(``rag.reader.train``: 100 contexts, seed 13), so that the reader's margin is measured on
text it never trained on, each asked in simplified script and in a traditional copy (OpenCC
s2twp, archive and question both). Beside them, ``--siblings`` (default: squad2_zh, whose articles
have about 34 paragraphs each and which the reader never trained on) adds 500 questions whose
article's other paragraphs stay in the archive when their own is left out, as DRCD's do
(docs/experiments.md, 2026-12-08: measured; the shipped fit is the one without them, ``--siblings ''``). A logistic regression over ``rag.confidence.FEATURES``
(standardised) is fitted on these answers; cross-validation by context reports how many
unanswerable questions it would answer at the threshold that answers 95% of the answerable
ones, beside the hand-set blend. The evaluation files are never read: the threshold that
``Config.answer_threshold`` ships is chosen on their dev halves by bench/calibrate.py.

Took 37 minutes on 2 cores shared with a benchmark (two archives of 2,643 articles built, 840
questions asked in each); a second run with the same ``--work`` only refits, in seconds. Writes ``confidence.json``: the model, and a record of the data's hashes, the
settings, the figures and the time.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

from rag.confidence import FEATURES, SHIPPED, ConfidenceModel, blend

__all__ = ["fit", "holds", "main"]

_STRIP = re.compile(r"[\s\W_]+", re.UNICODE)

TRAIN_FILES = [Path("../shared/train/cmrc2018_train.json"), Path("../shared/train/xquad_zh.json")]
# Articles of many paragraphs (SQuAD's Wikipedia articles, about 34 paragraphs each), none of them read by the
# shipped reader's training: a question asked without its paragraph keeps the article's other paragraphs in
# the archive, as DRCD's do, which the two files above (one or a few paragraphs an article) never show.
SIBLING_FILE = Path("../shared/train/squad2_zh_answerable.json")
SIBLING_QUESTIONS = 500


def _contexts(files: list[Path]) -> tuple[list[tuple[str, str]], list[tuple[str, int, str, tuple[str, ...]]]]:
    """Every paragraph as (title, text), and the held-out questions as (id, paragraph, question, answers)."""
    from rag.reader.train import TrainSettings, load_squad

    paragraphs: list[tuple[str, str]] = []
    qas = []
    for f in files:
        first = max((q.context_id for q in qas), default=-1) + 1  # as rag.reader.train numbers them
        if first != len(paragraphs):
            raise ValueError(f"{f}: paragraphs numbered from {first}, not {len(paragraphs)} as rag.reader.train does")
        qas.extend(load_squad(f, first_context_id=first))
        for article in json.loads(f.read_text(encoding="utf-8"))["data"]:
            paragraphs.extend((article.get("title", ""), p["context"]) for p in article["paragraphs"])
    settings = TrainSettings()
    ids = sorted({q.context_id for q in qas})
    held = set(random.Random(settings.holdout_seed).sample(ids, min(settings.holdout_contexts, len(ids) // 5)))
    seen, questions = set(), []
    for q in qas:
        if q.context_id in held and (q.question, q.context_id) not in seen:
            seen.add((q.question, q.context_id))
            questions.append((q.qid, q.context_id, q.question, tuple(q.answers)))
    return paragraphs, questions


def _siblings(path: Path, first: int, n: int, seed: int = 13) -> tuple[list[tuple[str, str]], list[tuple]]:
    """``path``'s paragraphs (numbered from ``first``) and ``n`` of its questions, one a paragraph at most."""
    paragraphs, by_paragraph = [], []
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        for p in article["paragraphs"]:
            cid = first + len(paragraphs)
            paragraphs.append((article.get("title", ""), p["context"]))
            qs = [(q["id"], cid, q["question"], tuple(a["text"] for a in q["answers"])) for q in p["qas"]
                  if q.get("answers")]
            if qs:
                by_paragraph.append(qs)
    rng = random.Random(seed)
    picked = rng.sample(by_paragraph, min(n, len(by_paragraph)))
    return paragraphs, [rng.choice(qs) for qs in picked]


def _archive(paragraphs: list[tuple[str, str]], folder: Path, convert) -> list[str]:
    """One file per paragraph (title line, then text); built into ``folder/idx`` unless it is there."""
    import rag

    corpus = folder / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (title, text) in enumerate(paragraphs):
        p = corpus / f"{i:05d}.txt"
        body = f"{convert(title)}\n{convert(text)}\n"
        if not p.exists() or p.read_text(encoding="utf-8") != body:
            p.write_text(body, encoding="utf-8")
        paths.append(str(p.absolute()))
    if not (folder / "idx" / "manifest.json").exists():  # else built by an earlier run from the same files
        rag.build_index(corpus, folder / "idx")
    return paths


def _evidence(work: Path, paragraphs, questions, say) -> list[dict]:
    """Each held-out question asked with and without its article, in both scripts: the evidence."""
    import rag
    from opencc import OpenCC

    to_trad = OpenCC("s2twp").convert
    rows = []
    for script, convert in (("simplified", lambda s: s), ("traditional", to_trad)):
        t = time.perf_counter()
        paths = _archive(paragraphs, work / script, convert)
        say(f"{script}: archive of {len(paths)} articles ready in {time.perf_counter() - t:.0f} s")
        index = rag.open_index(work / script / "idx")
        index = rag.open_index(work / script / "idx", config=index.config.replace(answer_threshold=0.0))
        t = time.perf_counter()
        for qid, cid, question, golds in questions:
            q = convert(question)
            for label, exclude in ((1, []), (0, [paths[cid]])):
                a = index.ask(q, exclude=exclude)
                if a.evidence:  # an answer from the article's metadata carries none
                    rows.append({"qid": qid, "context": cid, "script": script, "label": label,
                                 "right": int(holds(a.text, [convert(g) for g in golds])),
                                 "evidence": list(a.evidence), "confidence": a.confidence})
        say(f"{script}: {2 * len(questions)} questions asked in {time.perf_counter() - t:.0f} s")
    return rows


def holds(quote: str, golds) -> bool:
    """Whether ``quote`` holds one of the gold answers (script, width, case, spaces and punctuation folded)."""
    from rag.text import fold

    def norm(text: str) -> str:
        return _STRIP.sub("", fold(text))

    return any(norm(g) and norm(g) in norm(quote) for g in golds)


def false_at_95(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The highest threshold answering >= 95% of the answerable, and the share of unanswerable it answers."""
    pos = np.sort(scores[labels == 1])
    threshold = float(pos[int(np.floor(0.05 * len(pos)))]) if len(pos) else 0.0
    return threshold, float(np.mean(scores[labels == 0] >= threshold)) if (labels == 0).any() else 0.0


def fit(rows: list[dict], *, c: float = 0.01, folds: int = 5, seed: int = 13,
        siblings_from: int | None = None, target: str = "label") -> tuple[ConfidenceModel, dict]:
    """The logistic regression on every row, and cross-validated figures (folds by context; with
    ``siblings_from``, also for the questions of contexts numbered from it and for the others).

    ``target``: what the model learns to predict, ``"label"`` (the question was asked with its article)
    or ``"right"`` (the quote holds a gold answer, wherever it came from: a sibling paragraph that says it
    too is a right answer, an answer from the article that misses is not). The figures are always on
    ``label``: answered and false answers as bench/answers.py counts them."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    x = np.array([r["evidence"] for r in rows], dtype=np.float64)
    y = np.array([r["label"] for r in rows])
    learn = np.array([r[target] for r in rows])
    groups = np.array([r["context"] for r in rows])

    def model_of(xs, ys) -> ConfidenceModel:
        mean, scale = xs.mean(0), xs.std(0)
        scale[scale == 0] = 1.0
        lr = LogisticRegression(C=c, max_iter=1000).fit((xs - mean) / scale, ys)
        return ConfidenceModel(FEATURES, tuple(mean), tuple(scale), tuple(lr.coef_[0]), float(lr.intercept_[0]))

    ctx = np.array(sorted(set(groups.tolist())))
    if len(ctx) < 2:
        raise ValueError(f"{len(ctx)} context(s) of held-out questions: cross-validation needs two or more")
    folds = min(folds, len(ctx))
    rng = np.random.default_rng(seed)
    fold_of = dict(zip(ctx.tolist(), rng.permutation(len(ctx)) % folds))
    fold = np.array([fold_of[g] for g in groups])
    held = np.zeros(len(rows))
    for k in range(folds):
        m = model_of(x[fold != k], learn[fold != k])
        held[fold == k] = [m(v) for v in x[fold == k]]
    blended = np.array([blend(v, 0.1) for v in x])
    figures = {}
    for name, s in (("learned_cross_validated", held), ("blend_reader_weight_0.1", blended)):
        out = {"auc": round(float(roc_auc_score(y, s)), 4)}
        for script in ("simplified", "traditional", "both"):
            pick = np.array([script in (r["script"], "both") for r in rows])
            th, false = false_at_95(s[pick], y[pick])
            out[script] = {"threshold_at_95_answered": round(th, 3), "false_answers": round(false, 3)}
        if siblings_from is not None:
            for part, inside in (("siblings", True), ("single", False)):
                pick = (groups >= siblings_from) == inside
                if pick.any():
                    th, false = false_at_95(s[pick], y[pick])
                    out[part] = {"threshold_at_95_answered": round(th, 3), "false_answers": round(false, 3)}
        figures[name] = out
    return model_of(x, learn), figures


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", type=Path, default=TRAIN_FILES)
    ap.add_argument("--out", type=Path, default=SHIPPED)
    ap.add_argument("--work", type=Path, default=Path("/tmp/rag-confidence-fit"),
                    help="archives and the asked questions' evidence (kept: a second run only refits)")
    ap.add_argument("--siblings", default=str(SIBLING_FILE),
                    help="a file of many-paragraph articles whose questions the reader never trained on ('' for none)")
    ap.add_argument("--sibling-questions", type=int, default=SIBLING_QUESTIONS)
    ap.add_argument("--target", choices=["label", "right"], default="label",
                    help="learn whether the question was asked with its article (label) or whether the quote holds "
                         "a gold answer (right)")
    ap.add_argument("--c", type=float, default=0.01,
                    help="inverse L2 strength of the regression (0.01: fewest dev-half false answers of 1, 0.1, 0.01)")
    args = ap.parse_args(argv)
    from rag.reader.train import file_sha256

    started = time.perf_counter()
    args.work.mkdir(parents=True, exist_ok=True)
    paragraphs, questions = _contexts(args.files)
    data, siblings_from = list(args.files), None
    if args.siblings:
        sibling_file = Path(args.siblings)
        if not sibling_file.is_file():
            ap.error(f"--siblings {sibling_file}: no such file (pass --siblings '' to fit without sibling paragraphs)")
        siblings_from = len(paragraphs)
        more, asked = _siblings(sibling_file, len(paragraphs), args.sibling_questions)
        paragraphs, questions, data = paragraphs + more, questions + asked, data + [sibling_file]
    print(f"{len(paragraphs)} articles, {len(questions)} held-out questions", flush=True)
    cache = args.work / "evidence.json"
    rows = json.loads(cache.read_text()) if cache.exists() else []
    if not rows or len(rows[0]["evidence"]) != len(FEATURES) or "right" not in rows[0]:
        rows = _evidence(args.work, paragraphs, questions, lambda m: print(m, flush=True))
        cache.write_text(json.dumps(rows))
    model, figures = fit(rows, c=args.c, siblings_from=siblings_from, target=args.target)
    for name, f in figures.items():
        print(f"{name}: AUC {f['auc']}  " + "  ".join(
            f"{s} false {f[s]['false_answers']} at {f[s]['threshold_at_95_answered']}"
            for s in ("simplified", "traditional", "both", "siblings", "single") if s in f))
    record = {
        "data": [{"file": str(f), "sha256": file_sha256(f)} for f in data],
        "attribution": "fitted on questions of CMRC 2018 train (ymcui/cmrc2018) and XQuAD zh "
                       "(google-deepmind/xquad), CC BY-SA 4.0"
                       + (", and of ChineseSquad (pluto-junzeng/ChineseSquad, SQuAD 2.0 dev machine-translated, "
                          "CC BY-SA 4.0)" if args.siblings else "") + ", and their OpenCC s2twp copies",
        "questions": len(questions), "rows": len(rows), "c": args.c, "target": args.target,
        "figures": figures, "seconds": round(time.perf_counter() - started),
        "command": "python -m rag.confidence_fit " + " ".join(sys.argv[1:] if argv is None else argv),
    }
    args.out.write_text(json.dumps({"model": model.to_json(), "record": record}, ensure_ascii=False, indent=1))
    print(f"wrote {args.out}: " + ", ".join(f"{n} {w:+.2f}" for n, w in zip(FEATURES, model.coef)))


if __name__ == "__main__":
    main()
