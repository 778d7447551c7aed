"""Stage 4: a question -> ranked passages and ``Hit`` records (hybrid BM25 + dense).

Both retrievers score every passage (BM25 from sparse arrays, dense as one
matrix-vector product over unit vectors): at archive sizes that fit this machine,
exact scoring is faster than any approximate index and never misses. Scores are
fused on a common scale: BM25 divided by the best BM25 score of the query, and
cosine rescaled between the query's median and best passage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.dense import DenseIndex
from rag.lexical import LexicalIndex
from rag.records import Chunk, Document, Hit
from rag.text import query_terms

__all__ = ["Scored", "Retriever", "passage_text"]


def passage_text(doc: Document, chunk: Chunk) -> str:
    """What a passage is indexed as: its document's title, then the passage."""
    return f"{doc.title}\n{chunk.text}" if doc.title else chunk.text


@dataclass(frozen=True)
class Scored:
    """One passage's scores for a query."""

    chunk_index: int
    score: float
    lexical: float
    dense: float


@dataclass
class Retriever:
    """Hybrid retrieval over one index's passages."""

    documents: Sequence[Document]
    chunks: Sequence[Chunk]
    lexical: LexicalIndex
    dense: DenseIndex
    encoder: object
    dense_weight: float
    candidates: int
    group_of: dict[int, int]  # doc_id -> representative doc_id of its repost group

    def score_passages(self, question: str, *, allowed: np.ndarray | None = None,
                       extra_terms: Sequence[str] = (), query_vector: np.ndarray | None = None) -> list[Scored]:
        """All candidate passages for ``question``, best first.

        Args:
            allowed: boolean mask over documents; passages of other documents are dropped.
            extra_terms: context terms (from earlier turns) added to the lexical query.
            query_vector: a precomputed query embedding.
        """
        if not self.chunks:
            return []
        terms = query_terms(question) + list(extra_terms)
        bm25 = self.lexical.scores(terms)
        if query_vector is None:
            query_vector = self.encoder.encode_queries([question])[0]
        cos = self.dense.scores(query_vector)
        if allowed is not None:
            chunk_ok = allowed[np.fromiter((c.doc_id for c in self.chunks), dtype=np.int64, count=len(self.chunks))]
            bm25 = np.where(chunk_ok, bm25, 0.0)
            cos = np.where(chunk_ok, cos, -1.0)
        n = min(self.candidates, len(self.chunks))
        cand = np.union1d(np.argpartition(-bm25, n - 1)[:n], np.argpartition(-cos, n - 1)[:n])
        if allowed is not None:
            cand = cand[chunk_ok[cand]]
        if not len(cand):
            return []
        b = bm25[cand]
        b_norm = b / b.max() if b.max() > 0 else np.zeros_like(b)
        c = cos[cand]
        floor = float(np.median(cos if allowed is None else cos[chunk_ok]))
        top = float(c.max())
        c_norm = np.clip((c - floor) / (top - floor), 0.0, 1.0) if top > floor else np.zeros_like(c)
        w = self.dense_weight
        fused = (1.0 - w) * b_norm + w * c_norm
        order = np.argsort(-fused, kind="stable")
        return [Scored(int(cand[i]), float(fused[i]), float(b[i]), float(c[i])) for i in order]

    def hits(self, scored: Sequence[Scored], k: int) -> list[Hit]:
        """One ``Hit`` per story (a repost group counts once), best first."""
        out: list[Hit] = []
        seen: set[int] = set()
        for s in scored:
            chunk = self.chunks[s.chunk_index]
            key = self.group_of.get(chunk.doc_id, chunk.doc_id)
            if key in seen:
                continue
            seen.add(key)
            doc = self.documents[chunk.doc_id]
            out.append(
                Hit(path=doc.path, title=doc.title, date=doc.date, source=doc.source, url=doc.url,
                    text=chunk.text, start=chunk.start, end=chunk.end, score=s.score,
                    also_published=self.also_published(chunk.doc_id))
            )
            if len(out) >= k:
                break
        return out

    def also_published(self, doc_id: int) -> tuple[str, ...]:
        """Sources (or sites) of the other copies of this document's story."""
        rep = self.group_of.get(doc_id)
        if rep is None:
            return ()
        me = self.documents[doc_id]
        names = []
        for other_id, r in self.group_of.items():
            if r == rep and other_id != doc_id:
                d = self.documents[other_id]
                name = d.site or d.source or d.path
                if name not in names and name != (me.site or me.source):
                    names.append(name)
        return tuple(names)
