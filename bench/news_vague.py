"""Questions too vague for a news archive: are the few most likely stories offered instead of one guess?

A question such as 比赛的比分是多少？ names no match: the 20,000-item news archive holds dozens. Its answer
should keep its best guess and list the other stories' answers beside it (``Answer.alternatives``, each with
its date and source). The 30 vague questions below were written as a newsroom would type them, before
looking at any answer; the 20 specific when-questions of ``bench/news_when.tsv`` are asked too, to see that
a question naming its story still gets that story's answer first. Both sets are asked as written and in an
OpenCC s2twp copy, of the index ``bench/news_many.py --keep DIR`` builds.

Reported per set and script: the share answered with alternatives from at least two stories, the mean
number of stories offered, and the p50 / p95 time of an ask; for the specific set also whether the first
answer still cites the item the question was written from.

    python bench/news_vague.py --index /work/news/idx [--config JSON]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VAGUE = ["比赛的比分是多少？", "冠军是谁？", "台风在哪里登陆？", "事故造成多少人死亡？", "会议在哪里召开？",
         "这次会议的主题是什么？", "发布会是哪天举行的？", "活动吸引了多少游客？", "项目总投资多少？", "谁获得了金牌？",
         "暴雨造成了什么影响？", "演唱会在哪里举行？", "新规从哪天起施行？", "嫌疑人被判了多少年？", "展会有多少家企业参展？",
         "比赛在哪里举行？", "谁担任主教练？", "发布了什么新产品？", "火灾的原因是什么？", "地震的震级是多少？",
         "地震发生在哪里？", "他因为什么被调查？", "罚款多少元？", "公司的营收是多少？", "哪支球队赢得了比赛？",
         "大会在哪个城市开幕？", "航班为什么取消？", "新馆什么时候开放？", "救援人员有多少人？", "谁在会上讲话？"]


def stories_offered(index, answer) -> int:
    """How many stories the answer offers: its own and its alternatives', reposts counted once."""
    if not answer.found:
        return 0
    cites = [answer.citations[0]] + [a.citation for a in answer.alternatives] if answer.citations else []
    groups = set()
    for c in cites:
        doc_id = index._by_path.get(c.path)
        groups.add(index._retriever.group_of.get(doc_id, doc_id))
    return len(groups)


def run(index, questions, convert, items=None) -> dict:
    offered, times, cited = [], [], 0
    for n, q in enumerate(questions):
        q = convert(q)
        t = time.perf_counter()
        a = index.ask(q, question_dates=False)
        times.append((time.perf_counter() - t) * 1000)
        offered.append(stories_offered(index, a))
        if items is not None:
            cited += a.found and bool(a.citations) and Path(a.citations[0].path).stem == items[n]
    out = {"questions": len(questions), "with_alternatives": round(sum(k >= 2 for k in offered) / len(offered), 3),
           "stories_offered_mean": round(statistics.mean(offered), 2),
           "p50_ms": round(statistics.median(times), 1),
           "p95_ms": round(sorted(times)[int(0.95 * (len(times) - 1))], 1)}
    if items is not None:
        out["cited_the_item"] = cited
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--config", default="{}", help="JSON of query-time Config settings")
    args = ap.parse_args()
    import opencc

    import rag

    rows = [line.split("\t") for line in (ROOT / "bench" / "news_when.tsv").read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    index = rag.open_index(args.index, config=rag.Config(today="2023-08-20", **json.loads(args.config)))
    index.ask("预热")  # models loaded before timing
    tw = opencc.OpenCC("s2twp")
    report = {}
    for script, convert in (("simplified", lambda q: q), ("traditional", tw.convert)):
        report[script] = {"vague": run(index, VAGUE, convert),
                          "specific": run(index, [r[0] for r in rows], convert, [r[1] for r in rows])}
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
