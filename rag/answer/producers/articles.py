"""Producer "articles": the stories of the archive that a list, count or timeline question is about.

A question with a :class:`~rag.answer.frame.Frame` (有哪些报道, 多少篇, 经过) is not answered by one sentence of
one article. Its subject words (``Question.subject``) are looked up in every document of the publication range
by the document store's byte search, in either script: a document matches when its title or text holds every
subject word. Reposts of one story make one candidate (the copy the retriever cites stands for the group, else the
copy the scorer rates highest).
A candidate's features say how strongly it is about the subject (``held``: log-counts of the words,
``in_title``: how many of them its title holds); the scorer ranks them
(``Scorer.rank_stories``). Only the stories listed are quoted (:func:`quoted`): the sentence holding most
subject words, for a timeline a dated one first, its date resolved against the publication day.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from types import MappingProxyType

import numpy as np

from rag.answer.candidate import Candidate
from rag.answer.frame import variants
from rag.answer.passages import Passage
from rag.answer.question import Question
from rag.answer.scorer import Scorer
from rag.answer.tuning import PHRASE_SHARE
from rag.dates import find_dates, resolve_in_article
from rag.records import Chunk, Document
from rag.retrieve import Retriever, Scored
from rag.text import split_sentences

__all__ = ["NAME", "Stories", "candidates", "quoted"]

NAME = "articles"


class Stories(list):
    """The story candidates of one question (a list of :class:`Candidate`), with the subject words they
    were matched on (``words``, 乡村 振兴 joined where the archive writes them together) and those words'
    written forms in both scripts (``forms``, what :func:`quoted` looks for)."""

    words: tuple[str, ...] = ()
    forms: tuple[tuple[str, ...], ...] = ()


def candidates(question: Question, *, documents, retriever: Retriever, allowed: np.ndarray | None) -> Stories:
    """One candidate per story whose title or text holds every subject word, among the documents
    ``allowed`` (None: all); ``documents``: a ``DocumentStore`` (its ``containing`` byte search)."""
    out = Stories()
    words = list(question.subject)
    if not words:
        return out

    def holding(vs: tuple[str, ...]) -> set[int]:
        having: set[int] = set()
        for v in vs:
            having |= documents.containing(v)
        return having

    sets = [holding(variants(w)) for w in words]
    words, sets = _phrases(question, words, sets, holding)
    out.words = tuple(words)
    out.forms = tuple(variants(w) for w in words)
    stories: dict[int, Candidate] = {}
    for i in sorted(set.intersection(*sets)):
        doc = documents[i] if allowed is None or allowed[i] else None
        if doc is None:
            continue
        title = doc.title or ""
        counts = [_holds(doc.text, vs) + _holds(title, vs) for vs in out.forms]
        if not all(counts):  # the byte search also sees paths, links and metadata lines
            continue
        key = retriever.group_of.get(i, i)
        held = stories.get(key)
        c = _story(doc, i, counts, sum(1 for vs in out.forms if _holds(title, vs)))
        if held is None or i == key or (held.doc_id != key and Scorer.story_score(c) > Scorer.story_score(held)):
            stories[key] = c
    out.extend(stories.values())
    return out


def quoted(c: Candidate, forms: Sequence[tuple[str, ...]], retriever: Retriever, dated: bool) -> Candidate:
    """``c`` with its quote: the sentence of its document holding most of the words' ``forms`` (a dated
    one first when ``dated``), its date resolved (``Candidate.when``), and the passage around it."""
    doc = c.passage.doc
    s, e, when = _quote(doc, forms, dated)
    chunk = retriever.chunk_at(c.doc_id, s) or Chunk(c.doc_id, s, e, doc.text[s:e])
    return dataclasses.replace(c, passage=dataclasses.replace(c.passage, chunk=chunk), sentence=(s, e), when=when)


def _story(doc: Document, doc_id: int, counts: Sequence[int], in_title: int) -> Candidate:
    features = {"held": sum(math.log1p(n) for n in counts), "in_title": float(in_title)}
    scored = Scored(chunk_index=-1, score=0.0, lexical=0.0, dense=0.0)  # found by the byte search, not retrieved
    return Candidate(Passage(0, scored, Chunk(doc_id, 0, 0, ""), doc), (0, 0), NAME, MappingProxyType(features))


def _phrases(question: Question, words: list[str], sets: list[set[int]], holding) -> tuple[list[str], list[set[int]]]:
    """Neighbouring words the question writes together (乡村 振兴) are one phrase when the archive writes
    them together in at least ``PHRASE_SHARE`` of the documents holding both: jieba's dictionary lacks
    乡村振兴, while 北京 暴雨 or 淄博 烧烤 stay two words when articles mostly write them apart."""
    typed = question.mainland
    i = 0
    while i + 1 < len(words):
        joined = words[i] + words[i + 1]
        if joined in typed:
            both = sets[i] & sets[i + 1]
            together = holding(variants(joined)) & both if both else set()
            if both and len(together) >= PHRASE_SHARE * len(both):
                words[i:i + 2], sets[i:i + 2] = [joined], [together]
                continue
        i += 1
    return words, sets


def _holds(text: str, forms: tuple[str, ...]) -> int:
    return sum(text.count(v) for v in forms)


def _quote(doc: Document, forms, dated: bool):
    """The sentence of ``doc`` holding most subject words (a dated one first when ``dated``)."""
    best: tuple | None = None
    for s, e in split_sentences(doc.text):
        sentence = doc.text[s:e]
        held = sum(1 for v in forms if _holds(sentence, v))
        if not held:
            continue
        when = None
        if dated:
            for a, b in find_dates(sentence):
                when = resolve_in_article(doc.text, s + a, s + b, doc.date)
                if when is not None:
                    break
        key = (held, when is not None, -s)
        if best is None or key > best[0]:
            best = (key, s, e, when)
    if best is None:  # the words are in the title only: cite the first sentence
        spans = split_sentences(doc.text)
        s, e = spans[0] if spans else (0, len(doc.text))
        return s, e, None
    return best[1], best[2], best[3]

