"""What a producer proposes: a span of a document, its sentence, who proposed it and its features."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from rag.answer.passages import Passage
from rag.dates import ArticleDate
from rag.records import ShortAnswer

__all__ = ["Candidate"]


@dataclass(frozen=True, eq=False)
class Candidate:
    """A candidate answer in document offsets.

    ``start``/``end``: the short answer's span (``short``; None when the producer found a sentence but no
    span in it); ``sentence``: the sentence(s) holding it, the quote before it grows (``rag.answer.quote``);
    ``producer``: the producer's name (``ShortAnswer.by`` of the answer it becomes); ``features``: what the
    scorer weighs, by name (``rag.answer.scorer``); ``when``: the absolute day the quote's date words mean
    (a timeline's items, ``rag.dates.resolve_in_article``); ``quote``: the text quoted when it is not the
    document's own (a metadata line; then ``short``'s offsets are in it).
    """

    passage: Passage
    sentence: tuple[int, int]
    producer: str
    features: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    short: ShortAnswer | None = None
    when: ArticleDate | None = None
    quote: str = ""

    @property
    def doc_id(self) -> int:
        return self.passage.doc_id

    @property
    def start(self) -> int:
        return self.short.start if self.short is not None else self.sentence[0]

    @property
    def end(self) -> int:
        return self.short.end if self.short is not None else self.sentence[1]

    def overlaps(self, spans) -> bool:
        """Does the span (or the sentence, without one) overlap any (doc_id, start, end) of ``spans``?"""
        return any(d == self.doc_id and self.start < b and a < self.end for d, a, b in spans)
