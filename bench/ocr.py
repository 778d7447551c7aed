"""OCR on scanned news pages: character accuracy, speed, and whether a scan answers as its text does.

News items of ../shared/news/ are rendered as A4 pages at 150 dpi (bench/scan_pages.py): one, two or
three columns, half of them in traditional script (OpenCC s2twp, drawn with the TC face), each clean
and degraded (noise, blur, a small rotation, a JPEG, or all four, in turn). Reported:

- 1 − CER of the OCR text against the drawn text, clean and degraded, by script and columns;
- seconds per A4 page (2 cores), median and p95;
- three broadsheet-like pages (eight narrow columns of small characters), clean and degraded;
- the same questions (generated from the drawn text as rag/rerank_fit's news questions are) asked of
  an index of the text versions and of an index of the degraded scans: the share answered with the
  same sentence (letters and digits compared: OCR's punctuation slips do not make another answer).

    python bench/ocr.py --pages 30 --json bench/results-ocr.json
"""
from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

KINDS = ("noise", "blur", "rotate", "jpeg", "all")


def cer(ref: str, got: str) -> float:
    """Levenshtein distance / reference length, over NFKC-folded text without spaces."""
    a, b = ("".join(ch for ch in unicodedata.normalize("NFKC", s) if not ch.isspace()) for s in (ref, got))
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
        prev = cur
    return prev[-1] / max(len(a), 1)


def _items(news: Path, n: int, seed: int) -> list[dict]:
    with gzip.open(news, "rt", encoding="utf-8") as fh:
        items = [json.loads(line) for line in fh]
    rng = random.Random(seed)
    return [it for it in rng.sample(items, 4 * n) if len(it["text"]) >= 500][:n]


