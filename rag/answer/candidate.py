"""A candidate answer: a span of a document proposed by one or more producers, with its features."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rag.answer.passages import Passage

__all__ = ["Candidate", "trim_span"]


@dataclass
class Candidate:
    """``start``/``end``: document offsets of the short answer (the whole sentence when ``short``
    is false); ``sentence``: document offsets of the sentence(s) holding it; ``producers``: who
    proposed it (the first is ``ShortAnswer.by``); ``features``: what the scorer weighs, filled
    by the producers (their own evidence) and by :mod:`rag.answer.features`."""

    passage: Passage
    start: int
    end: int
    sentence: tuple[int, int]
    producers: list[str]
    short: bool = True
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0  # the scorer's ranking score
    probability: float = 0.0  # its probability that this candidate is right

    @property
    def doc_id(self) -> int:
        return self.passage.doc_id

    @property
    def text(self) -> str:
        return self.passage.doc.text[self.start : self.end]

    @property
    def key(self) -> tuple[int, int, int, bool]:
        return self.doc_id, self.start, self.end, self.short


_EDGE_OPEN = "“‘「『《（(【"
_EDGE_CLOSE = "”’」』》）)】"
_EDGE_PUNCT = "，。、；：！？,.;:!?"


def trim_span(text: str, a: int, b: int) -> tuple[int, int]:
    """A span without the spaces and punctuation at its edges that tokens drag in, nor quotation
    marks around it or unpaired; a title's 《》 stays (《红楼梦》)."""
    while a < b and (text[a].isspace() or text[a] in _EDGE_PUNCT or
                     (text[a] in _EDGE_OPEN and _EDGE_CLOSE[_EDGE_OPEN.index(text[a])] not in text[a:b])):
        a += 1
    while b > a and (text[b - 1].isspace() or text[b - 1] in _EDGE_PUNCT or
                     (text[b - 1] in _EDGE_CLOSE and _EDGE_OPEN[_EDGE_CLOSE.index(text[b - 1])] not in text[a:b])):
        b -= 1
    if b - a > 2 and text[a] in "“‘「『" and text[b - 1] == _EDGE_CLOSE[_EDGE_OPEN.index(text[a])]:
        return a + 1, b - 1  # quotation marks around the whole answer (a title's 《》 stays)
    for q in "\"'":  # straight quotes open and close alike: one at an edge is unpaired when the span holds an odd number
        if b - a > 2 and text[a] == q == text[b - 1] and text.count(q, a, b) == 2:
            a, b = a + 1, b - 1
        if b > a and text[a] == q and text.count(q, a, b) % 2:
            a += 1
        if b > a and text[b - 1] == q and text.count(q, a, b) % 2:
            b -= 1
    return a, b


SPACE = re.compile(r"\s+")
