"""Every number that tunes the answer stage, named, in one record (the scorer's own weights are
its file, ``scorer.json``). Change one here, or pass another ``Tuning`` to ``answer_question``;
``bench/answers.py`` measures the effect."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TUNING", "Tuning"]


@dataclass(frozen=True)
class Tuning:
    # --- the question
    borrowed_weight: float = 0.3  # IDF share of a term borrowed from an earlier turn
    # --- the passages read
    passages_read: int = 6  # passages whose sentences are split and scored
    window_chars: int = 20  # the short window of window coverage
    # --- sentences: which ones the rule producers look in
    sentence_lexical: float = 0.45  # sentence score: coverage of the question ...
    sentence_dense: float = 0.35  # ... the passage's cosine to the question (rescaled 0..1) ...
    sentence_passage: float = 0.20  # ... and the passage's retrieval score relative to the best
    sentence_fits: float = 0.10  # bonus when the sentence holds the kind of thing asked
    rule_sentences: int = 3  # best sentences the rule producers read
    # --- the reader producer
    reader_top: int = 3  # spans per window
    clause_slack: float = 1.0  # logits: a who/when/how-many span past a comma stays when this much surer
    no_span: float = -20.0  # reader score of a span the reader cannot score (clipped to ±this)
    # --- candidates
    max_short: int = 100  # characters: no short answer is longer
    # --- the quote
    stand_alone_chars: int = 150  # the quote grown by a sentence stays this short
    fragment_chars: int = 12  # a sentence this short only introduces the next one


TUNING = Tuning()
