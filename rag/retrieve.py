"""Stage 4: a question -> ranked passages and ``Hit`` records (hybrid BM25 + dense).

Both retrievers score every passage (BM25 from sparse arrays, dense as one
matrix-vector product over unit vectors): at archive sizes that fit this machine,
exact scoring is faster than any approximate index and never misses. Scores are
fused on a common scale: BM25 divided by the best BM25 score of the query, and
cosine rescaled between the query's median and best passage.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.dense import DenseIndex
from rag.lexical import LexicalIndex
from rag.records import Chunk, Document, Hit
from rag.text import query_terms

__all__ = ["Scored", "Retriever", "fuse", "passage_text"]

_SAME_STORY = 0.05  # a repost's original copy is cited when its passage scores at most this much lower


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


def fuse(bm25: np.ndarray, cos: np.ndarray, ok: np.ndarray | None, *, weight: float,
         candidates: int) -> list[Scored]:
    """Fuse per-passage BM25 and cosine scores into one ranking, best first.

    Candidates are the union of each retriever's top ``candidates``. BM25 is divided
    by the query's best BM25 score; cosine is rescaled from the median passage (0)
    to the best candidate (1), because e5 cosines crowd into a narrow band.
    ``ok`` masks out passages that filters exclude.

    >>> [s.chunk_index for s in fuse(np.array([3.0, 0.0, 1.0]), np.array([0.80, 0.90, 0.70]), None,
    ...                               weight=0.3, candidates=2)]
    [0, 1, 2]
    """
    if ok is not None:
        bm25 = np.where(ok, bm25, 0.0)
        cos = np.where(ok, cos, -1.0)
    n = min(candidates, len(bm25))
    if n <= 0:
        return []
    cand = np.union1d(np.argpartition(-bm25, n - 1)[:n], np.argpartition(-cos, n - 1)[:n])
    if ok is not None:
        cand = cand[ok[cand]]
    if not len(cand):
        return []
    b = bm25[cand]
    b_norm = b / b.max() if b.max() > 0 else np.zeros_like(b)
    c = cos[cand]
    floor = float(np.median(cos if ok is None else cos[ok]))
    top = float(c.max())
    c_norm = np.clip((c - floor) / (top - floor), 0.0, 1.0) if top > floor else np.zeros_like(c)
    fused = (1.0 - weight) * b_norm + weight * c_norm
    order = np.argsort(-fused, kind="stable")
    return [Scored(int(cand[i]), float(fused[i]), float(b[i]), float(c[i])) for i in order]


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
    group_of: dict[int, int]  # doc_id -> the doc_id of its repost group's original (the copy cited)
    _chunks_of: dict[int, list[Chunk]] | None = field(default=None, repr=False)

    def components(self, question: str, *, allowed: np.ndarray | None = None, extra_terms: Sequence[str] = (),
                   query_vector: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Per-passage BM25 and cosine scores, and the mask of passages allowed by the filters."""
        bm25 = self.lexical.scores(query_terms(question) + list(extra_terms))
        if query_vector is None:
            query_vector = self.encoder.encode_queries([question])[0]
        cos = self.dense.scores(query_vector)
        ok = None
        if allowed is not None:
            ok = allowed[np.fromiter((c.doc_id for c in self.chunks), dtype=np.int64, count=len(self.chunks))]
        return bm25, cos, ok

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
        bm25, cos, ok = self.components(question, allowed=allowed, extra_terms=extra_terms, query_vector=query_vector)
        return fuse(bm25, cos, ok, weight=self.dense_weight, candidates=self.candidates)

    def hits(self, scored: Sequence[Scored], k: int) -> list[Hit]:
        """One ``Hit`` per story (a repost group counts once), best first."""
        out: list[Hit] = []
        seen: set[int] = set()
        best_of: dict[int, Scored] = {}  # doc_id -> its best passage
        for s in scored:
            best_of.setdefault(self.chunks[s.chunk_index].doc_id, s)
        for s in scored:
            chunk = self.chunks[s.chunk_index]
            key = self.group_of.get(chunk.doc_id, chunk.doc_id)
            if key in seen:
                continue
            seen.add(key)
            original = best_of.get(key)
            if original is not None and original.score >= s.score - _SAME_STORY:
                s, chunk = original, self.chunks[original.chunk_index]  # cite the original copy
            doc = self.documents[chunk.doc_id]
            out.append(
                Hit(path=doc.path, title=doc.title, date=doc.date, source=doc.source, url=doc.url,
                    text=chunk.text, start=chunk.start, end=chunk.end, score=s.score,
                    also_published=self.also_published(chunk.doc_id))
            )
            if len(out) >= k:
                break
        return out

    def copy_in_original(self, doc_id: int, start: int, end: int) -> tuple[int, int] | None:
        """Where the text ``[start, end)`` of ``doc_id`` stands in the original copy of its story
        (``(original_doc_id, start)``), or None when the document is the original or the
        original does not hold the same text verbatim."""
        rep = self.group_of.get(doc_id)
        if rep is None or rep == doc_id:
            return None
        text = self.documents[doc_id].text[start:end]
        at = self.documents[rep].text.find(text)
        return (rep, at) if text.strip() and at >= 0 else None

    def copies(self, doc_id: int) -> set[str]:
        """Paths of every copy of this document's story, its own included."""
        rep = self.group_of.get(doc_id)
        if rep is None:
            return {self.documents[doc_id].path}
        return {self.documents[i].path for i, r in self.group_of.items() if r == rep}

    def chunk_at(self, doc_id: int, offset: int) -> Chunk | None:
        """The passage of ``doc_id`` that holds character ``offset``."""
        if self._chunks_of is None:
            self._chunks_of = {}
            for c in self.chunks:
                self._chunks_of.setdefault(c.doc_id, []).append(c)
        return next((c for c in self._chunks_of.get(doc_id, ()) if c.start <= offset < c.end), None)

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
