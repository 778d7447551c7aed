"""Extractive-answer benchmark on SQuAD-format files, open-domain.

Every context becomes a document (as in bench/retrieval.py); every question is
asked with ``Index.ask`` against the whole corpus. Reports:

- the share of questions whose answer sentence contains a gold answer (script-folded),
- the median answer length in characters,
- short-answer exact match and character F1 (best over the gold answers),
- abstention: each question asked again with its gold document left out (the
  unanswerable version); the trade-off between answering answerable questions and
  falsely answering unanswerable ones, per confidence threshold, and the highest
  threshold that still answers at least 95% of the answerable questions.

Usage: python bench/answers.py FILE.json [FILE.json ...] [--limit N] [--keep DIR] [--part dev|test] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

import rag
from rag.confidence_fit import holds
from rag.span import question_kind
from rag.text import fold, simplified_aligned

sys.path.insert(0, str(Path(__file__).resolve().parent))
from retrieval import load_squad_answers, write_corpus  # noqa: E402

THRESHOLDS = [round(0.01 * i, 2) for i in range(101)]
_STRIP = re.compile(r"[\s\W_]+", re.UNICODE)


def _norm(text: str) -> str:
    return _STRIP.sub("", fold(text))


def char_f1(pred: str, gold: str) -> float:
    """Character-level F1 after folding and removing punctuation and spaces.

    >>> round(char_f1("两个维护", "“两个维护”"), 3), char_f1("", "x"), round(char_f1("32个", "32"), 3)
    (1.0, 0.0, 0.8)
    """
    p, g = _norm(pred), _norm(gold)
    if not p or not g:
        return float(p == g)
    common = sum((Counter(p) & Counter(g)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(p), common / len(g)
    return 2 * precision * recall / (precision + recall)


def tradeoff(answerable: list[float], unanswerable: list[float]) -> list[dict]:
    """Answered-rate on answerable vs false-answer rate on unanswerable, per threshold.

    >>> tradeoff([0.9, 0.5], [0.2, 0.6])[50]
    {'threshold': 0.5, 'answered': 1.0, 'false_answers': 0.5}
    """
    out = []
    for t in THRESHOLDS:
        out.append({
            "threshold": t,
            "answered": sum(c >= t for c in answerable) / max(1, len(answerable)),
            "false_answers": sum(c >= t for c in unanswerable) / max(1, len(unanswerable)),
        })
    return out


def converted(contexts: list, questions: list, script: str) -> tuple[list, list]:
    """The file in another script: ``traditional`` converts contexts, questions and gold answers with
    OpenCC s2twp (Taiwan words and characters), so that script and dataset conventions are told apart."""
    if script == "as-is":
        return contexts, questions
    import opencc

    cc = opencc.OpenCC("s2twp")
    return ([(cc.convert(t), cc.convert(x)) for t, x in contexts],
            [(cc.convert(q), cid, [cc.convert(g) for g in golds]) for q, cid, golds in questions])


def run_file(path: Path, limit: int | None, overrides: dict | None = None, keep: Path | None = None,
             part: str = "all", script: str = "as-is") -> dict:
    contexts, questions = converted(*load_squad_answers(path), script)
    questions = _part(questions, part)[:limit] if limit else _part(questions, part)
    with tempfile.TemporaryDirectory() as scratch:
        root = (keep / (path.stem + ("" if script == "as-is" else f"-{script}"))) if keep else Path(scratch)
        (root / "corpus").mkdir(parents=True, exist_ok=True)
        paths = write_corpus(contexts, root / "corpus")
        if (root / "idx" / "manifest.json").exists():
            built = rag.open_index(root / "idx")  # the corpus is rewritten identically: nothing to update
        else:
            built = rag.build_index(root / "corpus", root / "idx")
        # Threshold 0: every question gets its best sentence and a confidence; the
        # trade-off below shows what each threshold would have done.
        index = rag.open_index(root / "idx", config=built.config.replace(answer_threshold=0.0, **(overrides or {})))
        contains, lengths, em, f1, conf_ok, conf_no, times, still = [], [], [], [], [], [], [], []
        groups: dict[str, list[float]] = {}
        rows = []
        for q, cid, golds in questions:
            t = time.perf_counter()
            a = index.ask(q)
            times.append((time.perf_counter() - t) * 1000)
            conf_ok.append(a.confidence)
            contains.append(holds(a.text, golds))
            lengths.append(len(a.text))
            short = a.short.text if a.short else ""
            em.append(max(float(_norm(short) == _norm(g)) for g in golds))
            f1.append(max(char_f1(short, g) for g in golds))
            by = a.short.by if a.short else "none"
            written = "traditional" if simplified_aligned(q) != q else "simplified"
            for key in (f"by {by}", f"kind {question_kind(q) or 'other'}", f"script {written}"):
                groups.setdefault(key, []).append(f1[-1])
            no = index.ask(q, exclude=[paths[cid]])
            conf_no.append(no.confidence)
            # the archive may still say it elsewhere (another paragraph of the same article): told apart below
            still.append(holds(no.text, golds))
            rows.append({"question": q, "kind": question_kind(q) or "other", "by": by, "short": short,
                         "answer": a.text, "golds": golds, "em": em[-1], "f1": f1[-1], "contains": contains[-1],
                         "confidence": conf_ok[-1], "confidence_unanswerable": conf_no[-1],
                         "parts": [a.rules_confidence, a.reader_margin],
                         "parts_unanswerable": [no.rules_confidence, no.reader_margin],
                         "evidence": list(a.evidence), "evidence_unanswerable": list(no.evidence),
                         "answer_unanswerable": no.text, "unanswerable_quote_holds_gold": still[-1]})
    curve = tradeoff(conf_ok, conf_no)
    usable = [p for p in curve if p["answered"] >= 0.95]
    chosen = max(usable, key=lambda p: p["threshold"]) if usable else curve[0]
    default = min(curve, key=lambda p: abs(p["threshold"] - rag.Config().answer_threshold))
    n = len(questions)
    return {
        "part": part,
        "questions": n,
        "sentence_contains_gold": sum(contains) / n,
        "median_answer_chars": statistics.median(lengths),
        "short_em": sum(em) / n,
        "short_f1": sum(f1) / n,
        "ask_p50_ms": statistics.median(times),
        "ask_p95_ms": float(np.percentile(times, 95)),
        "script": script,
        "threshold_at_95_answered": chosen["threshold"],
        "false_answers_at_that_threshold": chosen["false_answers"],
        "answered_at_that_threshold": chosen["answered"],
        "default_threshold": default,
        # of the questions asked without their article and answered at the default threshold, the share whose
        # quote still holds a gold answer (from another document, such as a sibling paragraph)
        "false_answers_holding_gold": (sum(c >= default["threshold"] and h for c, h in zip(conf_no, still))
                                       / max(1, sum(c >= default["threshold"] for c in conf_no))),
        "tradeoff": curve,
        "rows": rows,
        "f1_by": {k: {"questions": len(v), "share": len(v) / n, "f1": sum(v) / len(v)} for k, v in sorted(groups.items())},
    }


def _part(questions: list, part: str) -> list:
    """``dev``: even-numbered questions (for looking at failures), ``test``: the odd ones, ``all``."""
    if part == "all":
        return questions
    return questions[0 if part == "dev" else 1 :: 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--limit", type=int, help="ask only the first N questions of each file")
    ap.add_argument("--config", help='JSON of query-time Config settings, e.g. \'{"sentence_dense": false}\'')
    ap.add_argument("--keep", type=Path, help="build each file's index here once and reuse it on later runs")
    ap.add_argument("--part", choices=["all", "dev", "test"], default="all",
                    help="dev = even-numbered questions (look at these), test = the odd ones (report these)")
    ap.add_argument("--script", choices=["as-is", "traditional"], default="as-is",
                    help="traditional: the file converted with OpenCC s2twp (contexts, questions, answers)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--dump", type=Path, help="write every question's answer, scores and confidences here (JSON)")
    args = ap.parse_args()
    overrides = json.loads(args.config) if args.config else None
    results = {f.name: run_file(f, args.limit, overrides, args.keep, args.part, args.script) for f in args.files}
    if args.dump:
        args.dump.write_text(json.dumps(results, ensure_ascii=False, indent=0), encoding="utf-8")
    for r in results.values():
        r.pop("rows")
    if args.json:
        print(json.dumps(results, indent=1))
        return
    for name, r in results.items():
        print(f"{name}: {r['questions']} questions")
        print(f"  answer sentence contains gold  {r['sentence_contains_gold']:.3f}")
        print(f"  median answer length           {r['median_answer_chars']:.0f} chars")
        print(f"  short answer EM / F1           {r['short_em']:.3f} / {r['short_f1']:.3f}")
        print(f"  ask latency p50 / p95          {r['ask_p50_ms']:.0f} / {r['ask_p95_ms']:.0f} ms")
        print(f"  threshold answering >=95%      {r['threshold_at_95_answered']:.2f}: answered "
              f"{r['answered_at_that_threshold']:.3f}, false answers on unanswerable "
              f"{r['false_answers_at_that_threshold']:.3f}")
        d = r["default_threshold"]
        print(f"  at the default threshold {d['threshold']:.2f}    answered {d['answered']:.3f}, false answers on "
              f"unanswerable {d['false_answers']:.3f} (of which {r['false_answers_holding_gold']:.3f} quote a "
              "sentence that holds a gold answer, from another document)")
        for key, g in r["f1_by"].items():
            print(f"  F1 {key:<22} {g['f1']:.3f} on {g['questions']} questions ({g['share']:.0%})")
        print("  threshold  answered  false-answers")
        for p in r["tradeoff"]:  # every 0.05, and each 0.01 step around the operating point
            near = [r["threshold_at_95_answered"], d["threshold"]]
            if round(p["threshold"] * 100) % 5 == 0 or any(abs(p["threshold"] - t) < 0.035 for t in near):
                print(f"  {p['threshold']:9.2f}  {p['answered']:8.3f}  {p['false_answers']:13.3f}")


if __name__ == "__main__":
    main()
