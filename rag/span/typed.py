"""Dates and quantities: the answers to when and how-many questions have a recognisable form."""

from __future__ import annotations

import re

_NUM = r"(?:[0-9０-９][0-9０-９,，.]*[0-9０-９]|[0-9０-９]|[一二三四五六七八九十百千万亿两零〇]+)"
_UNIT = (
    r"(?:[%％]|(?:平方|立方)?(?:公里|千米|公尺|公分|公斤|公顷|厘米|毫米|英里|英尺|英寸|米|呎|吋)|亿元|万元|美元|港元|元"
    r"|小时|分钟|秒|个月|周年|年|天|日|周|岁|倍|[亩克吨人名位件次个家项条批轮层级股门辆种类所座只头匹部本场届期份张栋艘架台户集首篇章卷枚颗起宗例处间支株块根段页幅封笔套])"
)
NUMBER = re.compile(
    r"(?:大约|将近|超过|约|近|逾)?(?:百分之|[一二三四五六七八九十]+分之)[一二三四五六七八九十百零〇0-9.]+"
    rf"|(?:大约|将近|超过|约|近|逾)?{_NUM}(?:\s*[:：比]\s*{_NUM})?"
    rf"(?:\s*(?:至|到|-|－|~|～)\s*{_NUM})?[多余]?[万亿]?\s*{_UNIT}?"
)
DATE = re.compile(
    r"(?<!\d)\d{2}年代|(?:公元前?|西元前?)?(?:\d{2,4}|[一二三四五六七八九〇零]{4})年(?:\d{1,2}月(?:\d{1,2}日)?(?:[上下]午)?)?"
    r"(?:\s*(?:至|到|-|－)\s*\d{2,4}年)?"
    r"|\d{1,2}月\d{1,2}日(?:[上下]午)?|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}世纪(?:\d{1,2}年代)?(?:[初中末])?"
)
TYPED = {"when": DATE, "number": NUMBER}  # question kinds whose answer has a recognisable form
_YEAR = re.compile(r"^(?:公元前?|西元前?)?\d{3,4}年$")
_BARE_CHINESE_NUMBER = re.compile(r"^[一二三四五六七八九十百千万亿两零〇]+$")


def typed_span(kind: str, s: str, ranges: list[tuple[int, int]], q: str) -> tuple[int, int] | None:
    """The date / quantity of folded ``s`` that answers question ``q``, looked for in each
    of ``ranges`` in turn (one may run past its range's end: 3|股调查组).

    Never one the question itself mentions. For how many: never a year or a bare 十
    (2007年的人口有多少 -> 91606人) nor the month or day of a date; an ordinal for 第几
    (第几代 -> 第三代); else the first in the unit the question asks in (几岁 -> 40岁,
    多少名 -> 224名; 多久 -> a duration), else the first.
    """
    if kind == "number" and "第几" in q:
        for lo, hi in ranges:
            for m in _ORDINAL.finditer(s, lo, hi):
                if m.group() not in q:
                    return m.start(), m.end()
    found = [_candidates(kind, s, lo, hi, q) for lo, hi in ranges]
    asked = _asked_units(q) if kind == "number" else _asked_precision(q)
    for spans in found:  # the nearest range holding one in the asked unit ...
        for a, b in spans:
            if asked is not None and asked.search(s[a:b]):
                return a, b
    for spans in found:  # ... else the first one found
        if spans:
            return spans[0]
    return None


def _candidates(kind: str, s: str, lo: int, hi: int, q: str) -> list[tuple[int, int]]:
    pat = TYPED[kind]
    found = []
    for m in pat.finditer(s, lo, hi):
        full = pat.match(s, m.start())
        text = full.group().strip()
        if not text or text in q:
            continue
        if kind == "number":
            if _BARE_CHINESE_NUMBER.match(text) or _YEAR.match(text) and "年" not in q:
                continue
            if s[full.end() : full.end() + 1] in ("月", "日", "号") and not text[-1:].isalpha():
                continue  # 6|月17日: part of a date
            if len(text) == 2 and text[0] == "一" and text[1] not in q:
                continue  # 一间医院 / 一根丝: "a", not a count, unless the question counts in that unit
            if s[full.start() - 1 : full.start()] == "月" and text[-1] in "日号":
                continue  # 10月|4日: the day of a date, not a count
        found.append((full.start(), full.end()))
    return found


_ORDINAL = re.compile(r"第[0-9一二三四五六七八九十百]+(?:[位名个代届次类级组]{1,2})?")


# when-questions: what the question names -> the form of date that answers it, first match wins
_PRECISION = [
    (re.compile("年代"), re.compile("年代$")),
    (re.compile("世纪"), re.compile("世纪")),
    (re.compile("哪天|哪一天|几日|几号|日期"), re.compile("[日号午]$")),
    (re.compile("几月|哪个月|哪一个月"), re.compile("月")),
    (re.compile("哪一?年|何年|几年"), re.compile(r"^(?:公元前?|西元前?)?\d{3,4}年")),
]
_DURATION_QUESTION = re.compile("多久|多长时间|多少时间|几年|多少年")
_DURATION = re.compile("(?:年|个月|月|周|天|日|小时|分钟|秒|世纪)$")
_COUNTED_IN = re.compile(r"(?:多少|几)个?([^\s，。？！的是在])")


def _asked_precision(q: str) -> re.Pattern | None:
    """What a when-question names: 哪一年 -> a year, 什么年代 -> a decade, 哪天 -> a day."""
    return next((answer for asked, answer in _PRECISION if asked.search(q)), None)


def _asked_units(q: str) -> re.Pattern | None:
    """The unit a how-many question counts in: 几岁 -> 岁, 多少名 -> 名, 多久 -> durations."""
    if _DURATION_QUESTION.search(q):
        return _DURATION
    m = _COUNTED_IN.search(q)
    if not m:
        return None
    unit = m.group(1)
    return re.compile("(?:" + _SAME_COUNT.get(unit, re.escape(unit)) + ")$")


# Counters that count the same things: 多少人 is answered in 名 or 位 as often as in 人.
_SAME_COUNT = {"人": "人|名|位", "名": "名|人|位", "位": "位|名|人"}
