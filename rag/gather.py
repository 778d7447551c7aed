"""Answers about many articles at once: lists, counts and timelines, gathered from the index itself.

A question whose words ask for several reports (有哪些报道, 列出, 多少篇, 几批, 经过, 时间线; ``frame_of``)
is not answered by one sentence of one article. Its subject (the question without its date words and
frame words, cut into words by jieba) is looked up in every document of the publication range: a
document matches when its title or text holds every subject word, in either script. Reposts of one
story count once. Each story is cited by the sentence that holds most of the subject words (for a
timeline, preferably a dated one, its date resolved against the publication day), so every item is a
quote a reader can check, and a count says exactly what it counted.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from rag.dates import ArticleDate, find_dates, resolve_in_article
from rag.records import Answer, Citation, DateRange, Document
from rag.text import fold, load_jieba, simplified_aligned, split_sentences, strip_question_words

__all__ = ["Frame", "frame_of", "subject_words", "gather"]

_REPORT = r"(?:报道|报导|新闻|消息|文章|通报|稿件|资讯)"
_COUNT = re.compile(rf"(?:多少|几)篇|(?:多少|几)(?:条|则|份){_REPORT}|{_REPORT}(?:一共|共|总共)?有?(?:多少|几)|"
                    r"(?:发布|召开|举行|开展|通报|公布|出台|发生)了?(?:多少|几)(?:次|批|起|场|轮)|"
                    r"(?:多少|几)(?:次|批|起|场|轮)(?:的)?(?:报道|通报|案例|典型案例)")
_LIST = re.compile(rf"列出|列举|有哪些{_REPORT}|哪些{_REPORT}|(?:的|相关){_REPORT}(?:有哪些|都有什么|有什么)?\s*[?？]?\s*$")
_WHICH = re.compile(r"哪些|有什么")
_TIMELINE = re.compile(r"时间线|时间顺序|先后顺序|来龙去脉|始末|历程|(?:的|事件)经过|经过(?:是|如何|怎样|怎么样)|"
                       r"进展(?:如何|怎样|怎么样|情况)|最新进展|脉络")
# Words of the frame, not of the subject.
_FRAME_WORDS = re.compile(rf"请|帮我|一下|列出|列举|关于|有关|相关|涉及|{_REPORT}|有哪些|哪些|都有什么|有什么|"
                          r"一共|总共|共有|多少|几|篇|条|则|份|次|批|起|场|轮|是|怎样|怎么样|如何|吗|呢|了|的|"
                          r"时间线|时间顺序|先后顺序|来龙去脉|始末|历程|经过|进展|情况|脉络|按|发布|发表|刊发|"
                          r"这件事|此事|[?？!！。，,、\s]")

_FUNCTION = set("有在和与及对中里上下等也都被把从向给为")


@dataclass(frozen=True)
class Frame:
    """What a many-articles question asks for: ``kind`` and the words that said so (``span``)."""

    kind: str  # "list" | "count" | "timeline"
    span: tuple[int, int]


def frame_of(question: str, dates: DateRange | None = None) -> Frame | None:
    """The kind of many-articles answer ``question`` asks for, or None for a one-sentence question.

    >>> frame_of("去年8月关于巡视的报道有哪些？").kind
    'list'
    >>> frame_of("最高检今年发布了几批典型案例？").kind
    'count'
    >>> frame_of("杜苏芮台风的经过是怎样的？").kind
    'timeline'
    >>> frame_of("他获得了几次冠军？") is None
    True
    """
    q = simplified_aligned(question)
    for kind, pattern in (("count", _COUNT), ("timeline", _TIMELINE), ("list", _LIST)):
        m = pattern.search(q)
        if m:
            return Frame(kind, m.span())
    if dates is not None and dates.relative:  # 上个月哪些地方发生了暴雨？ : reports of a recent time
        m = _WHICH.search(q)
        if m:
            return Frame("list", m.span())
    return None


def subject_words(question: str, dates: DateRange | None = None) -> list[str]:
    """The words a gathered article must hold: the question without its date and frame words.

    >>> from rag.dates import read_dates
    >>> q = "去年8月关于巡视的报道有哪些？"
    >>> subject_words(q, read_dates(q, "2024-03-01"))
    ['巡视']
    >>> q = "最高检今年发布了几批典型案例？"
    >>> subject_words(q, read_dates(q, "2024-03-01"))
    ['最高检', '典型', '案例']
    """
    q = simplified_aligned(question)
    if dates is not None:
        s, e = dates.span
        q = q[:s] + " " + q[e:]
    if fold(q) != q.lower():  # traditional: Taiwan words too (人工智慧 -> 人工智能, 腳踏車 -> 自行车)
        q = _converter("tw2sp").convert(q)
    q = _FRAME_WORDS.sub(" ", fold(q))
    words: list[str] = []
    for piece in q.split():
        cut = [w for w in load_jieba().lcut(piece) if w.strip()]
        long = [w for w in cut if len(w) >= 2]
        for w in long or ([piece] if piece and piece not in _FUNCTION else []):
            if w not in words:
                words.append(w)
    return words


def timeline_subject(question: str, cited: str, documents) -> str:
    """The subject a "timeline" action on a citation card asks about: the words of ``question`` that the
    cited text (title and sentence) also holds and that other reports of the archive hold too — names first
    (jieba's person, place, organisation and other proper-noun tags), then other nouns, the rarer first
    within each — two of them, in the question's order (台风杜苏芮在哪里登陆 → 台风 杜苏芮; a verb such as 登陆 or
    启动 names no story). Empty when no such noun is in two documents.
    ``documents``: a ``DocumentStore`` (its ``containing`` byte search)."""
    text = fold(cited)
    asked = strip_question_words(fold(question))
    words = set(subject_words(asked))
    ranked = []
    for w, flag in load_jieba().posseg.cut(asked):
        if w in words and w in text and not w.isdigit() and w not in {x for _, _, x in ranked}:
            if flag in _NAME_TAGS or flag.startswith("n"):
                ranked.append((0 if flag in _NAME_TAGS else 1, len(ranked), w))
    held = sorted((kind, len(documents.containing(w)), w) for kind, _, w in ranked[:5])
    held = [(kind, n, w) for kind, n, w in held if n >= 2]
    if not held:
        return ""
    picked = [held[0][2]]
    for _, _, w in held[1:]:
        if len(documents.containing(picked[0]) & documents.containing(w)) >= 2:
            picked.append(w)
            break
    return " ".join(sorted(picked, key=asked.find))


_NAME_TAGS = {"nr", "nrt", "nrfg", "ns", "nt", "nz", "eng"}


@lru_cache(maxsize=4)
def _converter(name: str):
    import opencc

    return opencc.OpenCC(name)


def _variants(word: str) -> tuple[str, ...]:
    """The word as written in simplified and in traditional (Taiwan, Hong Kong) characters."""
    out = [word]
    for name in ("s2t", "s2tw", "s2hk"):
        v = _converter(name).convert(word)
        if v not in out:
            out.append(v)
    return tuple(out)


_PHRASE_SHARE = 0.8


def _phrases(question: str, words: list[str], sets: list[set[int]], holding) -> tuple[list[str], list[set[int]]]:
    """Neighbouring words the question writes together (乡村 振兴) are one phrase when the archive writes
    them together in at least 80% of the documents holding both: jieba's dictionary lacks 乡村振兴,
    while 北京 暴雨 or 淄博 烧烤 stay two words when articles mostly write them apart."""
    typed = fold(simplified_aligned(question))
    i = 0
    while i + 1 < len(words):
        joined = words[i] + words[i + 1]
        if joined in typed:
            both = sets[i] & sets[i + 1]
            together = holding(_variants(joined)) & both if both else set()
            if both and len(together) >= _PHRASE_SHARE * len(both):
                words[i:i + 2], sets[i:i + 2] = [joined], [together]
                continue
        i += 1
    return words, sets


def _holds(text: str, variants: tuple[str, ...]) -> int:
    return sum(text.count(v) for v in variants)


def _quote(doc: Document, words: Sequence[tuple[str, ...]], dated: bool) -> tuple[int, int, ArticleDate | None]:
    """The sentence of ``doc`` holding most subject words (a dated one first when ``dated``)."""
    best: tuple | None = None
    for s, e in split_sentences(doc.text):
        sentence = doc.text[s:e]
        held = sum(1 for v in words if _holds(sentence, v))
        if not held:
            continue
        when = None
        if dated:
            for a, b in find_dates(sentence):
                when = resolve_in_article(doc.text, s + a, s + b, doc.date)
                if when is not None:
                    break
        key = (held, when is not None, -s)
        if best is None or key > best[0]:
            best = (key, s, e, when)
    if best is None:  # the words are in the title only: cite the first sentence
        spans = split_sentences(doc.text)
        s, e = spans[0] if spans else (0, len(doc.text))
        return s, e, None
    return best[1], best[2], best[3]


def gather(question: str, frame: Frame, *, documents, retriever, allowed: np.ndarray | None,
           dates: DateRange | None, limit: int, date_from: str | None = None, date_to: str | None = None,
           said: DateRange | None = None) -> Answer:
    """The list, count or timeline answer to ``question`` over the documents ``allowed`` (None: all).

    ``dates`` is the range filtering (read from the question), ``said`` the question's date words even
    when they do not filter (explicit dates, or question dates turned off): never subject words."""
    words = subject_words(question, said or dates)
    if not words:
        return Answer(question=question, found=False, text="", kind=frame.kind, dates=dates, reason="not_answered",
                      message="Say what the reports should be about (for example 关于巡视的报道有哪些).")
    def holding(vs: tuple[str, ...]) -> set[int]:
        having: set[int] = set()
        for v in vs:
            having |= documents.containing(v)
        return having

    sets = [holding(_variants(w)) for w in words]
    words, sets = _phrases(question, words, sets, holding)
    variants = [_variants(w) for w in words]
    matched: set[int] | None = None
    for having in sets:
        matched = having if matched is None else matched & having
        if not matched:
            break
    matched = {i for i in (matched or set()) if allowed is None or allowed[i]}
    scored: list[tuple[float, str, int, Document]] = []
    for i in matched:
        doc = documents[i]
        if doc is None:
            continue
        title = doc.title or ""
        counts = [_holds(doc.text, vs) + _holds(title, vs) for vs in variants]
        if not all(counts):  # the byte search also sees paths, links and metadata lines
            continue
        score = sum(math.log1p(c) for c in counts) + 1.5 * sum(1 for vs in variants if _holds(title, vs))
        scored.append((score, doc.date or "", i, doc))
    # One story per repost group: the copy the retriever cites stands for the group.
    stories: dict[int, tuple[float, str, int, Document]] = {}
    group_of = retriever.group_of
    for row in scored:
        key = group_of.get(row[2], row[2])
        held = stories.get(key)
        if held is None or (row[2] == key) or (held[2] != key and row[0] > held[0]):
            stories[key] = row
    rows = list(stories.values())
    timeline = frame.kind == "timeline"
    if timeline:
        rows.sort(key=lambda r: (-r[0], r[1]))
        rows = rows[:max(limit * 3, limit)]  # the most relevant, then in date order
    else:  # best first; among equals the latest report first
        rows.sort(key=lambda r: r[1], reverse=True)
        rows.sort(key=lambda r: -r[0])
    items: list[Citation] = []
    for score, _day, i, doc in (rows if timeline else rows[:limit]):
        s, e, when = _quote(doc, variants, dated=timeline)
        chunk = retriever.chunk_at(i, s)
        ps, pe = (chunk.start, chunk.end) if chunk is not None else (s, e)
        ps, pe = min(ps, s), max(pe, e)
        items.append(Citation(path=doc.path, title=doc.title, date=doc.date,
                              event_date=when.value if when else None, event_how=when.how if when else "",
                              source=doc.source, url=doc.url, sentence=doc.text[s:e], start=s, end=e,
                              passage=doc.text[ps:pe], passage_start=ps, passage_end=pe, score=round(score, 4),
                              also_published=retriever.also_published(i), site=doc.site))
    if timeline:
        items.sort(key=lambda c: ((c.event_date or c.date or "9999")[:10], (c.date or "")[:10], c.path))
        items = items[:limit]
    total = len(stories)
    where = _range_words(dates, date_from, date_to)
    counted = (f"articles{where} whose title or text holds " + " + ".join(words) +
               " (in either script; reposts of one story counted once)")
    if not total:
        return Answer(question=question, found=False, text="", kind=frame.kind, dates=dates, counted=counted,
                      reason="no_match", total=0,
                      message=f"No article{where} holds " + " + ".join(words) + "; widen the dates or change the words.")
    text = f"{total} stor{'y' if total == 1 else 'ies'}: {counted}"
    return Answer(question=question, found=True, text=text, citations=tuple(items[:1]), kind=frame.kind,
                  items=tuple(items), total=total, counted=counted, dates=dates, confidence=1.0)


def _range_words(dates: DateRange | None, date_from: str | None, date_to: str | None) -> str:
    a, b = (dates.start, dates.end) if dates is not None else (date_from, date_to)
    if a and b:
        return f" published {a} to {b}"
    if a:
        return f" published from {a}"
    if b:
        return f" published up to {b}"
    return ""
