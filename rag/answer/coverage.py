"""How much of the question a text says: IDF-weighted shares of the question's terms, whole and in a window."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from rag.answer.question import Question
from rag.answer.tuning import WINDOW_CHARS
from rag.text import fold, terms

__all__ = ["coverage", "sentence_says", "window_coverage"]


def coverage(q_terms: Sequence[str], text: str, idf: Mapping[str, float], given: frozenset[str] = frozenset()) -> float:
    """IDF-weighted share of the question's terms present in ``text`` (or ``given``)."""
    q = set(q_terms)
    total = sum(idf.get(t, 0.0) for t in q)
    if total <= 0:
        return 0.0
    present = set(terms(text)) | given
    return sum(idf.get(t, 0.0) for t in q if t in present) / total


def window_coverage(q_terms: Sequence[str], text: str, idf: Mapping[str, float], width: int = WINDOW_CHARS,
                    given: frozenset[str] = frozenset()) -> float:
    """Like :func:`coverage`, within the ``width`` characters of ``text`` that hold the most."""
    q = [t for t in set(q_terms) if idf.get(t, 0.0) > 0]
    total = sum(idf[t] for t in q)
    if total <= 0:
        return 0.0
    folded = fold(text)
    occ = sorted((m.start(), t) for t in q for m in re.finditer(re.escape(t), folded))
    base = sum(idf[t] for t in q if t in given)
    best = 0.0
    for i, (p, _) in enumerate(occ):
        seen = set()
        for pos, t in occ[i:]:  # sorted by position: stop at the window's end
            if pos >= p + width:
                break
            if t not in given:
                seen.add(t)
        best = max(best, sum(idf[t] for t in seen))
    return (base + best) / total


def sentence_says(question: Question, title: frozenset[str], sentence: str) -> tuple[float, float]:
    """How much of the question ``sentence`` says: the share of its terms in the whole sentence (the
    article title's words count as present) and within the best short window (the title's words left
    out: a sibling paragraph shares the title, not the question's specific words)."""
    q_all = question.all_terms
    own = [t for t in q_all if t not in title]
    return (coverage(q_all, sentence, question.idf, title),
            window_coverage(own, sentence, question.idf) if own else 0.0)
