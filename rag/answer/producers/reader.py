"""Producer "reader": the spans the trained reader proposes in the best passages (several a window).

Each span is trimmed of the punctuation and unpaired quotation marks tokens drag in, placed in its
sentence, and described by the features the span choice weighs (``rag.span_choice.FEATURES``) plus the
window's "no answer" score (``null``) and the span's margin over it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from types import MappingProxyType

from rag.answer.candidate import Candidate
from rag.answer.coverage import sentence_says
from rag.answer.passages import Passage
from rag.answer.question import Question
from rag.answer.tuning import CLAUSE_SLACK, SPANS_PER_WINDOW
from rag.reader import Reader
from rag.records import ShortAnswer
from rag.span import TYPED
from rag.span_choice import FEATURES
from rag.text import fold

__all__ = ["NAME", "candidates", "trim_span"]

NAME = "reader"
_CLAUSE_END = re.compile(r"[，,；;。]")
_EDGE_OPEN = "“‘「『《（(【"
_EDGE_CLOSE = "”’」』》）)】"
_EDGE_PUNCT = "，。、；：！？,.;:!?"


def candidates(question: Question, passages: Sequence[Passage], *, reader: Reader, spans: int = SPANS_PER_WINDOW,
               bf16: bool = False) -> list[Candidate]:
    """Every span the reader proposes (``spans`` a window) in ``passages``, best first by the reader's score.
    The span choice's fit (``python -m rag.span_choice_fit``) collects these same candidates."""
    if not passages:
        return []
    guesses = reader.read(question.simplified if reader.simplify else question.text, [p.text for p in passages],
                          top=spans, bf16=bf16, one_clause=question.one_clause, slack=CLAUSE_SLACK,
                          simplified=reader.simplify)
    asked = question.chars()
    said: dict[tuple[int, int], tuple[float, float]] = {}
    best_in: dict[int, float] = {}
    for g in guesses:  # sorted best first: the first of each passage is its best
        best_in.setdefault(g.passage, g.score)
    out = []
    for g in guesses:
        p = passages[g.passage]
        text = p.doc.text
        a, b = trim_span(text, p.chunk.start + g.start, p.chunk.start + g.end)
        if b <= a:
            continue
        s, e = p.sentence_around(a, b)
        if (g.passage, s) not in said:
            said[g.passage, s] = sentence_says(question, p.title_terms, text[s:e])
        whole, window = said[g.passage, s]
        span = text[a:b]
        folded = fold(span)
        fits = float(bool(TYPED[question.kind].search(folded))) if question.kind in TYPED else 0.0
        values = (g.score - g.null, p.scored.score, whole, window, 1.0 / (1 + g.passage),
                  float(g.score >= best_in[g.passage]), math.log1p(len(span)), fits,
                  float(bool(_CLAUSE_END.search(span))), sum(ch in asked for ch in folded) / len(folded))
        features = dict(zip(FEATURES, values), null=g.null)
        out.append(Candidate(p, (s, e), NAME, MappingProxyType(features), ShortAnswer(span, a, b, NAME)))
    return out


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
