"""Choose the reader's share of the confidence (``reader_weight``) and ``answer_threshold``.

The confidence is ``(1 - w) * rules_confidence + w * reader_margin_score``; both parts are
read from two ``bench/answers.py --dump`` files made with ``reader_weight`` 0 and 1 on the
same questions (the answers are identical, only the confidence differs). For each w, the
threshold is the highest that still answers at least 95% of the answerable questions of
every file; the w with the fewest false answers (worst file) wins.

Usage: python bench/calibrate.py DUMP_W0.json DUMP_W1.json
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    w0, w1 = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
    best = None
    for i in range(11):
        w = i / 10
        thresholds = []
        for name in w0:
            ok = [(1 - w) * a["confidence"] + w * b["confidence"] for a, b in zip(w0[name]["rows"], w1[name]["rows"])]
            ok.sort()
            thresholds.append(ok[int(0.05 * len(ok))])  # 95% of answerable questions at or above it
        t = min(thresholds)
        false = {}
        for name in w0:
            no = [(1 - w) * a["confidence_unanswerable"] + w * b["confidence_unanswerable"]
                  for a, b in zip(w0[name]["rows"], w1[name]["rows"])]
            false[name] = sum(c >= t for c in no) / len(no)
        worst = max(false.values())
        print(f"w {w:.1f}: threshold {t:.3f}  false answers " + "  ".join(f"{k} {v:.3f}" for k, v in false.items()))
        if best is None or worst < best[0]:
            best = (worst, w, t)
    print(f"best: reader_weight {best[1]:.1f}, answer_threshold {best[2]:.2f} (worst false-answer rate {best[0]:.3f})")


if __name__ == "__main__":
    main()
