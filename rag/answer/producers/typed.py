"""Producer "typed": a when-question's date in the reader's own quote, when the reader's span holds none.

The reader sometimes answers 哪天… with the clause around the date (随着…, 自华出发邮轮月底) instead of the
date its sentence gives (14日，韩联社网站头条刊登…). When the reader's best span holds no date words
(``rag.dates.find_dates``: 14日, 27日晚, 昨天, 上周五; or the span rules' dates: 1999年, 8月6日), this producer proposes the date of the quote
the reader's sentence makes: the span rules' typed span (``rag.span``: the date nearest the question's
words) when it holds date words, else the quote's first date words. The scorer prefers it
(``Scorer.prefers_typed``). Only for when-questions of dated articles (news, whose 14日 or 昨天 is read
against the publication day): on the undated CMRC trial it changed 3 answers (清朝-like spans hold no date
words and were right), F1 0.7091 -> 0.7085; a how-many answer written in words (三成, 过半) fits no
quantity pattern and is still right, so how-many questions are left alone.
"""

from __future__ import annotations

from types import MappingProxyType

from rag.answer.candidate import Candidate
from rag.answer.question import Question
from rag.dates import find_dates
from rag.records import ShortAnswer
from rag.span import TYPED, short_answer
from rag.text import fold

__all__ = ["KINDS", "NAME", "candidates", "holds_date"]

NAME = "typed"
KINDS = ("when",)


def holds_date(text: str) -> bool:
    """Date words of an article (14日, 昨天, 上周五: ``rag.dates``) or a date of the span rules (1999年, 唐朝末年)."""
    return bool(find_dates(text)) or bool(TYPED["when"].search(fold(text)))


def candidates(question: Question, best: Candidate, start: int, end: int) -> list[Candidate]:
    """The date of the quote ``[start, end)`` of ``best``'s document (a dated one), when the reader's span
    holds none."""
    if question.kind not in KINDS or best.short is None or not best.passage.doc.date or holds_date(best.short.text):
        return []
    text = best.passage.doc.text
    span = short_answer(question, text[start:end], start)
    if span is not None and holds_date(span.text):
        a, b = span.start, span.end
    else:
        found = find_dates(text[start:end])
        if not found:
            return []
        a, b = start + found[0][0], start + found[0][1]
    return [Candidate(best.passage, best.sentence, NAME, MappingProxyType({"holds_date": 1.0}),
                      ShortAnswer(text[a:b], a, b, NAME))]
