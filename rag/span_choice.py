"""Which of the reader's spans answers: one linear score over each span's features, weights fitted for F1.

The reader proposes up to three spans in each window of the best passages (``rag.answer.producers.reader``).
Its own score cannot compare them across windows and passages, and it does not see that a sibling sentence
answers a different meeting, date or person than the one asked about. So each span is scored on
:data:`FEATURES` with the weights of ``rag/span_choice.json``, fitted by ``python -m rag.span_choice_fit``
on training questions asked of an archive of their contexts (the open-domain setting ``ask`` is in),
for the F1 of the chosen span, or with the hand-set :data:`HAND` (margin + 5 x retrieval + 8 x sentence
coverage + 8 x window coverage), the starting point of the fit and the default (``Config.span_choice_model``):
the fit gains 0.04 F1 on its own questions (cross-validated) but loses 0.055 on the CMRC 2018 trial
(docs/experiments.md), whose dev half chose the hand-set weights.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

__all__ = ["FEATURES", "HAND", "SHIPPED", "SpanChoice", "load_span_choice"]

SHIPPED = Path(__file__).with_name("span_choice.json")

FEATURES = (
    "margin",  # the span's start + end logits over its window's "no answer" (logits)
    "retrieval",  # the passage's fused retrieval score (its best is about 1)
    "sentence_coverage",  # IDF-weighted share of the question's terms in the span's sentence (title words present)
    "window_coverage",  # ... within 20 characters of it, title words left out
    "passage_rank",  # 1 / (1 + rank) of the passage among those read (the reranked order)
    "best_of_passage",  # 1 for the passage's highest-scored span
    "length",  # log(1 + characters)
    "kind_fits",  # a when / how-many question's span holds a date / a quantity
    "runs_past_clause",  # the span holds a comma, semicolon or full stop
    "echoes_question",  # share of the span's characters that are in the question
)


@dataclass(frozen=True)
class SpanChoice:
    """Weights over :data:`FEATURES`; a span's score is their dot product with its features.
    ``spans_per_window``: how many spans the reader proposes in each window for this choice."""

    weights: tuple[float, ...]
    spans_per_window: int = 3

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"span choice has {len(self.weights)} weights for {len(FEATURES)} features: refit it "
                             "(python -m rag.span_choice_fit)")

    def score(self, features) -> float:
        return float(sum(w * f for w, f in zip(self.weights, features)))

    def named(self) -> dict[str, float]:
        return dict(zip(FEATURES, self.weights))


# chosen over the best span of each window; with three a window (and the reranker) DRCD dev measured F1 0.689
# against 0.694 before (docs/experiments.md), so it keeps one
HAND = SpanChoice((1.0, 5.0, 8.0, 8.0) + (0.0,) * (len(FEATURES) - 4), spans_per_window=1)


@lru_cache(maxsize=4)
def load_span_choice(path: str | None = None) -> SpanChoice:
    """The fitted weights (``rag/span_choice.json`` or ``path``); the hand-set ones when there is no file."""
    p = Path(path) if path else SHIPPED
    if not p.exists():
        return HAND
    model = json.loads(p.read_text(encoding="utf-8"))["model"]
    if tuple(model["names"]) != FEATURES:
        raise ValueError(f"{p}: features {model['names']} differ from rag.span_choice.FEATURES: refit it "
                         "(python -m rag.span_choice_fit)")
    return SpanChoice(tuple(float(w) for w in model["weights"]), int(model.get("spans_per_window", 3)))
