"""Producers: each proposes candidate answers, ``candidates(question, passages, ...) -> list[Candidate]``.

- ``reader``: the trained span reader's spans, several a window (``rag.answer.producers.reader``);
- ``rules``: every sentence of the best passages scored without the reader, its span from the span rules
  (``rag.answer.producers.sentences``, ``rag.span``).
Metadata questions (这篇文章的作者是谁？) are answered before them, from the article's own lines
(``rag.about``); questions about many articles (lists, counts, timelines) by ``rag.gather``.
"""

from rag.answer.producers import reader, sentences

__all__ = ["reader", "sentences"]
