"""Metadata lines of scraped Chinese news pages: 发布时间 / 来源 / 作者 / 原文链接.

A page often packs several fields into one line
(``发布时间:2024-03-02 来源: 最高人民检察院 作者:佚名``); each field's value runs
up to the next label. Missing or placeholder values become None, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.text import simplified_aligned

__all__ = ["Meta", "parse_meta_line", "parse_date_line", "normalise_date", "merge"]

# Labels in simplified characters: a line is matched in its simplified form (traditional
# 發佈日期 / 來源 / 責任編輯 read as 发布日期 / 来源 / 责任编辑), its values taken from the original.
_LABELS = {
    "date": ["发布时间", "发布日期", "发表时间", "发表日期", "发稿时间", "发稿日期", "更新时间", "刊登日期", "日期",
             "时间", "Published", "Date"],
    "source": ["新闻来源", "文章来源", "稿件来源", "信息来源", "资讯来源", "来源", "出处", "Source"],
    "author": ["作者", "记者", "撰稿", "文", "作者/记者", "Author"],
    "editor": ["责任编辑", "编辑"],
    "url": ["原文链接", "原文地址", "原文网址", "本文链接", "链接"],
    "noise": ["浏览次数", "点击数", "点击量", "阅读量", "阅读", "影响了", "字号", "浏览", "访问量"],
}
_LABEL_TO_FIELD = {label: f for f, labels in _LABELS.items() for label in labels}
_LABEL_RE = re.compile(
    r"(?:^|(?<=\s)|(?<=[|｜】\]]))(" + "|".join(sorted(map(re.escape, _LABEL_TO_FIELD), key=len, reverse=True)) + r")\s*[:：]\s*"
)
_DATE_RE = re.compile(
    r"(?P<y>(?:19|20)\d\d)\s*[-/.年]\s*(?P<m>\d{1,2})\s*[-/.月]\s*(?P<d>\d{1,2})\s*日?"
    r"(?:[\sT]*(?P<H>\d{1,2})[:：](?P<M>\d{2})(?:[:：](?P<S>\d{2}))?)?"
)
# A line that is nothing but a date (2024年10月5日 / 2025-04-02 10:00 星期三 / [2024-03-02]):
# a page's dateline when it sits under the headline.
_BARE_DATE = re.compile(
    r"^[\[(（【]?\s*" + _DATE_RE.pattern + r"\s*[\])）】]?\s*(?:(?:星期|周|週|禮拜|礼拜)[一二三四五六日天])?\s*$"
)
# A date opening the line, before its first label (2024-01-15 10:20 来源：新华网).
_LEADING_DATE = re.compile(r"^[\[(（【]?\s*" + _DATE_RE.pattern)
_PLACEHOLDERS = {"", "佚名", "未知", "不详", "admin", "管理员", "本站", "网络", "互联网", "无"}
_WIDGET = re.compile(r"【[^】]*】?|\[[^\]]*\]|[|｜]+")


@dataclass(frozen=True)
class Meta:
    """Fields read from metadata lines; every field may be None."""

    date: str | None = None
    time: str | None = None
    source: str | None = None
    author: str | None = None
    url: str | None = None


def normalise_date(text: str) -> tuple[str | None, str | None]:
    """``'2019-07-03 09:22:50'`` -> ``('2019-07-03', '09:22:50')``; ``2024年3月2日`` -> ``('2024-03-02', None)``."""
    m = _DATE_RE.search(text)
    if not m:
        return None, None
    y, mo, d = int(m["y"]), int(m["m"]), int(m["d"])
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return None, None
    date = f"{y:04d}-{mo:02d}-{d:02d}"
    if m["H"] is None:
        return date, None
    t = f"{int(m['H']):02d}:{m['M']}" + (f":{m['S']}" if m["S"] else "")
    return date, t


def _clean_value(field: str, value: str) -> str | None:
    value = _WIDGET.sub(" ", value).strip(" \t\u3000:：,，;；")
    if field == "url":
        m = re.search(r"https?://\S+", value)
        return m.group().rstrip("。，,;；)）") if m else None
    value = re.split(r"\s{2,}|\u3000", value)[0].strip()  # a wide gap ends the value (检察日报　第1版)
    if value.lower() in _PLACEHOLDERS or len(value) > 60:
        return None
    if field == "source":
        # 中华人民共和国最高人民检察院 and 最高人民检察院 are one source: the country's name is dropped
        value = _COUNTRY.sub("", value) or value
    return value


_COUNTRY = re.compile(r"^(?:中华人民共和国|中華人民共和國)(?=\S{3,})")


def parse_meta_line(line: str) -> Meta | None:
    """Read the metadata fields of one line, or None when it is not a metadata line.

    A line counts when it starts with a label, or with a date followed by a label
    (``2024-01-15 来源：新华网``), or holds a date plus another label, so a body sentence
    that merely mentions 来源 is not mistaken for metadata. Traditional labels count too.

    >>> parse_meta_line("發佈日期：2022年3月1日　來源：廉政公署")
    Meta(date='2022-03-01', time=None, source='廉政公署', author=None, url=None)
    >>> parse_meta_line("2024-01-15 10:20 来源：新华网").source
    '新华网'
    """
    stripped = line.strip()
    if ":" not in stripped and "：" not in stripped:  # every label ends in a colon
        return None
    matches = list(_LABEL_RE.finditer(simplified_aligned(stripped)))  # same offsets as ``stripped``
    if not matches:
        return None
    fields = [_LABEL_TO_FIELD[m.group(1)] for m in matches]
    starts_with_label = matches[0].start() == 0
    leading = _LEADING_DATE.match(stripped[: matches[0].start()])
    if not (starts_with_label or leading or ("date" in fields and len(fields) > 1)):
        return None
    # A sentence of body text that begins with a label-like word ("时间：" rarely
    # starts one) is long and ends in a full stop; metadata lines are short.
    if len(stripped) > 160 or (stripped.endswith("。") and "url" not in fields):
        return None
    values: dict[str, str | None] = {}
    if leading:
        values["date"], values["time"] = normalise_date(leading.group())
    for i, m in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(stripped)
        field = fields[i]
        raw = stripped[m.end() : end]
        if field == "date":
            date, time = normalise_date(raw)
            if values.get("date") is None:
                values["date"], values["time"] = date, time
        elif field in ("source", "author", "url"):
            values.setdefault(field, _clean_value(field, raw))
    if not any(values.values()) and not starts_with_label:
        return None
    return Meta(**{k: v for k, v in values.items() if k in Meta.__dataclass_fields__})


def parse_date_line(line: str) -> Meta | None:
    """A line holding only a date (and maybe a time and weekday), as ``Meta``; else None."""
    if not _BARE_DATE.match(line.strip()):
        return None
    date, time = normalise_date(line)
    return Meta(date=date, time=time) if date else None


def merge(a: Meta, b: Meta) -> Meta:
    """Fields of ``a``, filled in from ``b`` where ``a`` has none."""
    return Meta(
        date=a.date or b.date,
        time=a.time or (b.time if not a.date else None),
        source=a.source or b.source,
        author=a.author or b.author,
        url=a.url or b.url,
    )
