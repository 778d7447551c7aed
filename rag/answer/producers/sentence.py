"""The best sentences themselves: the quote without a short answer, for a question no span answers."""

from __future__ import annotations

from rag.answer.candidate import Candidate
from rag.answer.passages import Passages
from rag.answer.question import Question

__all__ = ["candidates"]


def candidates(question: Question, passages: Passages) -> list[Candidate]:
    return [Candidate(p, s.start, s.end, (s.start, s.end), ["sentence"], short=False)
            for p, s, _ in passages.best_sentences()]
