"""What a question asks of many articles at once: a list, a count or a timeline, and about what.

A question whose words ask for several reports (有哪些报道, 列出, 多少篇, 几批, 经过, 时间线; :func:`frame_of`)
is not answered by one sentence of one article: its :class:`Frame` sends it to the "articles" producer
(``rag.answer.producers.articles``), which looks its subject (:func:`subject_words`: the question without
its date and frame words, cut into words by jieba) up in every document of the publication range.
Read once per ask by ``rag.answer.question.read_question``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rag.answer.tuning import TIMELINE_SUBJECT_WORDS
from rag.records import DateRange
from rag.text import fold, load_jieba, simplified_aligned, strip_question_words

__all__ = ["Frame", "frame_of", "subject_words", "timeline_subject", "variants"]

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


def frame_of(question: str, dates: DateRange | None = None, *, simplified: bool = False) -> Frame | None:
    """The kind of many-articles answer ``question`` asks for, or None for a one-sentence question.

    >>> frame_of("去年8月关于巡视的报道有哪些？").kind
    'list'
    >>> frame_of("最高检今年发布了几批典型案例？").kind
    'count'
    >>> frame_of("杜苏芮台风的经过是怎样的？").kind
    'timeline'
    >>> frame_of("他获得了几次冠军？") is None
    True

    ``simplified``: ``question`` is already in simplified characters (``Question.simplified``).
    """
    q = question if simplified else simplified_aligned(question)
    for kind, pattern in (("count", _COUNT), ("timeline", _TIMELINE), ("list", _LIST)):
        m = pattern.search(q)
        if m:
            return Frame(kind, m.span())
    if dates is not None and dates.relative:  # 上个月哪些地方发生了暴雨？ : reports of a recent time
        m = _WHICH.search(q)
        if m:
            return Frame("list", m.span())
    return None


def subject_words(question: str, dates: DateRange | None = None, *, simplified: bool = False,
                  taiwan: bool = False) -> list[str]:
    """The words a gathered article must hold: the question without its date and frame words.

    ``simplified``: ``question`` is already in simplified characters; ``taiwan``: it is the question as
    typed in traditional script, whose Taiwan words are read as the mainland ones (電動腳踏車 -> 电动自行车,
    人工智慧 -> 人工智能; ``variants`` gives the articles' search both forms back).

    >>> from rag.dates import read_dates
    >>> q = "去年8月关于巡视的报道有哪些？"
    >>> subject_words(q, read_dates(q, "2024-03-01"))
    ['巡视']
    >>> q = "最高检今年发布了几批典型案例？"
    >>> subject_words(q, read_dates(q, "2024-03-01"))
    ['最高检', '典型', '案例']
    >>> subject_words("關於電動腳踏車的報導有幾篇？", taiwan=True)
    ['电动', '自行车']
    """
    q = question
    if dates is not None:
        s, e = dates.span
        q = q[:s] + " " + q[e:]
    if taiwan:
        q = mainland_words(q)
    elif not simplified:
        q = simplified_aligned(q)
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
    held = sorted((kind, len(documents.containing(w)), w) for kind, _, w in ranked[:TIMELINE_SUBJECT_WORDS])
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


def mainland_words(text: str) -> str:
    """Traditional text in simplified characters, Taiwan's words as the mainland's (OpenCC tw2sp)."""
    return _converter("tw2sp").convert(text)


def variants(word: str) -> tuple[str, ...]:
    """The word as written in simplified and in traditional (Taiwan, Hong Kong) characters, and in
    Taiwan's own words (自行车 -> 腳踏車, 软件 -> 軟體)."""
    out = [word]
    for name in ("s2t", "s2tw", "s2hk", "s2twp"):
        v = _converter(name).convert(word)
        if v not in out:
            out.append(v)
    return tuple(out)
