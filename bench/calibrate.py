"""Choose ``answer_threshold`` (and, for the blend, ``reader_weight``) from ``bench/answers.py --dump``
files, and print every answer figure from the same rows.

The dumps keep each answer's evidence (``rag.confidence.FEATURES``, for the question and for its
unanswerable version), so any scorer can be applied without asking again:

- ``--confidence blend`` (the older hand-set weights): ``(1 - w) * rules + w * squash(margin)``
  for w = 0, 0.1, .. 1;
- ``--confidence learned``: the fitted model (``--model``, default the shipped ``rag/confidence.json``).

Only the dev half (even-numbered questions) chooses: for each scorer, the threshold is the highest
(to 0.01) that still answers at least 95% of the answerable dev-half questions of every file, and
the w with the fewest false answers (worst file) wins. Figures are then printed for the dev half,
the held-out half (odd-numbered) and the whole file. Dumps of a file's two halves (``--part dev``
and ``--part test``) are merged back into file order.

Usage: python bench/calibrate.py DUMP.json [DUMP.json ...] [--confidence learned|blend] [--model PATH] [--answered 0.97]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
from collections import defaultdict

from rag.confidence import SHIPPED, ConfidenceModel, blend, squash_margin

_SCORER = None  # the learned model, when --confidence learned


def _conf(row: dict, w: float, unanswerable: bool = False) -> float:
    evidence = row.get("evidence_unanswerable" if unanswerable else "evidence")
    if _SCORER is not None:
        return _SCORER(evidence) if evidence else row["confidence_unanswerable" if unanswerable else "confidence"]
    if evidence:
        return blend(evidence, w)
    rules, margin = row["parts_unanswerable" if unanswerable else "parts"]  # dumps older than the evidence
    return rules if margin is None else (1 - w) * rules + w * squash_margin(margin)


def rates(rows, w: float, t: float) -> tuple[float, float]:
    ok = sum(_conf(r, w) >= t for r in rows) / len(rows)
    false = sum(_conf(r, w, True) >= t for r in rows) / len(rows)
    return ok, false


def load(paths: list[str]) -> dict[str, list[dict]]:
    """File name -> rows in file order (halves interleaved back)."""
    parts: dict[str, dict[str, list]] = defaultdict(dict)
    for p in paths:
        for name, r in json.load(open(p, encoding="utf-8")).items():
            parts[name][r.get("part", "all")] = r["rows"]
    files = {}
    for name, got in parts.items():
        if "all" in got:
            files[name] = got["all"]
        else:
            dev, test = got.get("dev", []), got.get("test", [])
            files[name] = [r for pair in zip(dev, test) for r in pair] + dev[len(test):]
    return files


def summary(rows: list[dict], w: float, t: float) -> str:
    n = len(rows)
    ok, false = rates(rows, w, t)
    wrong = ""
    if rows and "unanswerable_quote_holds_gold" in rows[0]:  # dumps from 2026-12-08 on
        held = sum(_conf(r, w, True) >= t and r["unanswerable_quote_holds_gold"] for r in rows) / n
        wrong = f" (quote holding no gold answer {false - held:.3f})"
    by = defaultdict(list)
    for r in rows:
        by[r["by"]].append(r["f1"])
    comp = ", ".join(f"{k} {len(v) / n:.0%} F1 {sum(v) / len(v):.3f}" for k, v in sorted(by.items()))
    return (f"{n} q: contains gold {sum(r['contains'] for r in rows) / n:.3f}, median "
            f"{statistics.median(len(r['answer']) for r in rows):.0f} chars, EM {sum(r['em'] for r in rows) / n:.3f}, "
            f"F1 {sum(r['f1'] for r in rows) / n:.3f}, answered {ok:.3f}, false answers {false:.3f}{wrong} [{comp}]")


def main() -> None:
    global _SCORER
    ap = argparse.ArgumentParser()
    ap.add_argument("dumps", nargs="+")
    ap.add_argument("--confidence", choices=["blend", "learned"], default="blend")
    ap.add_argument("--model", default=str(SHIPPED))
    ap.add_argument("--answered", type=float, default=0.95,
                    help="the share of answerable dev-half questions the threshold must still answer")
    args = ap.parse_args()
    files = load(args.dumps)
    dev = {name: rows[0::2] for name, rows in files.items()}
    if args.confidence == "learned":
        _SCORER = ConfidenceModel.load(args.model)
    best = None
    for i in range(11 if _SCORER is None else 1):
        w = i / 10
        t = 1.0
        for rows in dev.values():
            confs = sorted(_conf(r, w) for r in rows)
            t = min(t, math.floor(confs[int((1 - args.answered) * len(confs))] * 100) / 100)
        worst = max(rates(rows, w, t)[1] for rows in dev.values())
        print(f"w {w:.1f}: threshold {t:.2f}  dev false answers " +
              "  ".join(f"{k} {rates(v, w, t)[1]:.3f}" for k, v in dev.items()))
        if best is None or worst < best[0]:
            best = (worst, w, t)
    _, w, t = best
    print(f"chosen on the dev halves: " + ("learned confidence" if _SCORER else f"reader_weight {w:.1f}")
          + f", answer_threshold {t:.2f}")
    for name, rows in files.items():
        for part, sub in (("dev", rows[0::2]), ("test", rows[1::2]), ("all", rows)):
            print(f"  {name} {part:4s}: {summary(sub, w, t)}")


if __name__ == "__main__":
    main()
