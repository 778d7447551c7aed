"""The best passages, each split into sentences once (document offsets), carried to every producer."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from rag.records import Chunk, Document
from rag.retrieve import Retriever, Scored
from rag.text import split_sentences, terms

__all__ = ["Passage", "read_passages"]

# A sentence that is nothing but a bracketed aside — a byline (检察日报社 巩宸宇), a photo credit,
# an editor's note — is never the answer.
ASIDE = re.compile(r"^\s*[（(【\[][^（()）【】\[\]]*[)）】\]]\s*$")


@dataclass(frozen=True, eq=False)
class Passage:
    """One retrieved passage: its rank among those read, retrieval record, chunk and document."""

    rank: int
    scored: Scored
    chunk: Chunk
    doc: Document

    @property
    def doc_id(self) -> int:
        return self.chunk.doc_id

    @property
    def text(self) -> str:
        return self.chunk.text

    @cached_property
    def sentences(self) -> tuple[tuple[int, int], ...]:
        """Document offsets of the passage's sentences (split once, whoever asks first)."""
        return tuple(split_sentences(self.doc.text, self.chunk.start, self.chunk.end))

    @cached_property
    def title_terms(self) -> frozenset[str]:
        """The terms of the article's title: a sentence speaks about its article's subject without naming it."""
        return frozenset(terms(self.doc.title or ""))

    def sentence_around(self, a: int, b: int) -> tuple[int, int]:
        """Document offsets of the sentence(s) of this passage holding document offsets [a, b)."""
        inside = [(s, e) for s, e in self.sentences if s < b and e > a] or [(a, b)]
        return inside[0][0], inside[-1][1]

    def answerable_sentences(self) -> list[tuple[int, int]]:
        """Its sentences, bracketed asides (bylines, credits) left out."""
        return [(s, e) for s, e in self.sentences if not ASIDE.match(self.doc.text[s:e])]


def read_passages(retriever: Retriever, scored: Sequence[Scored], n: int) -> list[Passage]:
    """The ``n`` best of ``scored`` as :class:`Passage` records."""
    out = []
    for rank, p in enumerate(scored[:n]):
        chunk = retriever.chunks[p.chunk_index]
        out.append(Passage(rank, p, chunk, retriever.documents[chunk.doc_id]))
    return out
