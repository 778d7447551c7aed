"""Stage 4: a question -> ranked passages and ``Hit`` records (hybrid BM25 + dense).

BM25 scores every passage from its postings. Dense scoring is exact (one matrix-vector
product over unit vectors) below the index's exact limit, and an approximate FAISS index
proposes candidates above it (see rag.dense). Scores are fused on a common scale: BM25
divided by the best BM25 score of the query, and cosine rescaled between the query's
median and best passage. The first candidates are then reordered by ``rag.rerank`` when the
index has a reranker.

Passages and documents are addressed by *slot*: their position in the index's segments.
Slots of deleted documents stay empty (None) and are masked out of every search.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, overload

import numpy as np

from rag.dense import DenseIndex
from rag.lexical import LexicalIndex
from rag.records import Chunk, Document, Hit
from rag.rerank import Reranker, candidate_rows
from rag.text import fold, query_terms
from rag.threads import openmp_threads

__all__ = ["Scored", "Retriever", "Passages", "fuse", "passage_text"]

QueryVector = np.ndarray | Future  # a Future: the embedding is still being computed (Retriever.embed_query)

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


class Passages(Sequence):
    """Passages by slot, made on demand from the documents and the (document, start, end) rows;
    the slot of a deleted document's passage holds None."""

    def __init__(self, documents: Sequence[Document | None], rows: np.ndarray) -> None:
        self.documents = documents
        self.rows = np.asarray(rows, dtype=np.int64).reshape(-1, 3)
        self.doc_ids = self.rows[:, 0]
        alive_doc = getattr(documents, "live", None)  # a DocumentStore knows without parsing
        if alive_doc is None:
            alive_doc = np.array([d is not None for d in documents], dtype=bool)
        self.live = alive_doc[self.doc_ids] if len(self.doc_ids) else np.zeros(0, dtype=bool)
        self._of_doc: dict[int, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, i: int) -> Chunk | None: ...
    @overload
    def __getitem__(self, i: slice) -> list: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        d, s, e = (int(x) for x in self.rows[i])
        doc = self.documents[d]
        return None if doc is None else Chunk(d, s, e, doc.text[s:e])

    def of_document(self, doc_id: int) -> list[Chunk]:
        if self._of_doc is None:
            order = np.argsort(self.doc_ids, kind="stable")
            bounds = np.flatnonzero(np.diff(self.doc_ids[order])) + 1
            self._of_doc = {int(self.doc_ids[g[0]]): g for g in np.split(order, bounds) if len(g)}
        return [self[int(i)] for i in self._of_doc.get(doc_id, ())]

    def live_chunks(self) -> list[Chunk]:
        return [self[int(i)] for i in np.flatnonzero(self.live)]


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
    return fuse_candidates(cand, bm25[cand], cos[cand], float(np.median(cos if ok is None else cos[ok])),
                           weight=weight)


def fuse_candidates(cand: np.ndarray, b: np.ndarray, c: np.ndarray, floor: float, *, weight: float) -> list[Scored]:
    """The fused ranking of candidate slots, given their BM25 scores, cosines and the median cosine."""
    b_norm = b / b.max() if b.max() > 0 else np.zeros_like(b)
    top = float(c.max())
    c_norm = np.clip((c - floor) / (top - floor), 0.0, 1.0) if top > floor else np.zeros_like(c)
    fused = (1.0 - weight) * b_norm + weight * c_norm
    order = np.argsort(-fused, kind="stable")
    return [Scored(int(cand[i]), float(fused[i]), float(b[i]), float(c[i])) for i in order]


class Asked(NamedTuple):
    """What retrieval reads of a question: its text, its own lexical terms, its folded form."""

    text: str
    terms: tuple[str, ...]
    folded: str


def asked(question) -> Asked:
    """A question's text, terms and folded form: read here from a string, or taken from a
    ``rag.answer.Question`` (or any record with ``text``, ``terms`` and ``folded``) read once."""
    if isinstance(question, str):
        return Asked(question, tuple(query_terms(question)), fold(question))
    return Asked(question.text, tuple(question.terms), question.folded)


