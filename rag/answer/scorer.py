"""The scorer: which candidate answers, and how sure the answer is.

Choosing. Every reader span is scored by one linear function of its features (``rag.span_choice``:
the hand-set 1 x margin + 5 x retrieval + 8 x sentence coverage + 8 x window coverage by default, or a
fit's weights); a follow-up's span inside the quote it came after loses ``REPEAT_READER``. The best span
answers when its margin over the read passages' weakest "no answer" is at least ``Config.reader_min_margin``;
otherwise the best sentence of the sentence producer does (its score less ``REPEAT_RULES`` for a repeat),
and the reader's doubt still joins the confidence. The "articles" producer's stories (a list, count or
timeline question) are ranked by :meth:`Scorer.story_score` (``tuning.STORY_WEIGHTS``). Scoring both producers' candidates on one learned scale
was built and measured twice and lost 0.04-0.08 F1 on the CMRC trial (docs/experiments.md, "The answer
stage as a package"), so the reader's margin decides between them.

Confidence. :func:`evidence` measures the quoted sentence (``rag.confidence.FEATURES``); ``Config.confidence``
weighs it (hand-set blend or the fitted logistic regression); below ``Config.answer_threshold`` the answer is
"not in the archive".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.answer.candidate import Candidate
from rag.answer.coverage import coverage, sentence_says
from rag.answer.question import Question
from rag.answer.tuning import NO_MARGIN, REPEAT_READER, REPEAT_RULES, STORY_WEIGHTS, TIMELINE_POOL
from rag.config import Config
from rag.confidence import ConfidenceModel, blend, squash_margin
from rag.retrieve import Retriever, passage_text
from rag.span_choice import FEATURES, SpanChoice

__all__ = ["Scorer", "evidence"]


@dataclass(frozen=True)
class Scorer:
    """``choice``: the reader spans' weights; ``min_margin``: the reader's best span answers at this margin
    (logits) or more; ``confidence``: a fitted confidence model (None: the hand-set blend with
    ``reader_weight``)."""

    choice: SpanChoice
    min_margin: float
    confidence: ConfidenceModel | None = None
    reader_weight: float = Config.reader_weight

    def span_score(self, c: Candidate, repeat: Sequence[tuple[int, int, int]] = ()) -> float:
        score = self.choice.score([c.features[f] for f in FEATURES])
        return score - (REPEAT_READER if repeat and c.overlaps(repeat) else 0.0)

    def best_span(self, spans: Sequence[Candidate],
                  repeat: Sequence[tuple[int, int, int]] = ()) -> tuple[Candidate, float] | None:
        """The reader's best span and its margin over the weakest "no answer" of the windows read."""
        if not spans:
            return None
        best = max(spans, key=lambda c: self.span_score(c, repeat))
        null = min(c.features["null"] for c in spans)
        return best, best.features["margin"] + best.features["null"] - null

    def decides(self, margin: float) -> bool:
        """Does the reader's best span, at this margin, answer (rather than the best sentence)?"""
        return margin >= self.min_margin

    @staticmethod
    def rank_sentences(sentences: Sequence[Candidate], avoid: Sequence[tuple[int, int, int]] = (),
                       repeat: Sequence[tuple[int, int, int]] = ()) -> list[Candidate]:
        """The sentence producer's candidates not already said, best first (a repeat loses ``REPEAT_RULES``)."""
        ranked = [c for c in sentences if not c.overlaps(avoid)]
        if repeat:
            ranked.sort(key=lambda c: -(c.features["sentence_score"] - REPEAT_RULES * c.overlaps(repeat)))
        return ranked

    @staticmethod
    def prefers_typed(typed: Sequence[Candidate]) -> Candidate | None:
        """The "typed" producer's date instead of the reader's span (it proposes one only when the reader's
        span holds no date words for a when-question)."""
        return typed[0] if typed else None

    @staticmethod
    def field_answers(c: Candidate, threshold: float) -> bool:
        """Does the metadata line answer (the question surely names this article), or the article's text?"""
        return c.features["topic_coverage"] >= threshold

    @staticmethod
    def story_score(c: Candidate) -> float:
        """How strongly a story candidate (producer "articles") is about the question's subject."""
        return sum(w * c.features[f] for f, w in STORY_WEIGHTS.items())

    def rank_stories(self, stories: Sequence[Candidate], *, timeline: bool, limit: int) -> list[Candidate]:
        """Stories best first, among equals the latest report first; for a timeline the
        ``TIMELINE_POOL`` x ``limit`` most relevant (the earliest first among equals), to be put in date order."""
        if timeline:
            ranked = sorted(stories, key=lambda c: (-self.story_score(c), c.passage.doc.date or ""))
            return ranked[:max(limit * TIMELINE_POOL, limit)]
        ranked = sorted(stories, key=lambda c: c.passage.doc.date or "", reverse=True)
        return sorted(ranked, key=lambda c: -self.story_score(c))

    def probability(self, features: tuple[float, ...]) -> float:
        """How sure the answer is (0..1), compared with ``Config.answer_threshold``."""
        return self.confidence(features) if self.confidence is not None else blend(features, self.reader_weight)


def evidence(question: Question, retriever: Retriever, best: Candidate, cosine: float,
             query_vector: np.ndarray, margin: float | None, bf16: bool = False,
             int8: bool = False) -> tuple[float, ...]:
    """What the confidence weighs (``rag.confidence.FEATURES``, in that order) for quoting ``best``'s
    sentence; ``cosine``: the question's to it as the producer measured it; ``margin``: the reader's (None: unread)."""
    p = best.passage
    s, e = best.sentence
    sentence = p.doc.text[s:e]
    said, window = sentence_says(question, p.title_terms, sentence)
    sentence_cos = float(retriever.encoder.encode_passages([sentence], bf16=bf16, int8=int8)[0] @ query_vector)
    q_all, idf = question.all_terms, question.idf
    weighted = sum(1 for t in set(q_all) if idf.get(t, 0.0) > 0)
    return (coverage(q_all, passage_text(p.doc, p.chunk), idf), said, window,
            coverage(q_all, "", idf, p.title_terms), float(cosine), sentence_cos, float(p.scored.score),
            squash_margin(margin) if margin is not None else NO_MARGIN, float(margin is not None),
            math.log1p(weighted))
