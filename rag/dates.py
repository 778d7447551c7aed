"""Dates: the publication range a question asks about, and partial dates inside an article.

``read_dates(question, today)`` finds the date words of a question (去年8月, 近三个月, 上个月, 8月15日,
2024年上半年) and returns the range of publication days they name as a ``DateRange``, read
against ``today``. JioNLP's time parser (``jionlp.ner.extract_time``) reads most phrasings; the rules
in ``_OWN`` read what it misses (上个月, 本月, 8月, 7月份, 3月至5月, 国庆期间, 最近), and bounds
(截至8月3日, 8月以来) leave one end open. Traditional questions are read through an aligned
simplified copy, so ``DateRange.span`` points into the question as typed.

``resolve_in_article(text, start, end, published)`` gives the absolute day of a partial or relative
date in an article (27日晚, 昨天, 上周五, 当天, 次日, 同月) from the article's publication day or from the
nearest full date written before it; the quote itself never changes (``ArticleDate.how`` says how).

Measured by ``python bench/dates.py``; phrasings in ``tests/date_phrasings.tsv``.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import time
from dataclasses import dataclass
from functools import lru_cache

from rag.records import DateRange
from rag.text import is_cjk, simplified_aligned

__all__ = ["read_dates", "resolve_in_article", "find_dates", "ArticleDate", "deictic", "parse_day"]

_NUM = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
        "九": 9, "十": 10}
_N = r"(?:\d{1,2}|[一二两三四五六七八九十]{1,3})"


def _int(s: str) -> int:
    """1-99 in Arabic or Chinese numerals (十二, 二十三, 十)."""
    if s.isdigit():
        return int(s)
    if "十" in s:
        a, _, b = s.partition("十")
        return (_NUM.get(a, 1) if a else 1) * 10 + (_NUM.get(b, 0) if b else 0)
    return _NUM.get(s, 0)


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _month(today: dt.date, month: int, year: int | None = None) -> tuple[dt.date, dt.date]:
    """A month without a year is the latest one not after today (8月 asked in March: last August)."""
    if year is None:
        year = today.year if month <= today.month else today.year - 1
    return dt.date(year, month, 1), _month_end(year, month)


def _shift_month(day: dt.date, months: int) -> tuple[int, int]:
    k = day.year * 12 + day.month - 1 + months
    return k // 12, k % 12 + 1


def parse_day(value: str) -> dt.date | None:
    """``YYYY-MM-DD[ ...]`` -> date (None for anything else)."""
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


# What JioNLP does not read, each rule -> (start, end) from the match and today.
def _last_month(m, today):
    y, mo = _shift_month(today, -1)
    return dt.date(y, mo, 1), _month_end(y, mo)


def _this_month(m, today):
    return today.replace(day=1), _month_end(today.year, today.month)


def _bare_month(m, today):
    month = _int(m.group("m"))
    if not 1 <= month <= 12:
        return None
    year = int(m.group("y")) if m.group("y") else None
    return _month(today, month, year)


def _month_to_month(m, today):
    a, b = _int(m.group("a")), _int(m.group("b"))
    if not (1 <= a <= b <= 12):
        return None
    year = int(m.group("y")) if m.group("y") else (today.year if b <= today.month else today.year - 1)
    return dt.date(year, a, 1), _month_end(year, b)


def _recent(m, today):
    return today - dt.timedelta(days=30), today


def _national_day(m, today):
    if m.group("y"):
        year = int(m.group("y"))
    else:
        year = today.year if today >= dt.date(today.year, 10, 1) else today.year - 1
    return dt.date(year, 10, 1), dt.date(year, 10, 7)


def _spring_festival(m, today):
    """春节期间: the seven days' holiday from New Year's Eve (the festival's day from JioNLP's calendar)."""
    year = f"{m.group('y')}年" if m.group("y") else ""
    found = _jio(f"{year}春节", today)
    if not found or found[0][2] is None:
        return None
    day = found[0][2]
    return day - dt.timedelta(days=1), day + dt.timedelta(days=5)


def _months_back(m, today):
    """近两个月 / 过去三个月: from the day after the same day N months back, to today."""
    y, mo = _shift_month(today, -_int(m.group("n")))
    back = _safe(y, mo, min(today.day, _month_end(y, mo).day))
    return back + dt.timedelta(days=1), today


def _part_of_this_month(m, today):
    first = {"上": 1, "中": 11, "下": 21}[m.group("p")]
    last = _month_end(today.year, today.month).day if m.group("p") == "下" else first + 9
    return today.replace(day=first), today.replace(day=last)


_OWN = (
    (re.compile(r"上个?月|上一个?月"), _last_month),
    (re.compile(r"(?:本|这个?|当)月"), _this_month),
    (re.compile(r"去年同期"), lambda m, today: _month(today, today.month, today.year - 1)),
    (re.compile(rf"(?:(?P<y>(?:19|20)\d\d)年)?(?P<a>{_N})月?(?:份)?(?:至|到|—|-|~)(?P<b>{_N})月(?:份)?"),
     _month_to_month),
    (re.compile(rf"(?:(?P<y>(?:19|20)\d\d)年)?(?P<m>{_N})月份?(?![\d一二三四五六七八九十两]*[日号])"), _bare_month),
    (re.compile(r"最近|近期|近来|这段时间|近日"), _recent),
    (re.compile(r"(?:(?P<y>(?:19|20)\d\d)年)?国庆(?:期间|节期间|假期|长假)?"), _national_day),
    (re.compile(rf"(?:近|过去|最近)(?P<n>{_N})个月"), _months_back),
    (re.compile(r"(?:(?P<y>(?:19|20)\d\d)年)?春节(?:期间|假期|长假)"), _spring_festival),
    (re.compile(r"(?<![月\d])(?P<p>[上中下])旬"), _part_of_this_month),
)

# Words that tie a date to the day the question is asked (not a calendar date written in full).
_DEICTIC = re.compile(r"今|昨|前天|前年|去年|明年|上个?月|上一个?月|上周|上星期|上半月|本|这|当月|近|最近|过去|以来|"
                      r"\d+天前|[一二两三四五六七八九十]+天前|前\d+|年初|月初")
_OPEN_END = re.compile(r"^(?:以来|至今|之后|以后|起)")
_OPEN_START = re.compile(r"(?:截至|截止到?|直到)$")
_OPEN_START_AFTER = re.compile(r"^(?:以前|之前|前)(?!天|年)")


# Season and holiday words that often modify a noun (暑期安全, 春节档, 汛期值守) rather than date a report.
_PERIOD_NOUN = re.compile(r"(?:(?:19|20)\d\d年)?(?:暑期|暑假|寒假|春节|国庆|中秋|元旦|五一|端午|清明|春运|汛期|假期|节日|节假日)")
_AFTER_PERIOD = re.compile(r"[的期间里中内前后以来有发报和、，,。？?！!\s]|$")


def _modifier(text: str, s: int, e: int) -> bool:
    """True when date words read by the parser are a holiday or season word glued to the noun after it."""
    return bool(_PERIOD_NOUN.fullmatch(text[s:e])) and not _AFTER_PERIOD.match(text[e:e + 1])


def _on_word_edges(text: str, s: int, e: int) -> bool:
    """Date words must start and end where jieba's words do: 本周 inside 版本周期 or 一时 inside
    前一时代 is no date."""
    from rag.text import load_jieba

    edges, at = {0}, 0
    for word in load_jieba().lcut(text):
        at += len(word)
        edges.add(at)
    return s in edges and (e in edges or e - s > 2)  # a longer reading (去年同期, 8月3日) may end mid-word


def _nearest(text: str, s: int, e: int) -> bool:
    """最近 as 'nearest' (距离中国最近), not 'recently': it follows a noun and no report word follows."""
    if text[s:e] not in ("最近", "近期", "近来"):
        return False
    before = text[max(0, s - 1):s]
    return bool(before) and is_cjk(before) and before not in "请问的是在你我" and \
        not re.match(r"[有发报一几出，,]|的(?:报道|新闻|消息|文章|通报)", text[e:e + 5])


_YEAR = re.compile(r"(?:19|20)\d\d年|[〇零一二三四五六七八九]{4}年")
# 'today' as 'nowadays' (今天的路口镇…, 今日的样貌): relative, but no report date in a one-sentence question
NOWADAYS = ("今天", "今日", "现在", "如今", "当今", "目前", "今天的")


def deictic(text: str) -> bool:
    """Whether date words are read against today (上个月, 近三个月, 今年3月) rather than the calendar
    (2023年8月, 1935年初, 1997年以来 name their year)."""
    words = simplified_aligned(text)
    return bool(_DEICTIC.search(words)) and not _YEAR.search(words)


@lru_cache(maxsize=1)
def _jionlp():
    import contextlib
    import io

    logging.getLogger("jionlp").setLevel(logging.ERROR)
    with contextlib.redirect_stdout(io.StringIO()):  # it prints a banner on import
        import jionlp
    return jionlp


def _jio(text: str, today: dt.date) -> list[tuple[int, int, dt.date, dt.date]]:
    base = time.mktime((today.year, today.month, today.day, 12, 0, 0, 0, 0, -1))
    jio = _jionlp()
    logging.disable(logging.ERROR)  # it logs a traceback for strings it cannot parse (一季度多)
    try:
        found = jio.ner.extract_time(text, time_base=base, with_parsing=True)
    except Exception:  # noqa: BLE001 - the parser raises on odd strings; the rules still read them
        return []
    finally:
        logging.disable(logging.NOTSET)
    out = []
    for item in found:
        if item.get("type") not in ("time_point", "time_span"):
            continue
        when = (item.get("detail") or {}).get("time")
        if not isinstance(when, list) or len(when) != 2:
            continue
        a = None if when[0] == "-inf" else parse_day(when[0])
        b = today if when[1] == "inf" else parse_day(when[1])
        if (a is None and when[0] != "-inf") or b is None:
            continue
        s, e = item["offset"]
        out.append((s, e, a, b))
    return out


def _own(text: str, today: dt.date) -> list[tuple[int, int, dt.date, dt.date]]:
    out = []
    for pattern, rule in _OWN:
        for m in pattern.finditer(text):
            got = rule(m, today)
            if got:
                out.append((m.start(), m.end(), got[0], got[1]))
    return out


def read_dates(question: str, today: dt.date | str | None = None, *, simplified: str | None = None) -> DateRange | None:
    """The publication range the date words of ``question`` name, or None when it has none.

    >>> r = read_dates("去年8月关于巡视的报道有哪些？", "2024-03-01")
    >>> (r.start, r.end, r.text, r.relative)
    ('2023-08-01', '2023-08-31', '去年8月', True)
    >>> read_dates("2023年的报道", "2024-03-01").end
    '2023-12-31'

    ``simplified``: ``question`` in simplified characters, one for one, when the caller has it
    (``rag.text.simplified_aligned``; ``Question.simplified``).
    """
    day = parse_day(today) if isinstance(today, str) else (today or dt.date.today())
    if day is None:
        raise ValueError(f"today={today!r} is not an ISO date (YYYY-MM-DD)")
    text = simplified if simplified is not None else simplified_aligned(question)
    found = _own(text, day) + _jio(text, day)
    if not found:
        return None
    # The longest reading wins where readings overlap; the first of the rest is the range asked.
    found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
    kept: list[tuple[int, int, dt.date | None, dt.date]] = []
    for f in found:
        if all(f[1] <= k[0] or f[0] >= k[1] for k in kept):
            kept.append(f)
    kept.sort()
    kept = [k for k in kept if not _modifier(text, k[0], k[1]) and _on_word_edges(text, k[0], k[1])
            and not _nearest(text, k[0], k[1])]
    if not kept:
        return None
    s, e, a, b = kept[0]
    if len(kept) > 1 and re.fullmatch(r"\s*(?:至|到|—|-|~|和)\s*", text[e:kept[1][0]]):
        e, b = kept[1][1], max(b, kept[1][3])  # 8月1日至8月10日 read as two points
    start: dt.date | None = a
    end: dt.date | None = b
    tail, head = text[e:e + 3], text[max(0, s - 3):s]
    if _OPEN_END.match(tail):
        m = _OPEN_END.match(tail)
        e += m.end()
        end = day
    elif _OPEN_START.search(head):
        m = _OPEN_START.search(head)
        s = s - (len(head) - m.start())
        start = None
    elif _OPEN_START_AFTER.match(tail) and a is not None:
        m = _OPEN_START_AFTER.match(tail)
        e += m.end()
        start, end = None, a - dt.timedelta(days=1)
    if start is not None and end is not None and start > end:
        start, end = end, start
    words = question[s:e]
    return DateRange(start=start.isoformat() if start else None, end=end.isoformat() if end else None,
                     text=words, span=(s, e), relative=deictic(words), today=day.isoformat())


@dataclass(frozen=True)
class ArticleDate:
    """The absolute day (``YYYY-MM-DD``, or ``YYYY-MM`` for a month) a date in an article means, and how
    it was read (``how``: 'as written', 'against the publication day 2023-08-28', 'after 8月26日 earlier
    in the article')."""

    value: str
    how: str


_FULL = re.compile(r"(?P<y>(?:19|20)\d\d)年(?P<m>\d{1,2})月(?:(?P<d>\d{1,2})[日号])?")
_MD = re.compile(r"(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})月(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})[日号]")
_D = re.compile(r"(?<![月\d])(?P<d>\d{1,2}|[一二三四五六七八九十]{1,3})[日号]")
_REL = {"今天": 0, "今日": 0, "昨天": -1, "昨日": -1, "前天": -2, "前日": -2, "明天": 1, "明日": 1}
_SAME = ("当天", "当日", "同日", "同一天")
_NEXT = ("次日", "翌日", "第二天")
_WEEKDAY = re.compile(r"(?P<w>上|本|这|下)?(?:周|星期|礼拜)(?P<d>[一二三四五六日天])")
_YEAR_MONTH = re.compile(r"(?P<y>今年|去年|前年)(?P<m>\d{1,2}|[一二三四五六七八九十]{1,3})月(?:(?P<d>\d{1,2})[日号])?")
_SAME_MONTH = re.compile(r"同月|当月")


def _safe(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month_day(month: int, day: int, anchor: dt.date) -> dt.date | None:
    """月/日 without a year: the one on or before the anchor (an article reports what happened)."""
    got = _safe(anchor.year, month, day)
    if got is not None and got > anchor + dt.timedelta(days=31):
        got = _safe(anchor.year - 1, month, day)
    return got


def _day_only(day: int, anchor: dt.date) -> dt.date | None:
    got = _safe(anchor.year, anchor.month, day)
    if got is not None and got > anchor + dt.timedelta(days=3):
        y, m = _shift_month(anchor, -1)
        got = _safe(y, m, day)
    return got


def _earlier(text: str, before: int, published: dt.date) -> tuple[dt.date, str] | None:
    """The last full or partial date written before ``before`` (for 当天, 次日, 同月)."""
    window = text[max(0, before - 400):before]
    best = None
    for pattern in (_FULL, _MD, _D):
        for m in pattern.finditer(window):
            if best is None or m.end() > best[0]:
                best = (m.end(), m)
    if best is None:
        return None
    got = _read(best[1].group(0), published)
    if got is None or len(got[0].value) != 10:
        return None
    return parse_day(got[0].value), best[1].group(0)


def _read(words: str, published: dt.date) -> tuple[ArticleDate, None] | None:
    m = _FULL.search(words)
    if m:
        y, mo = int(m.group("y")), int(m.group("m"))
        if m.group("d"):
            d = _safe(y, mo, int(m.group("d")))
            return (ArticleDate(d.isoformat(), "as written"), None) if d else None
        return ArticleDate(f"{y:04d}-{mo:02d}", "as written"), None
    m = _YEAR_MONTH.search(words)
    if m:
        y = published.year - {"今年": 0, "去年": 1, "前年": 2}[m.group("y")]
        mo = _int(m.group("m"))
        how = f"against the publication day {published.isoformat()}"
        if m.group("d"):
            d = _safe(y, mo, int(m.group("d")))
            return (ArticleDate(d.isoformat(), how), None) if d else None
        return ArticleDate(f"{y:04d}-{mo:02d}", how), None
    m = _MD.search(words)
    if m:
        d = _month_day(_int(m.group("m")), _int(m.group("d")), published)
        return (ArticleDate(d.isoformat(), f"against the publication day {published.isoformat()}"), None) if d else None
    m = _D.search(words)
    if m:
        d = _day_only(_int(m.group("d")), published)
        return (ArticleDate(d.isoformat(), f"against the publication day {published.isoformat()}"), None) if d else None
    for word, shift in _REL.items():
        if word in words:
            d = published + dt.timedelta(days=shift)
            return ArticleDate(d.isoformat(), f"{word} against the publication day {published.isoformat()}"), None
    m = _WEEKDAY.search(words)
    if m:
        wd = "一二三四五六日天".index(m.group("d"))
        wd = min(wd, 6)
        monday = published - dt.timedelta(days=published.weekday())
        week = {"上": -7, "下": 7}.get(m.group("w") or "", 0)
        d = monday + dt.timedelta(days=week + wd)
        if not m.group("w") and d > published:
            d -= dt.timedelta(days=7)
        return ArticleDate(d.isoformat(), f"against the publication day {published.isoformat()}"), None
    return None


def resolve_in_article(text: str, start: int, end: int, published: str | dt.date | None) -> ArticleDate | None:
    """The absolute date the words ``text[start:end]`` of an article mean, or None when they hold no date
    (or a relative one and the article has no publication day).

    >>> resolve_in_article("会议于27日晚召开。", 3, 7, "2023-08-28").value
    '2023-08-27'
    >>> resolve_in_article("8月26日，代表团抵达。次日上午会见。", 12, 14, "2023-08-30").value
    '2023-08-27'
    """
    words = simplified_aligned(text[start:end])
    pub = parse_day(published) if not isinstance(published, dt.date) else published
    if _FULL.search(words) and (_FULL.search(words).group("d") or not _MD.search(words)):
        got = _read(words, pub or dt.date.today())
        return got[0] if got else None
    if pub is None:
        return None
    context = simplified_aligned(text)
    if any(w in words for w in _SAME + _NEXT) or _SAME_MONTH.search(words):
        ref = _earlier(context, start, pub)
        if ref is None:
            if any(w in words for w in _SAME):
                return ArticleDate(pub.isoformat(), f"当天 taken as the publication day {pub.isoformat()}")
            return None
        day, said = ref
        if _SAME_MONTH.search(words) and not any(w in words for w in _SAME + _NEXT):
            return ArticleDate(day.isoformat()[:7], f"the month of {said} earlier in the article")
        if any(w in words for w in _NEXT):
            return ArticleDate((day + dt.timedelta(days=1)).isoformat(), f"the day after {said} earlier in the article")
        return ArticleDate(day.isoformat(), f"the day of {said} earlier in the article")
    got = _read(words, pub)
    return got[0] if got else None


# 8月27日, 2023年8月, 27日, 昨天, 当天, 次日, 上周五 (what resolve_in_article reads).
_DATE_WORDS = re.compile(r"(?:(?:19|20)\d\d年)?\d{1,2}月\d{1,2}[日号]|(?:19|20)\d\d年\d{1,2}月|(?:今年|去年)\d{1,2}月|"
                         r"(?<![\d月第])\d{1,2}日|(?<![\d月第])\d{1,2}号(?![台线楼院])|昨天|昨日|前天|今天|今日|当天|当日|次日|翌日|"
                         r"(?:上|本)?(?:周|星期)[一二三四五六日天]")


def find_dates(sentence: str) -> list[tuple[int, int]]:
    """Spans of the date words in a sentence (27日晚 -> the span of 27日)."""
    return [m.span() for m in _DATE_WORDS.finditer(simplified_aligned(sentence))]
