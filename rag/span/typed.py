"""Dates and quantities: the answers to when and how-many questions have a recognisable form."""

from __future__ import annotations

import re

from rag.text import fold_aligned

_NUM = r"(?:[0-9０-９][0-9０-９,，.]*[0-9０-９]|[0-9０-９]|[一二三四五六七八九十百千万亿两零〇]+)"
_UNIT = (
    r"(?:[%％]|(?:平方|立方)?(?:公里|千米|公尺|公分|公斤|公顷|厘米|毫米|英里|英尺|英寸|米|呎|吋)|亿元|万元|美元|港元|元"
    r"|小时|分钟|秒|个月|周年|年|天|日|周|岁|倍|[亩克吨人名位件次个家项条批轮层级股门辆种类所座只头匹部本场届期份张栋艘架台户集首篇章卷枚颗])"
)
NUMBER = re.compile(
    r"(?:大约|将近|超过|约|近|逾)?(?:百分之|[一二三四五六七八九十]+分之)[一二三四五六七八九十百零〇0-9.]+"
    rf"|(?:大约|将近|超过|约|近|逾)?{_NUM}(?:\s*[:：比]\s*{_NUM})?"
    rf"(?:\s*(?:至|到|-|－|~|～)\s*{_NUM})?[多余]?[万亿]?\s*{_UNIT}?"
)
DATE = re.compile(
    r"(?:公元前?|西元前?)?(?:\d{2,4}|[一二三四五六七八九〇零]{4})年(?:\d{1,2}月(?:\d{1,2}日)?(?:[上下]午)?)?"
    r"(?:\s*(?:至|到|-|－)\s*\d{2,4}年)?"
    r"|\d{1,2}月\d{1,2}日(?:[上下]午)?|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}世纪(?:\d{1,2}年代)?(?:[初中末])?"
)
TYPED = {"when": DATE, "number": NUMBER}  # question kinds whose answer has a recognisable form
_YEAR = re.compile(r"^(?:公元前?|西元前?)?\d{3,4}年$")
_BARE_CHINESE_NUMBER = re.compile(r"^[一二三四五六七八九十百千万亿两零〇]+$")


def typed_span(kind: str, sentence: str, lo: int, hi: int, q: str) -> tuple[int, int] | None:
    """The first date / quantity starting in ``sentence[lo:hi]`` that the question does not
    itself mention; it may run past ``hi`` (3|股调查组). A year or a bare 十 is no answer to
    how many (2007年的人口有多少 -> 91606人)."""
    pat = TYPED[kind]
    for m in pat.finditer(sentence, lo, hi):
        full = pat.match(sentence, m.start())
        text = fold_aligned(full.group()).strip()
        if not text or text in q:
            continue
        if kind == "number" and (_BARE_CHINESE_NUMBER.match(text) or _YEAR.match(text) and "年" not in q):
            continue
        return full.start(), full.end()
    return None
