"""The trained reader's best spans: ``Tuning.reader_top`` per window of each passage it read."""

from __future__ import annotations

from rag.answer.candidate import Candidate, trim_span
from rag.answer.passages import Passages
from rag.answer.question import Question

__all__ = ["candidates"]


def candidates(question: Question, passages: Passages) -> list[Candidate]:
    reading, tuning = passages.reading, passages.tuning
    if reading is None:
        return []
    out = []
    for g in reading.spans(top=tuning.reader_top, one_clause=question.one_clause, slack=tuning.clause_slack):
        p = passages[g.passage]
        a, b = trim_span(p.doc.text, p.chunk.start + g.start, p.chunk.start + g.end)
        if b > a:
            out.append(Candidate(p, a, b, p.sentence_at(a, b), ["reader"]))
    return out
