"""The "try" questions under the chat box, chosen for the archive the page serves.

The seed questions stay where the archive answers them (the sample archive); an archive they do not
fit gets questions about its own most reported subjects instead: 关于X的报道有哪些？ and X的经过是怎样的？,
where X is a noun or name that the titles of several stories share.
"""
from __future__ import annotations

import logging
from collections import Counter

from rag.errors import RagError
from rag.library import Library
from rag.text import fold, load_jieba

__all__ = ["SEED_EXAMPLES", "examples_for"]

SEED_EXAMPLES = ["巡视工作的根本任务是什么？", "系统内巡视由谁牵头？", "中央第七督导组组长是谁？", "檢察信訪工作是什麼的重要體現？",
                 "关于巡视的报道有哪些？"]
SHOWN = 5  # questions offered
SUBJECTS = 3  # subjects the archive's own questions are about
TITLES = 5000  # titles read for them (the last added of each archive): a second or two of jieba at most
# Title words that name no subject (what every report's title may say).
_GENERIC = frozenset("报道 新闻 记者 消息 通知 公告 工作 会议 情况 活动 问题 全国 全省 全市 我国 中国 国家 今年 去年 日前 近日 "
                     "发布 举行 召开 开展 推进 加强 进一步 图片 视频 直播 专题 系列 记者 通讯员".split())


def examples_for(lib: Library, seeds: list[str] = SEED_EXAMPLES) -> list[str]:
    """Up to ``SHOWN`` questions the archive answers: the seeds it answers, then its own subjects'."""
    kept = []
    for q in seeds:
        try:
            if lib.ask(q).found:
                kept.append(q)
        except RagError as exc:  # a question that cannot be asked is not offered; the page still opens
            logging.getLogger(__name__).warning("example %r not offered: %s", q, exc)
    if len(kept) >= SHOWN - 1:
        return kept
    own = [q for w in subjects(lib) for q in (f"关于{w}的报道有哪些？", f"{w}的经过是怎样的？")]
    return (kept + own)[:SHOWN] or seeds


def subjects(lib: Library, n: int = SUBJECTS) -> list[str]:
    """The nouns and names most titles share (each title counted once, two titles at least)."""
    posseg = load_jieba().posseg
    counts: Counter[str] = Counter()
    for name in lib.names:
        for doc in lib[name].documents[-TITLES:]:
            title = fold(doc.title or "")
            counts.update({w for w, flag in posseg.cut(title)
                           if len(w) >= 2 and flag.startswith(("n", "eng")) and w not in _GENERIC and not w.isdigit()})
    return [w for w, c in counts.most_common(n) if c >= 2]
