"""Questions about an article itself — who wrote it, when and where it was published, its link —
answered from the metadata read at ingestion, cited to the line it came from.

``asked_field`` tells such a question from one about the story (这篇报道是谁写的？ asks for
the author; 会议由谁主持？ does not); ``metadata_line`` finds the line to quote, which the "metadata"
producer (``rag.answer.producers.metadata``) proposes for the article retrieval found. A field the
article lacks is left to the body-text answer.
"""

from __future__ import annotations

import re

from rag.records import Document
from rag.text import fold, simplified_aligned

__all__ = ["FIELDS", "asked_field", "field_value", "metadata_line", "topic_text"]

# What each field is called on a page, to find its value in a metadata line, and to label a value
# that came from HTML tags (no line of its own).
FIELDS = {
    "author": ("作者", r"作者|记者|撰稿|文"),
    "date": ("发布时间", r"发布时间|发布日期|发表时间|发表日期|发稿时间|更新时间|日期|时间"),
    "source": ("来源", r"新闻来源|文章来源|稿件来源|信息来源|来源|出处"),
    "site": ("网站", r"版权所有|主办|网站"),
    "url": ("原文链接", r"原文链接|原文地址|本文链接|链接"),
}

# The question must speak of the article (这篇/文章/报道/稿件/消息) or of publishing (发布/刊登)
# for a who/when/where to be about the metadata; these patterns run on folded (simplified) text.
_ARTICLE = r"(?:这篇|该篇|此篇|那篇|文章|报道|稿件|消息|新闻|此文|该文|本文|原文|一文|》)"
_PUBLISH = r"(?:发布|发表|刊发|刊登|刊载|登载|发出|推送|上线|发稿)"
_PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("url", re.compile(r"链接|网址|网页地址|原文地址|url", re.I)),
    ("author", re.compile(r"作者|谁写|谁撰写|撰稿人|执笔|写的|记者是谁|哪位记者|署名")),
    ("site", re.compile(r"(?:哪个|哪家|什么|哪一个|哪些)网站|(?:哪个|哪家|什么)网(?:上|刊)|网站(?:是|叫)")),
    ("source", re.compile(r"来源|出处|出自(?:哪|何)|哪(?:个|家)(?:单位|机构|媒体|报社)" + _PUBLISH)),
    ("date", re.compile(_PUBLISH + r".{0,6}(?:时间|日期|哪天|哪一天|何时|什么时候|几月几[日号]|哪年|哪一年)"
                        r"|(?:哪天|哪一天|何时|什么时候|几月几[日号]|哪年|哪一年)" + r".{0,4}" + _PUBLISH)),
)


# 发布 followed by what was published (哪天发布声明的, 哪天发布了通报) asks when that happened, not when the page did.
_PUBLISHED_THING = re.compile(_PUBLISH + r"了?(?!时间|日期|的|了|吗|呢)[\u4e00-\u9fff]{2,}")


_THIS = re.compile(r"这篇|该篇|此篇|那篇|此文|该文|本文")


def asked_field(question: str, folded: bool = False) -> str | None:
    """The metadata field a question asks about, or None for a question about the story
    (``folded``: ``question`` is already folded, ``rag.answer.Question.folded``)."""
    q = question if folded else fold(question)
    for field, pattern in _PATTERNS:
        if not pattern.search(q):
            continue
        if field == "date" and _PUBLISHED_THING.search(q) and not _THIS.search(q):
            continue  # 韩联社是哪天刊登…的消息的: when another outlet published a thing, not this page's date
        if field in ("url", "site") or re.search(_ARTICLE, q):
            return field
        if field == "date" and re.search(_PUBLISH, q) and not _PUBLISHED_THING.search(q):
            return field
        if field in ("source", "author") and re.search(_PUBLISH + "|" + _ARTICLE, q):
            return field
    return None


_FIELD_WORDS = re.compile(_ARTICLE + "|" + _PUBLISH + r"|作者|记者|来源|出处|网站|链接|网址|时间|日期|哪天|何时|"
                          r"什么时候|哪年|哪一年|哪一天|撰写|撰稿|执笔|署名|单位|机构|媒体|写")
_GLUE = re.compile(r"[的是这那篇了吗呢哪谁何什么个家\s，,。？?！!：:“”\"《》]+")


def topic_text(question: str, folded: bool = False) -> str:
    """What in a question about an article names the article: the question without the words
    that ask for the field (这篇文章是哪天发布的), pieces separated by spaces (``folded``: ``question``
    is already folded)."""
    return _GLUE.sub(" ", _FIELD_WORDS.sub(" ", question if folded else fold(question))).strip()


def field_value(doc: Document, field: str) -> str | None:
    """What ``doc`` records for ``field`` (the day of a date), or None."""
    value = {"author": doc.author, "date": doc.date, "source": doc.source, "site": doc.site, "url": doc.url}[field]
    if field == "date" and value:
        value = value[:10]  # the day; the record keeps the time
    return value or None


def metadata_line(doc: Document, field: str, value: str) -> tuple[str, int, int]:
    """The metadata line holding ``value`` and the value's place in it; ``label：value`` when the
    value came from the page's HTML tags or was normalised beyond recognition (2024年5月6日)."""
    label, labels = FIELDS[field]
    for line in doc.meta_lines:
        at = line.find(value)
        if at >= 0:
            return line, at, at + len(value)
        if field == "date":
            m = re.search(r"(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?", line)
            if m and re.search(labels, simplified_aligned(line)) or (m and len(doc.meta_lines) == 1):
                return line, m.start(), m.end()
    text = f"{label}：{value}"
    return text, len(label) + 1, len(text)
