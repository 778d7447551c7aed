"""Producers of candidate answers. Each is a module with one entry point,
``candidates(question, passages) -> list[Candidate]``; ``PRODUCERS`` lists them in the order
their names go into ``ShortAnswer.by`` when several propose the same span.

- ``reader``: the trained span reader's best spans (several per passage);
- ``rules``: the span rules of :mod:`rag.span` in the best sentences;
- ``typed``: every date or quantity in the best sentences, for a when / how-many question;
- ``names``: every person, place or organisation jieba tags there, for a who / where / which question;
- ``gap``: the words between the question's anchors (the words around its interrogative);
- ``sentence``: the best sentences themselves, quoted without a short answer.
"""

from __future__ import annotations

from rag.answer.producers import gap, names, reader, rules, sentence, typed

__all__ = ["PRODUCERS"]

PRODUCERS = {"reader": reader, "rules": rules, "typed": typed, "names": names, "gap": gap, "sentence": sentence}