def _article(item: dict, traditional: bool, tw) -> tuple[str, str, list[str]]:
    """Headline (the item's first sentence, cut at 28 characters), date line, paragraphs."""
    from rag.text import split_sentences

    text = item["text"]
    first = next(iter(split_sentences(text, 0, len(text))), (0, min(len(text), 28)))
    title = text[first[0]:first[1]].strip("。！？ ")[:28]
    body = [p.strip() for p in text[first[1]:].split("\n") if len(p.strip()) >= 2]
    meta = f"发布时间：{item['date'][:10]}"
    if traditional:
        title, meta, body = tw.convert(title), tw.convert(meta), [tw.convert(p) for p in body]
    return title, meta, body


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--news", type=Path, default=ROOT.parent / "shared" / "news" / "crud_news_2023.jsonl.gz")
    ap.add_argument("--pages", type=int, default=30)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep", type=Path, help="write the pages, texts and indexes here (default: a temporary folder)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    import opencc
    from PIL import Image

    import rag
    from rag.ingest.ocr import ocr_image, paragraphs
    from rag.rerank_fit import question_from
    from rag.text import load_jieba
    from scan_pages import degrade, render

    tw = opencc.OpenCC("s2twp")
    work = args.keep or Path(tempfile.mkdtemp(prefix="ocr-bench-"))
    (work / "text").mkdir(parents=True, exist_ok=True)
    (work / "scan").mkdir(parents=True, exist_ok=True)
    rows, seconds = [], []
    ocr_image(Image.new("RGB", (64, 64), "white"))  # load the models outside the timings
    for i, item in enumerate(_items(args.news, args.pages, args.seed)):
        traditional, columns, kind = i % 2 == 1, 1 + (i // 2) % 3, KINDS[i % len(KINDS)]
        title, meta, body = _article(item, traditional, tw)
        clean = render(title, meta, body, columns=columns, script="traditional" if traditional else "simplified")
        bad = degrade(clean, kind, seed=i)
        name = f"{i:03d}"
        (work / "text" / f"{name}.txt").write_text(clean.text + "\n", encoding="utf-8")
        bad.image.save(work / "scan" / f"{name}.{'jpg' if kind in ('jpeg', 'all') else 'png'}",
                       **({"quality": 30} if kind in ("jpeg", "all") else {}))
        row = {"page": name, "script": "traditional" if traditional else "simplified", "columns": columns,
               "degraded_by": kind}
        for label, page in (("clean", clean), ("degraded", bad)):
            t = time.perf_counter()
            got = "\n".join(p.text for p in paragraphs(ocr_image(page.image)))
            seconds.append(time.perf_counter() - t)
            row[label] = round(1 - cer(page.text, got), 4)
        rows.append(row)
        print(f"{name} {row['script'][:4]} {columns} col {kind:6s} clean {row['clean']:.4f} degraded "
              f"{row['degraded']:.4f}", flush=True)

    def mean(key, **where):
        vals = [r[key] for r in rows if all(r[k] == v for k, v in where.items())]
        return round(statistics.mean(vals), 4) if vals else None

    broadsheet = _broadsheets(args, ocr_image, paragraphs, render, degrade)
    seconds.sort()
    report = {
        "pages": len(rows), "accuracy_clean": mean("clean"), "accuracy_degraded": mean("degraded"),
        "by_script": {s: {"clean": mean("clean", script=s), "degraded": mean("degraded", script=s)}
                      for s in ("simplified", "traditional")},
        "by_columns": {c: {"clean": mean("clean", columns=c), "degraded": mean("degraded", columns=c)} for c in (1, 2, 3)},
        "by_degradation": {k: mean("degraded", degraded_by=k) for k in KINDS},
        "broadsheet": broadsheet,
        "seconds_per_a4_page_median": round(statistics.median(seconds), 2),
        "seconds_per_a4_page_p95": round(seconds[int(0.95 * (len(seconds) - 1))], 2),
        "rows": rows,
    }
    report.update(_same_answers(work, question_from, load_jieba, rag))
    print(json.dumps({k: v for k, v in report.items() if k not in ("rows", "differ")}, ensure_ascii=False, indent=1))
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def _broadsheets(args, ocr_image, paragraphs, render, degrade, pages: int = 3) -> dict:
    """Newspaper-like pages: 2480 x 3508 px, eight narrow columns of 17 px characters under a headline,
    each filled with a dozen news items; clean and degraded (all four)."""
    items = _items(args.news, 12 * pages, args.seed + 1)
    clean, bad, secs = [], [], []
    for p in range(pages):
        body = [para for it in items[12 * p: 12 * (p + 1)] for para in it["text"].split("\n") if len(para) > 5]
        page = render("检察日报样张：多栏排版", f"发布时间：{items[12 * p]['date'][:10]}", body, columns=8,
                      size=(2480, 3508), font_px=17)
        for out, img in ((clean, page), (bad, degrade(page, "all", seed=p))):
            t = time.perf_counter()
            got = "\n".join(x.text for x in paragraphs(ocr_image(img.image)))
            secs.append(time.perf_counter() - t)
            out.append(1 - cer(img.text, got))
    return {"pages": pages, "clean": round(statistics.mean(clean), 4), "degraded": round(statistics.mean(bad), 4),
            "seconds_per_page_median": round(statistics.median(secs), 2)}


def _same_answers(work: Path, question_from, load_jieba, rag) -> dict:
    """Questions from each drawn text, asked of the text index and of the scan index."""
    t = time.perf_counter()
    text_idx = rag.build_index([work / "text"], work / "idx-text")
    scan_idx = rag.build_index([work / "scan"], work / "idx-scan")
    build_s = time.perf_counter() - t
    posseg = load_jieba().posseg
    rng = random.Random(3)
    same = asked = 0
    differ = []
    for f in sorted((work / "text").glob("*.txt")):
        body = "\n".join(f.read_text(encoding="utf-8").splitlines()[2:])
        for _ in range(3):
            q = question_from(body, rng, posseg)
            if not q:
                continue
            a, b = text_idx.ask(q), scan_idx.ask(q)
            asked += 1
            sa = _fold(a.text) if a.found else None
            sb = _fold(b.text) if b.found else None
            if _same(sa, sb):
                same += 1
            else:
                differ.append({"question": q, "text": a.text[:80], "scan": b.text[:80]})
    return {"questions": asked, "same_answer": round(same / max(asked, 1), 4), "indexes_built_s": round(build_s, 1),
            "scan_index_documents": len(scan_idx), "differ": differ[:20]}


def _fold(text: str) -> str:
    """Letters and digits only (NFKC): OCR drops or changes punctuation (、 for ，, 201 7) far more
    often than words, and the quote is the same sentence either way."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch)[0] in "LN")


def _same(a: str | None, b: str | None) -> bool:
    """The same answer: both declined, or one quote holds the other, or they differ in at most a
    twentieth of their characters (a misread character or two)."""
    import difflib

    if a is None or b is None:
        return a == b
    return a == b or a in b or b in a or difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= 0.95


if __name__ == "__main__":
    main()
