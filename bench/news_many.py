"""List, count and timeline answers on the 20,000-item news archive (plus the seeds), in both scripts.

The archive is ``../shared/news/crud_news_2023.jsonl.gz`` (CRUD-RAG, Apache-2.0), each item written as a
user's file (``发布时间：DATE`` then the text), with the seeds beside it. Questions are made from a grid of
subjects x date phrasings x frames (list / count / timeline), each asked as written and in an OpenCC s2twp
copy. What each should return is computed here from the **raw** items, not from the index: the items
published in the range whose raw text holds every subject word. The index's repost groups (its build
report) fold raw items into stories, as the answers do.

Reported: frame read right, date range read right, precision / recall of the listed articles (every
story, not only the shown ones), exact-count accuracy, timeline order, p50 / p95 latency.

    python bench/news_many.py --keep /work/news            # writes files/ and idx/ there once
    python bench/news_many.py --keep /work/news --limit 40 # a quick run
"""
from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import re
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
NEWS = SHARED / "news" / "crud_news_2023.jsonl.gz"
sys.path.insert(0, str(ROOT))

TODAY = "2023-08-20"
# Subjects a newsroom would ask about, each one word or two (all must be in the text).
# A compound a reader means as one (乡村振兴, 新能源汽车) is one string; subjects of two things are two.
SUBJECTS = [["台风"], ["暴雨"], ["高温"], ["人工智能"], ["新能源汽车"], ["乡村振兴"], ["检察"], ["大运会"],
            ["世界杯"], ["防汛"], ["地震"], ["芯片"], ["旅游"], ["医保"], ["房地产"], ["巡视"], ["暑期", "安全"],
            ["杜苏芮"], ["消费"], ["食品安全"], ["外卖"], ["电动自行车"], ["淄博", "烧烤"], ["北京", "暴雨"],
            ["反诈"]]
# date phrasing, expected range against TODAY (None: no date)
DATES = [("上个月", ("2023-07-01", "2023-07-31")), ("本月", ("2023-08-01", "2023-08-31")),
         ("8月上旬", ("2023-08-01", "2023-08-10")), ("最近", ("2023-07-21", "2023-08-20")),
         ("近一周", ("2023-08-13", "2023-08-20")), ("7月份", ("2023-07-01", "2023-07-31")),
         ("2023年8月", ("2023-08-01", "2023-08-31")), ("上周", ("2023-08-07", "2023-08-13")),
         ("8月1日至8月10日", ("2023-08-01", "2023-08-10")), ("7月中旬", ("2023-07-11", "2023-07-20")),
         ("", None)]
FRAMES = {"list": "{d}关于{s}的报道有哪些？", "count": "{d}关于{s}的报道有几篇？", "timeline": "{d}{s}的经过是怎样的？"}


