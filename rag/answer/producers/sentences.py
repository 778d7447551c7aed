"""Producer "rules": every sentence of the best passages, scored against the question without the reader.

A sentence's score (``tuning.SENTENCE_WEIGHTS``) mixes how much of the question it says (IDF-weighted
term coverage on folded script, whole and within a short window, the title's words counting as present),
its cosine to the question (the passage's, or its own with ``sentence_dense``) and its passage's
retrieval score, plus a bonus when it holds the kind of thing asked for (a date, a number, a name, a
place). The winner's short answer comes from the span rules (``rag.span``) once its quote is grown
(``rag.answer.quote``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from types import MappingProxyType

import numpy as np

from rag.answer.candidate import Candidate
from rag.answer.coverage import coverage, window_coverage
from rag.answer.passages import Passage
from rag.answer.question import Question
from rag.answer.tuning import KIND_FITS_BONUS, SENTENCE_WEIGHTS, SENTENCE_WHOLE_SHARE
from rag.confidence import rescale_cosine
from rag.span import TYPED
from rag.text import fold, load_jieba

__all__ = ["NAME", "candidates", "fits"]

NAME = "rules"
_PLACE = re.compile(r"位于|坐落|座落|地处|[省市县区州岛镇村乡]")


def fits(question: Question, text: str) -> bool:
    """Does the sentence hold the kind of thing the question asks for (a date, a number, a name, a place)?"""
    if question.where:
        return bool(_PLACE.search(text))
    if question.kind in TYPED:
        return bool(TYPED[question.kind].search(fold(text)))
    if question.kind == "who":
        jieba = load_jieba()
        return any(f.startswith("nr") and len(w) >= 2 and w not in question.text for w, f in jieba.posseg.cut(text))
    return False


def candidates(question: Question, passages: Sequence[Passage], *, cosines: np.ndarray | None = None) -> list[Candidate]:
    """Every sentence of ``passages`` (bracketed asides left out), best first by the sentence score.
    ``cosines``: each sentence's own cosine to the question, in this order (``sentences_of``); without
    them, a sentence takes its passage's."""
    spans = sentences_of(passages)
    if cosines is None:
        cosines = np.array([p.scored.dense for p, _ in spans], dtype=np.float32)
    best_p = max((p.scored.score for p in passages), default=1.0) or 1.0
    w = SENTENCE_WEIGHTS
    out = []
    for (p, (s, e)), cos in zip(spans, cosines):
        text = p.doc.text[s:e]
        whole = coverage(question.all_terms, text, question.idf, p.title_terms)
        window = window_coverage(question.all_terms, text, question.idf, given=p.title_terms)
        lexical = SENTENCE_WHOLE_SHARE * whole + (1 - SENTENCE_WHOLE_SHARE) * window
        kind_fits = fits(question, text)
        score = (w["lexical"] * lexical + w["cosine"] * rescale_cosine(float(cos))
                 + w["retrieval"] * (p.scored.score / best_p) + KIND_FITS_BONUS * kind_fits)
        features = {"lexical": lexical, "cosine": float(cos), "retrieval": p.scored.score,
                    "kind_fits": float(kind_fits), "sentence_score": score}
        out.append(Candidate(p, (s, e), NAME, MappingProxyType(features)))
    out.sort(key=lambda c: -c.features["sentence_score"])
    return out


def sentences_of(passages: Sequence[Passage]) -> list[tuple[Passage, tuple[int, int]]]:
    """The sentences the producer scores, in passage order."""
    return [(p, se) for p in passages for se in p.answerable_sentences()]
