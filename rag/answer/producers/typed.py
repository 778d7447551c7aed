"""Every date (a when question) or quantity (a how-many question) in the best sentences that the
question does not itself say."""

from __future__ import annotations

from rag.answer.candidate import Candidate
from rag.answer.passages import Passages
from rag.answer.question import Question, typed_pattern

__all__ = ["candidates"]


def candidates(question: Question, passages: Passages) -> list[Candidate]:
    pattern = typed_pattern(question)
    if pattern is None:
        return []
    out = []
    for p, s, _ in passages.best_sentences():
        for m in pattern.finditer(s.folded):
            if m.group().strip() and m.group() not in question.folded:
                a, b = s.start + m.start(), s.start + m.end()
                while b > a and p.doc.text[b - 1].isspace():
                    b -= 1
                out.append(Candidate(p, a, b, (s.start, s.end), ["typed"]))
    return out
