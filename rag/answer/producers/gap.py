"""The words between the question's anchors: a factoid question is its answer sentence with the
answer swapped for an interrogative (X于哪一年成立 <- X于1998年成立)."""

from __future__ import annotations

import re

from rag.answer.candidate import Candidate, trim_span
from rag.answer.passages import Passages
from rag.answer.question import Question
from rag.span import INTERROGATIVE, TRAILING
from rag.span.clauses import anchored_gap, split_clauses

__all__ = ["candidates"]


def candidates(question: Question, passages: Passages) -> list[Candidate]:
    if question.rule_kind is None:
        return []
    q = question.normalised
    m = INTERROGATIVE[question.rule_kind].search(q) or TRAILING.search(q)
    if m is None:
        return []
    if m.re is TRAILING:
        m = re.search("$", q)
    left, right = q[: m.start()], q[m.end():]
    out = []
    for p, s, _ in passages.best_sentences():
        lo, hi = anchored_gap(s.folded, left, right, split_clauses(s.folded))
        a, b = trim_span(p.doc.text, s.start + lo, s.start + hi)
        if 0 < b - a <= passages.tuning.max_short:
            out.append(Candidate(p, a, b, (s.start, s.end), ["gap"]))
    return out
