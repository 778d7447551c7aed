"""The span rules of :mod:`rag.span` (the question's shape: anchors, typed forms, noun phrases)
applied to each of the best sentences."""

from __future__ import annotations

from rag.answer.candidate import Candidate
from rag.answer.passages import Passages
from rag.answer.question import Question
from rag.span import short_answer

__all__ = ["candidates"]


def candidates(question: Question, passages: Passages) -> list[Candidate]:
    if question.rule_kind is None:
        return []
    out = []
    for p, s, _ in passages.best_sentences():
        found = short_answer(question.text, s.text, s.start, normalised=question.normalised, kind=question.rule_kind)
        if found is not None:
            out.append(Candidate(p, found.start, found.end, (s.start, s.end), ["rules"]))
    return out
