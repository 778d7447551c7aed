"""Date words read right: rag.dates (JioNLP's time parser plus own rules) against JioNLP alone.

The phrasings are the hand-written rows of tests/date_phrasings.tsv (question, reference day,
expected start and end), each read as written and in an OpenCC s2twp copy; the in-article dates are
the rows of tests/test_dates.py's ARTICLE table.

    python bench/dates.py
"""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    import opencc

    from rag import dates
    from rag.text import simplified_aligned
    from test_dates import ARTICLE, ROWS

    tw = opencc.OpenCC("s2twp")

    def jionlp_alone(question: str, today: str):
        day = dates.parse_day(today)
        found = dates._jio(simplified_aligned(question), day)
        if not found:
            return ("none", "none")
        s, e, a, b = max(found, key=lambda f: f[1] - f[0])
        return (a.isoformat() if a else "-", b.isoformat())

    def ours(question: str, today: str):
        got = dates.read_dates(question, today)
        return ("none", "none") if got is None else (got.start or "-", got.end or "-")

    report = {}
    for name, read in (("rag.dates", ours), ("jionlp alone", jionlp_alone)):
        right, total, seconds, wrong = 0, 0, 0.0, []
        for question, today, start, end in ROWS:
            for q in (question, tw.convert(question)):
                t0 = time.perf_counter()
                got = read(q, today)
                seconds += time.perf_counter() - t0
                total += 1
                if got == (start, end):
                    right += 1
                else:
                    wrong.append(f"{q} -> {got}")
        report[name] = {"right": right, "of": total, "share": round(right / total, 3),
                        "ms_per_question": round(1000 * seconds / total, 2), "wrong": wrong[:10]}
    right = 0
    for text, words, published, value in ARTICLE:
        for t, w in ((text, words), (tw.convert(text), tw.convert(words))):
            s = t.index(w)
            got = dates.resolve_in_article(t, s, s + len(w), published)
            right += got is not None and got.value == value
    report["in-article dates"] = {"right": right, "of": 2 * len(ARTICLE)}
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