def write_archive(folder: Path) -> None:
    files = folder / "files"
    (files / "news").mkdir(parents=True, exist_ok=True)
    with gzip.open(NEWS, "rt", encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            p = files / "news" / f"{item['id']}.txt"
            if not p.exists():
                p.write_text(f"发布时间：{item['date']}\n{item['text']}\n", encoding="utf-8")
    if not (files / "seeds").exists():
        shutil.copytree(ROOT / "seeds", files / "seeds")


def raw_items(folder: Path) -> dict[str, tuple[str, str]]:
    """Absolute path -> (publication day, raw text), read from the raw sources (not the index)."""
    out = {}
    with gzip.open(NEWS, "rt", encoding="utf-8") as f:
        for line in f:
            item = json.loads(line)
            out[str((folder / "files" / "news" / f"{item['id']}.txt").absolute())] = (item["date"][:10], item["text"])
    import opencc

    t2s = opencc.OpenCC("t2s")
    for p in sorted((folder / "files" / "seeds").iterdir()):
        text = p.read_text(encoding="utf-8")
        text = f"{text}\n{t2s.convert(text)}"  # one seed is in traditional script
        m = re.search(r"发布时间[:：]\s*(\d{4}-\d{2}-\d{2})", text)
        out[str(p.absolute())] = (m.group(1) if m else "", text)
    return out


def questions():
    for s in SUBJECTS:
        for d, rng in DATES:
            for kind, pattern in FRAMES.items():
                if kind == "timeline" and d not in ("", "上个月", "本月"):
                    continue
                yield {"question": pattern.format(d=d, s="".join(s)), "kind": kind, "words": s, "range": rng}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--keep", type=Path, required=True, help="folder for the archive's files and index (reused)")
    ap.add_argument("--limit", type=int, help="ask only every n-th question so that about N are asked")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args()

    import opencc

    import rag

    write_archive(args.keep)
    idx_dir = args.keep / "idx"
    if not (idx_dir / "manifest.json").exists():
        rag.build_index(args.keep / "files", idx_dir)
    index = rag.open_index(idx_dir, config=rag.Config(today=TODAY, list_items=100_000))
    raw = raw_items(args.keep)
    group_of: dict[str, str] = {}
    for group in index.manifest.get("duplicate_groups", []):
        for p in group:
            group_of[p] = group[0]
    tw = opencc.OpenCC("s2twp")
    qs = list(questions())
    if args.limit:
        qs = qs[:: max(1, len(qs) // args.limit)]
    index.ask("预热")  # the first question loads jieba and the reader
    rows = {"simplified": [], "traditional": []}
    for q in qs:
        a, b = q["range"] or ("", "9999")
        gold = {p for p, (day, text) in raw.items() if a <= day <= b and all(w in text for w in q["words"])}
        gold_stories = {group_of.get(p, p) for p in gold}
        for script in rows:
            text = q["question"] if script == "simplified" else tw.convert(q["question"])
            t0 = time.perf_counter()
            ans = index.ask(text)
            ms = (time.perf_counter() - t0) * 1000
            got = {c.path for c in ans.items}
            got_stories = {group_of.get(p, p) for p in got}
            rng = (ans.dates.start, ans.dates.end) if ans.dates else None
            order = [(c.event_date or c.date or "9999")[:10] for c in ans.items]  # undated last, as shown
            rows[script].append({
                "q": text, "kind": q["kind"], "frame_ok": ans.kind == q["kind"],
                "range_ok": rng == q["range"], "gold": len(gold_stories), "total": ans.total,
                "tp": len(got_stories & gold_stories), "listed": len(got_stories), "ms": ms,
                "ordered": order == sorted(order),
            })
    report = {}
    for script, rs in rows.items():
        lists = [r for r in rs if r["kind"] == "list" and r["gold"]]
        counts = [r for r in rs if r["kind"] == "count"]
        times = sorted(r["ms"] for r in rs)
        tp, listed, gold = (sum(r[k] for r in lists) for k in ("tp", "listed", "gold"))
        report[script] = {
            "questions": len(rs),
            "frame": round(sum(r["frame_ok"] for r in rs) / len(rs), 3),
            "date_range": round(sum(r["range_ok"] for r in rs) / len(rs), 3),
            "list_precision": round(tp / max(listed, 1), 3), "list_recall": round(tp / max(gold, 1), 3),
            "list_precision_macro": round(statistics.mean(r["tp"] / r["listed"] if r["listed"] else 0.0
                                                          for r in lists), 3) if lists else None,
            "list_recall_macro": round(statistics.mean(r["tp"] / r["gold"] for r in lists), 3) if lists else None,
            "count_exact": round(sum(r["total"] == r["gold"] for r in counts) / max(len(counts), 1), 3),
            "count_within_5pct": round(sum(abs(r["total"] - r["gold"]) <= max(1, 0.05 * r["gold"]) for r in counts)
                                       / max(len(counts), 1), 3),
            "timeline_ordered": round(statistics.mean(r["ordered"] for r in rs if r["kind"] == "timeline"), 3),
            "p50_ms": round(times[len(times) // 2], 1), "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
            "wrong_counts": [(r["q"], r["total"], r["gold"]) for r in counts if r["total"] != r["gold"]][:12],
        }
    report["archive"] = {"documents": len(index), "today": TODAY, "date": dt.date.today().isoformat()}
    text = json.dumps(report, ensure_ascii=False, indent=1)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
