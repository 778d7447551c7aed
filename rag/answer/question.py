"""The question, read once per ``ask``: everything downstream takes a :class:`Question`.

Nothing after :func:`read_question` folds, tokenises or classifies the question's text again: the date
filter takes its date words, the conversation its terms, the retriever its terms, the producers its kind,
frame, subject, terms and IDF, the quote and the dates its kind (tests/test_answer_stage.py counts the
calls during one ``ask``). A follow-up whose pronoun the conversation resolves (他强调了什么？ -> 张勇强调了什么？)
is a new text, read again (:meth:`Question.resolved`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from rag.about import asked_field, topic_text
from rag.answer.frame import Frame, frame_of, mainland_words, subject_words
from rag.answer.tuning import BORROWED_WEIGHT, ONE_CLAUSE_KINDS
from rag.dates import NOWADAYS, read_dates
from rag.records import DateRange
from rag.span import normalise_question, question_kind
from rag.text import fold, load_jieba, simplified_aligned, strip_question_words, terms

__all__ = ["Question", "read_question"]

_WHERE = re.compile(r"哪里|哪儿|何处|何地|在哪|什么地方|哪个地方")
_SEVERAL = re.compile("分别|哪些|哪几|各自")  # asks for several: the answer is a list of clauses, not one
_TITLE = re.compile(r"《[^《》]{1,40}》")
_NAME_TAGS = ("nr", "ns", "nt", "nz")
_FIRST = re.compile(r"最初|最早|首次|第一次|起初|一开始")
_LATEST = re.compile(r"最新|目前|现在|如今|最终|最后|截至|截止")
_PUBLISHED = re.compile(r"报道|新闻|消息|文章|刊发|刊登|報道|報導|新聞")  # a one-sentence question about reports


@dataclass(frozen=True)
class Question:
    """A question as the answer stage reads it.

    ``text``: as asked (the date words that became a filter taken out); ``folded``: script and width
    folded for matching; ``simplified``: traditional characters made simplified one for one (what the
    reader reads); ``normal``: folded without its closing punctuation (what the span rules read);
    ``terms``: its own lexical terms, interrogatives removed; ``borrowed``: terms taken from earlier
    turns of a conversation; ``idf``: the weight of each (borrowed ones at ``BORROWED_WEIGHT``);
    ``kind``: when / who / number / why / what / None; ``where``: asks for a place; ``several``: asks
    for several things (分别, 哪些); ``names``: the people, places, organisations and titles it names;
    ``field``: the article's metadata field it asks for (author, date, source, site, url; ``rag.about``).

    ``asked``: the question as typed (``asked_simplified``: in simplified characters); ``dates``: the date words it says (``rag.dates.read_dates``, read
    against ``today``), whether or not they filter; ``date_filter``: the publication range they filter
    on (None: the whole archive; then they stay words to match); ``frame``: a list, count or timeline
    asked of many articles (``rag.answer.frame``), None for a one-sentence answer; ``latest`` / ``first``:
    it asks for the latest (最新, 截至) or the earliest (最初, 首次) report.
    """

    text: str
    folded: str
    simplified: str
    normal: str
    traditional: bool
    terms: tuple[str, ...]
    borrowed: tuple[str, ...] = ()
    idf: Mapping[str, float] = field(default_factory=dict, compare=False)
    kind: str | None = None
    where: bool = False
    several: bool = False
    field: str | None = None
    asked: str = ""
    asked_simplified: str = ""
    dates: DateRange | None = None
    date_filter: DateRange | None = None
    frame: Frame | None = None
    latest: bool = False
    first: bool = False

    @property
    def all_terms(self) -> list[str]:
        """The question's terms and those borrowed from earlier turns, as retrieval and coverage count them."""
        return list(self.terms) + list(self.borrowed)

    @property
    def one_clause(self) -> bool:
        """A person, a date or a quantity is read within one clause, unless several are asked for."""
        return self.kind in ONE_CLAUSE_KINDS and not self.several

    @cached_property
    def names(self) -> tuple[str, ...]:
        """People, places, organisations and titles the question names (jieba's tags; 《…》), tagged
        only when asked for: nothing on the way to a sentence answer needs them."""
        jieba = load_jieba()
        words = [w for w, f in jieba.posseg.cut(self.simplified) if f.startswith(_NAME_TAGS) and len(w) >= 2]
        return tuple(dict.fromkeys(words + _TITLE.findall(self.simplified)))

    @cached_property
    def subject(self) -> tuple[str, ...]:
        """The words the articles a list, count or timeline gathers must hold (``rag.answer.frame.subject_words``:
        the question as typed without its date and frame words)."""
        if self.traditional:  # its Taiwan words read as the mainland ones (腳踏車 -> 自行车)
            return tuple(subject_words(self.asked or self.text, self.dates, taiwan=True))
        return tuple(subject_words(self.asked_simplified or self.asked or self.text, self.dates, simplified=True))

    @cached_property
    def mainland(self) -> str:
        """The question folded, its Taiwan words read as the mainland ones when it was typed in traditional
        script (電動腳踏車 -> 电动自行车): the text the subject's words come from."""
        return fold(mainland_words(self.asked or self.text)) if self.traditional else self.folded

    @cached_property
    def topic_terms(self) -> tuple[str, ...]:
        """The terms naming the article a metadata question asks about (这篇文章是谁写的 has none)."""
        return tuple(terms(strip_question_words(topic_text(self.folded, folded=True))))

    def resolved(self, text: str, borrowed: Sequence[str],
                 idf: Callable[[list[str]], dict[str, float]] | None) -> Question:
        """This question as a conversation reads it: ``text`` (the pronoun replaced; read again when it
        differs) with ``borrowed`` terms of earlier turns; the dates, frame and typed text stay."""
        if text == self.text and tuple(borrowed) == self.borrowed:
            return self
        again = _read(text, borrowed, idf) if text != self.text else dataclasses.replace(
            self, borrowed=tuple(borrowed), idf=_weights(self.terms, borrowed, idf))
        return dataclasses.replace(again, asked=self.asked, asked_simplified=self.asked_simplified,
                                   dates=self.dates, date_filter=self.date_filter,
                                   frame=self.frame, latest=self.latest, first=self.first)

    def unfiltered(self, idf: Callable[[list[str]], dict[str, float]] | None) -> Question:
        """This question with its date words as words to match (no article was published in the range
        they name, so the whole archive answers); its dates and frame stay read."""
        if self.date_filter is None:
            return self
        again = _read(self.asked, self.borrowed, idf, self.asked_simplified)
        return dataclasses.replace(again, asked=self.asked, asked_simplified=self.asked_simplified, dates=self.dates,
                                   frame=self.frame, latest=self.latest, first=self.first)

    def chars(self) -> frozenset[str]:
        """The folded question's characters (how much a span only echoes the question)."""
        return frozenset(self.folded)


