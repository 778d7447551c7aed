"""Choose the reader's share of the confidence (``reader_weight``) and ``answer_threshold``.

The confidence is ``(1 - w) * rules_confidence + w * squash(reader_margin)``; both parts are
kept per question by ``bench/answers.py --dump``. Only the dev half (even-numbered questions)
is used to choose; the figures are then printed for the held-out half (odd) and the whole file.
For each w, the threshold is the highest (to 0.01) that still answers at least 95% of the
answerable dev-half questions of every file; the w with the fewest false answers (worst file) wins.

Usage: python bench/calibrate.py DUMP.json
"""

from __future__ import annotations

import json
import math
import sys

from rag.answer import _squash


def _conf(parts, w: float) -> float:
    rules, margin = parts
    return rules if margin is None else (1 - w) * rules + w * _squash(margin)


def rates(rows, w: float, t: float) -> tuple[float, float]:
    ok = sum(_conf(r["parts"], w) >= t for r in rows) / len(rows)
    false = sum(_conf(r["parts_unanswerable"], w) >= t for r in rows) / len(rows)
    return ok, false


def main() -> None:
    dump = json.load(open(sys.argv[1], encoding="utf-8"))
    dev = {name: r["rows"][0::2] for name, r in dump.items()}
    best = None
    for i in range(11):
        w = i / 10
        t = 1.0
        for rows in dev.values():
            confs = sorted(_conf(r["parts"], w) for r in rows)
            t = min(t, math.floor(confs[int(0.05 * len(confs))] * 100) / 100)
        worst = max(rates(rows, w, t)[1] for rows in dev.values())
        print(f"w {w:.1f}: threshold {t:.2f}  dev false answers " +
              "  ".join(f"{k} {rates(v, w, t)[1]:.3f}" for k, v in dev.items()))
        if best is None or worst < best[0]:
            best = (worst, w, t)
    _, w, t = best
    print(f"chosen on the dev halves: reader_weight {w:.1f}, answer_threshold {t:.2f}")
    for name, r in dump.items():
        for part, rows in (("dev", r["rows"][0::2]), ("test", r["rows"][1::2]), ("all", r["rows"])):
            ok, false = rates(rows, w, t)
            print(f"  {name} {part:4s}: answered {ok:.3f}, false answers on unanswerable {false:.3f}")


if __name__ == "__main__":
    main()
