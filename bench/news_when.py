"""When-questions on the news archive: is the absolute day beside the short answer right?

The questions and their expected days are in bench/news_when.tsv, written by hand from items whose sentence
gives only the day of the month (18日, 28日晚). Each is asked as written and in an OpenCC s2twp copy of an
index of ../shared/news/ (see bench/news_many.py --keep DIR, which builds it).

    python bench/news_when.py --index /work/news/idx
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True)
    args = ap.parse_args()
    import opencc

    import rag

    rows = [line.split("\t") for line in (ROOT / "bench" / "news_when.tsv").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    index = rag.open_index(args.index, config=rag.Config(today="2023-08-20"))
    tw = opencc.OpenCC("s2twp")
    report = {}
    for script in ("simplified", "traditional"):
        right = cited = dated = 0
        misses = []
        for question, item, day in rows:
            q = question if script == "simplified" else tw.convert(question)
            a = index.ask(q, question_dates=False)
            got = None
            if a.found and a.short:  # an answer from the page's own date line is the day itself
                got = a.short.date or (a.short.text[:10] if a.short.by == "metadata" else None)
            from_item = a.found and bool(a.citations) and Path(a.citations[0].path).stem == item
            cited += from_item
            dated += got is not None
            right += got == day
            if got != day:
                misses.append((q, a.short.text if a.short else None, got, day, from_item))
        report[script] = {"questions": len(rows), "day_right": right, "short_dated": dated,
                          "cited_the_item": cited, "misses": misses}
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