def read_question(text: str, borrowed: Sequence[str] = (),
                  idf: Callable[[list[str]], dict[str, float]] | None = None, *,
                  today: str | None = None, question_dates: bool = True) -> Question:
    """Read ``text`` once: its date words (read against ``today``, default the real today) and whether they
    filter (``question_dates``), the many-articles frame, folded forms, terms, their IDF (``idf``: the
    archive's, e.g. ``retriever.lexical.idf``; none, every term weighs 1), kind, names.

    Date words filter when the question asks for several articles, names a recent time (上个月, 近三个月),
    an open range (截至8月3日) or asks about reports (报道, 新闻); then they are no longer terms to match. A
    calendar date in a one-sentence question (2019年8月发生了什么？) dates the event asked about: words to match.

    >>> q = read_question("黄河发源于哪里？")
    >>> q.kind, q.where, q.terms[:3]
    ('what', True, ('黄', '河', '发'))
    >>> q = read_question("去年8月关于巡视的报道有哪些？", today="2024-03-01")
    >>> q.frame.kind, q.date_filter.start, q.text
    ('list', '2023-08-01', '关于巡视的报道有哪些？')
    """
    simplified = simplified_aligned(text)
    said = read_dates(text, today or None, simplified=simplified)
    dates = said if question_dates else None
    frame = frame_of(simplified, dates, simplified=True)
    if dates is not None and not (frame or _recent(dates) or _PUBLISHED.search(simplified)):
        dates = None
    matched = text
    if dates is not None:
        s, e = dates.span
        rest = (text[:s] + text[e:]).strip(" ，,")
        if rest.strip("？?。 "):
            matched = rest
    q = _read(matched, borrowed, idf, simplified if matched == text else None)
    return dataclasses.replace(q, asked=text, asked_simplified=simplified, dates=said, date_filter=dates, frame=frame,
                               latest=bool(_LATEST.search(simplified)), first=bool(_FIRST.search(simplified)))


def _recent(dates: DateRange) -> bool:
    """Relative words that name a stretch of time (上个月, 近三个月; not 今天/目前 as "nowadays"), or an open range."""
    return (dates.relative and simplified_aligned(dates.text) not in NOWADAYS) or dates.start is None


def _weights(own: Sequence[str], borrowed: Sequence[str],
             idf: Callable[[list[str]], dict[str, float]] | None) -> Mapping[str, float]:
    weights = idf(list(own) + list(borrowed)) if idf is not None else {t: 1.0 for t in list(own) + list(borrowed)}
    for t in borrowed:
        weights[t] = weights.get(t, 0.0) * BORROWED_WEIGHT
    return MappingProxyType(weights)


def _read(text: str, borrowed: Sequence[str], idf: Callable[[list[str]], dict[str, float]] | None,
          simplified: str | None = None) -> Question:
    """The words of ``text``: folded forms, terms with IDF, kind (the frame and dates are read before)."""
    folded = fold(text)
    own = terms(strip_question_words(folded))  # rag.text.query_terms, from the one folding
    normal = normalise_question(text)
    simplified = simplified if simplified is not None else simplified_aligned(text)
    return Question(text=text, folded=folded, simplified=simplified, normal=normal,
                    traditional=simplified != text, terms=tuple(own), borrowed=tuple(borrowed),
                    idf=_weights(own, borrowed, idf), kind=question_kind(normal, normalised=True),
                    where=bool(_WHERE.search(folded)), several=bool(_SEVERAL.search(folded)),
                    field=asked_field(folded, folded=True), asked=text)