@dataclass
class Retriever:
    """Hybrid retrieval over one index's passages."""

    documents: Sequence[Document | None]  # by slot; None: deleted
    chunks: Passages
    lexical: LexicalIndex
    dense: DenseIndex
    encoder: object
    dense_weight: float
    candidates: int
    group_of: dict[int, int]  # doc_id -> the doc_id of its repost group's original (the copy cited)
    remote: object | None = None  # rag.milvus.MilvusPassages when the index searches on Milvus
    query_threads: int = 0  # OpenMP threads of a query's embedding (0: as the process has them)
    reranker: Reranker | None = None  # reorders the first candidates (rag.rerank); None: the fused order

    def embed_query(self, text: str) -> Future:
        """The query's embedding, computed on a worker thread while the caller scores BM25.

        The two overlap on two cores where torch and numpy release the GIL, in part (the
        transformer's small operators and BM25's per-term loop take it between calls): search
        p50/p95 48/67 -> 44/60 ms at 1M passages (docs/experiments.md). ``future.result()`` gives
        the vector or raises the encoder's error.
        """
        def run() -> np.ndarray:
            with openmp_threads(self.query_threads):  # OpenMP's limit belongs to the thread that runs
                return self.encoder.encode_queries([text])[0]

        return _query_pool().submit(run)

    def _nearest_soon(self, query_vector: QueryVector, k: int) -> Future:
        """The approximate index's ``k`` nearest slots, searched on the worker thread as soon as the
        query's embedding is ready (FAISS releases the GIL), while the caller scores BM25.

        Chained as a callback of the embedding's Future, never as a second job waiting on it: two
        such jobs could fill both workers while the embeddings they wait for sit in the queue.
        """
        out: Future = Future()

        def search(vector: np.ndarray) -> None:
            try:
                with openmp_threads(self.query_threads):
                    out.set_result(self.dense.candidates(vector, k))
            except BaseException as exc:  # handed to the caller, which raises it from result()
                out.set_exception(exc)

        if not isinstance(query_vector, Future):
            _query_pool().submit(search, query_vector)
            return out

        def ready(done: Future) -> None:
            if done.exception() is not None:
                out.set_exception(done.exception())
            else:
                search(done.result())

        query_vector.add_done_callback(ready)  # runs on the worker thread (here if already done)
        return out

    def _ok(self, allowed: np.ndarray | None) -> np.ndarray | None:
        """Passage slots a search may return: live, and of an allowed document."""
        live = self.chunks.live
        if allowed is None:
            return None if live.all() else live
        return live & allowed[self.chunks.doc_ids]

    def components(self, question, *, allowed: np.ndarray | None = None, extra_terms: Sequence[str] = (),
                   query_vector: QueryVector | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Per-passage BM25 and cosine scores, and the mask of passages allowed by the filters."""
        question = asked(question)
        if query_vector is None:
            query_vector = self.embed_query(question.text)
        bm25 = self.lexical.scores(list(question.terms) + list(extra_terms))
        cos = self.dense.scores(_resolved(query_vector))
        return bm25, cos, self._ok(allowed)

    def score_passages(self, question, *, allowed: np.ndarray | None = None,
                       extra_terms: Sequence[str] = (), query_vector: QueryVector | None = None,
                       remote_filter: str = "") -> list[Scored]:
        """All candidate passages for ``question`` (its text, or a ``rag.answer.Question`` read once), best first.

        Args:
            allowed: boolean mask over document slots; passages of other documents are dropped.
            extra_terms: context terms (from earlier turns) added to the lexical query.
            query_vector: the query's embedding, or a Future of it (:meth:`embed_query`); by
                default the question's, computed while BM25 scores.
            remote_filter: the same filters as a Milvus expression (Milvus backend only).
        """
        if not len(self.chunks) or not self.chunks.live.any():
            return []
        question = asked(question)
        if self.remote is not None:
            scored = self._in_order(self._score_remote(question, allowed, extra_terms, query_vector, remote_filter))
        else:
            scored = self._in_order(self._score(question, allowed, extra_terms, query_vector))
        return self.rerank(question, scored, extra_terms) if self.reranker is not None else scored

    def rerank_rows(self, question, scored: Sequence[Scored], depth: int,
                    extra_terms: Sequence[str] = ()) -> np.ndarray:
        """The reranker's features (``rag.rerank.FEATURES``) of the first ``depth`` candidates."""
        question = asked(question)
        q_terms = list(question.terms) + list(extra_terms)
        texts = []
        for s in scored[:depth]:
            chunk = self.chunks[s.chunk_index]
            doc = self.documents[chunk.doc_id]
            texts.append((fold(doc.title or ""), fold(chunk.text)))
        return candidate_rows(scored, texts, question.folded, q_terms, self.lexical.idf(q_terms))

    def rerank(self, question, scored: list[Scored], extra_terms: Sequence[str] = ()) -> list[Scored]:
        """``scored`` with its first ``reranker.depth`` candidates in the reranker's order."""
        return self.reranker.rerank(scored, self.rerank_rows(question, scored, self.reranker.depth, extra_terms))

    def _score_remote(self, question: Asked, allowed: np.ndarray | None, extra_terms: Sequence[str],
                      query_vector: QueryVector | None, expr: str) -> list[Scored]:
        """Candidates and their scores from Milvus, fused here as the files backend fuses."""
        # Milvus needs the vector before anything else: embedded here, not on a worker thread
        query_vector = (self.encoder.encode_queries([question.text])[0] if query_vector is None
                        else _resolved(query_vector))
        q_terms = list(question.terms) + list(extra_terms)
        slots, bm25, cos = self.remote.candidates(q_terms, question.text, query_vector, self.candidates, expr)
        keep = slots < len(self.chunks)  # rows an unfinished update wrote are not ours yet
        slots, bm25, cos = slots[keep], bm25[keep], cos[keep]
        ok = self._ok(allowed)
        if ok is not None:
            keep = ok[slots]
            slots, bm25, cos = slots[keep], bm25[keep], cos[keep]
        if not len(slots):
            return []
        return fuse_candidates(slots, bm25, cos, self.dense.sample_median(query_vector), weight=self.dense_weight)

    def _in_order(self, scored: list[Scored]) -> list[Scored]:
        """Equal scores in the order of (document path, offset): the same whatever slots the passages
        have (an index updated in steps ranks exactly like one built at once)."""
        rows = self.chunks.rows
        paths = getattr(self.documents, "paths", None)  # a DocumentStore's: no document is parsed

        def path(slot: int) -> str:
            return paths[slot] if paths is not None else self.documents[slot].path

        return sorted(scored, key=lambda s: (-s.score, path(int(rows[s.chunk_index, 0])), int(rows[s.chunk_index, 1])))

    def _score(self, question: Asked, allowed: np.ndarray | None, extra_terms: Sequence[str],
               query_vector: QueryVector | None) -> list[Scored]:
        if query_vector is None:
            query_vector = self.embed_query(question.text)
        if self.dense.exact:
            bm25, cos, ok = self.components(question, allowed=allowed, extra_terms=extra_terms,
                                            query_vector=query_vector)
            return fuse(bm25, cos, ok, weight=self.dense_weight, candidates=self.candidates)
        # large archive: BM25's best (while the query is embedded), and the approximate index's
        # nearest, rescored exactly
        near_soon = self._nearest_soon(query_vector, self.candidates * (1 if allowed is None else 4))
        ok = self._ok(allowed)
        q_terms = list(question.terms) + list(extra_terms)
        top, top_bm25 = self.lexical.top_scored(q_terms, self.candidates, ok)
        query_vector = _resolved(query_vector)
        near = near_soon.result()
        cand = np.union1d(top, near)
        if ok is not None:
            cand = cand[ok[cand]]
        if not len(cand):
            return []
        bm25 = np.zeros(len(cand), dtype=np.float32)
        bm25[np.searchsorted(cand, top)] = top_bm25  # BM25's own candidates are scored already
        rest = ~np.isin(cand, top)
        bm25[rest] = self.lexical.scores_of(q_terms, cand[rest])
        return fuse_candidates(cand, bm25, self.dense.cosines(query_vector, cand),
                               self.dense.sample_median(query_vector), weight=self.dense_weight)

    def stories(self, scored: Sequence[Scored]) -> Iterator[tuple[Scored, Chunk]]:
        """Each story's passage to cite (a repost group counts once: its original copy when that
        scores nearly as well), best first."""
        seen: set[int] = set()
        best_of: dict[int, Scored] = {}  # doc_id -> its best passage
        doc_of = self.chunks.doc_ids  # no passage text is made until it is returned
        for s in scored:
            best_of.setdefault(int(doc_of[s.chunk_index]), s)
        for s in scored:
            doc_id = int(doc_of[s.chunk_index])
            key = self.group_of.get(doc_id, doc_id)
            if key in seen:
                continue
            seen.add(key)
            original = best_of.get(key)
            if original is not None and original.score >= s.score - _SAME_STORY:
                s = original  # cite the original copy
            yield s, self.chunks[s.chunk_index]

    def hits(self, scored: Sequence[Scored], k: int) -> list[Hit]:
        """One ``Hit`` per story (a repost group counts once), best first."""
        out: list[Hit] = []
        for s, chunk in itertools.islice(self.stories(scored), k):
            doc = self.documents[chunk.doc_id]
            out.append(
                Hit(path=doc.path, title=doc.title, date=doc.date, source=doc.source, url=doc.url,
                    text=chunk.text, start=chunk.start, end=chunk.end, score=s.score,
                    also_published=self.also_published(chunk.doc_id))
            )
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
        return next((c for c in self.chunks.of_document(doc_id) if c.start <= offset < c.end), None)

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


def _resolved(query_vector: QueryVector) -> np.ndarray:
    return query_vector.result() if isinstance(query_vector, Future) else query_vector


@lru_cache(maxsize=1)
def _query_pool() -> ThreadPoolExecutor:
    """Worker threads for query embeddings (two: as many questions at once as cores here)."""
    return ThreadPoolExecutor(max_workers=2, thread_name_prefix="rag-query")
