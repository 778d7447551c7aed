"""Producers: each proposes candidate answers of one kind from what the question needs, and names itself
in them (``Candidate.producer``, ``ShortAnswer.by``); the scorer (``rag.answer.scorer``) chooses.

| producer | for | entry point |
|---|---|---|
| ``reader`` | a sentence answer: the trained span reader's spans, several a window | ``candidates(question, passages, reader=...)`` |
| ``rules`` | a sentence answer: every sentence of the best passages scored without the reader, its span from the span rules (``rag.span``) | ``candidates(question, passages)`` |
| ``typed`` | a when-question whose reader span holds no date: the date of the reader's quote | ``candidates(question, best, start, end)`` |
| ``metadata`` | a question about the article itself (``Question.field``): its metadata line | ``candidates(question, scored, retriever=...)`` |
| ``articles`` | a list, count or timeline (``Question.frame``): the stories holding the subject | ``candidates(question, documents=..., retriever=..., allowed=...)`` |

A new kind of answer is a new module here with a ``candidates`` entry point and a ``NAME``, and a step in
``rag.answer.answer_question`` (or ``rag.answer.many`` for answers about many articles) that hands its
candidates to the scorer; a new feature is one entry in a producer's features and the scorer's weights.
"""

from rag.answer.producers import articles, metadata, reader, sentences, typed

__all__ = ["articles", "metadata", "reader", "sentences", "typed"]
