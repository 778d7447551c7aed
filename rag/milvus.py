"""Retrieval on Milvus: passages, vectors, a BM25 sparse field and metadata in a Milvus collection.

``Config(store="milvus", milvus_uri=...)``: the index folder keeps what answering reads (the
manifest, the documents and their passages' offsets, the postings' document frequencies), and
Milvus holds what searching reads, so the vectors and the search itself can live on a Milvus
standalone server or cluster (``milvus_uri="http://host:19530"``) or, in tests and on one
machine, in Milvus Lite, its embedded form (``milvus_uri="./archive.db"``).

One row per passage slot: ``slot`` (primary key), ``doc`` (document slot), ``path``, ``date``
(YYYY-MM-DD or ""), ``source`` (source or site), ``text`` (the passage as indexed), ``terms``
(the files backend's lexical terms, one ASCII token each, so Milvus's BM25 scores the same
character unigrams and bigrams; ``milvus_analyzer="jieba"`` uses Milvus's jieba analyzer on
``text`` instead), ``sparse`` (made by Milvus's BM25 function) and ``dense``.

A search is two Milvus searches (dense and sparse, the filters as Milvus expressions), then each
candidate's missing score is fetched with a search restricted to the candidates, and the lists
are fused exactly as the files backend fuses them (rag.retrieve.fuse_candidates); the median
cosine comes from a fixed sample of vectors kept in the index folder.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from rag.errors import RagError
from rag.lexical import term_hash
from rag.records import Document

__all__ = ["MilvusPassages", "connect", "passages_for"]

logger = logging.getLogger(__name__)

_BATCH = 2000


def _token(term: str) -> str:
    return f"t{term_hash(term):016x}"


@lru_cache(maxsize=8)
def connect(uri: str, token: str = ""):
    """A pymilvus client for ``uri`` (a server URL, or a local ``.db`` file for Milvus Lite), one per process."""
    try:
        from pymilvus import MilvusClient
    except ImportError as exc:  # pragma: no cover - an optional extra
        raise RagError("the Milvus backend needs pymilvus (and milvus-lite for a local .db file): "
                       "pip install 'rag[milvus]'") from exc
    try:
        return MilvusClient(uri, token=token) if token else MilvusClient(uri)
    except Exception as exc:  # grpc, connection and lite start-up errors come in many kinds
        raise RagError(f"cannot reach Milvus at {uri!r} ({exc.__class__.__name__}: {str(exc)[:200]}); "
                       "check milvus_uri (a running server's http://host:19530, or a path ending in .db "
                       "for Milvus Lite)") from exc


class MilvusPassages:
    """One index's passages in one Milvus collection."""

    def __init__(self, client, collection: str, *, analyzer: str = "terms") -> None:
        self.client = client
        self.collection = collection
        self.analyzer = analyzer

    # ------------------------------------------------------------------ writing
    def create(self, dim: int, *, k1: float, b: float) -> None:
        """A new, empty collection (an existing one of the same name is dropped first)."""
        from pymilvus import DataType, Function, FunctionType

        c = self.client
        if c.has_collection(self.collection):
            c.drop_collection(self.collection)
        schema = c.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("slot", DataType.INT64, is_primary=True)
        schema.add_field("doc", DataType.INT64)
        schema.add_field("path", DataType.VARCHAR, max_length=4096)
        schema.add_field("date", DataType.VARCHAR, max_length=16)
        schema.add_field("source", DataType.VARCHAR, max_length=512)
        jieba = self.analyzer == "jieba"
        schema.add_field("text", DataType.VARCHAR, max_length=16384, enable_analyzer=jieba,
                         **({"analyzer_params": {"tokenizer": "jieba"}} if jieba else {}))
        schema.add_field("terms", DataType.VARCHAR, max_length=65535, enable_analyzer=not jieba,
                         **({} if jieba else {"analyzer_params": {"tokenizer": "standard"}}))
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
        schema.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                     input_field_names=["text" if jieba else "terms"], output_field_names=["sparse"]))
        params = c.prepare_index_params()
        params.add_index("dense", index_type="FLAT", metric_type="IP")
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                         params={"bm25_k1": k1, "bm25_b": b})
        c.create_collection(self.collection, schema=schema, index_params=params)

    def drop(self) -> None:
        if self.client.has_collection(self.collection):
            self.client.drop_collection(self.collection)

    def add(self, first_slot: int, docs_of: Sequence[Document], doc_slots: Sequence[int], texts: Sequence[str],
            terms: Sequence[Sequence[str]], vectors: np.ndarray) -> None:
        """Insert passages ``first_slot ..`` (their documents, indexed texts, lexical terms, vectors)."""
        rows = []
        for i, (doc, d, text, toks, vec) in enumerate(zip(docs_of, doc_slots, texts, terms, vectors)):
            rows.append({"slot": first_slot + i, "doc": int(d), "path": doc.path[:4096],
                         "date": (doc.date or "")[:10], "source": (doc.source or doc.site or "")[:512],
                         "text": text[:16000], "terms": " ".join(_token(t) for t in toks)[:65000] or "t0",
                         "dense": np.asarray(vec, dtype=np.float32).tolist()})
            if len(rows) >= _BATCH:
                self._put(rows)
                rows = []
        if rows:
            self._put(rows)

    def _put(self, rows: list[dict]) -> None:
        # delete, then insert: rows an interrupted update left at these slots are replaced, never doubled
        self.client.delete(self.collection, ids=[r["slot"] for r in rows])
        self.client.insert(self.collection, rows)

    def delete(self, slots: Sequence[int]) -> None:
        slots = [int(s) for s in slots]
        for i in range(0, len(slots), _BATCH):
            self.client.delete(self.collection, ids=slots[i:i + _BATCH])

    def count(self) -> int:
        return int(self.client.get_collection_stats(self.collection)["row_count"])

    # ------------------------------------------------------------------ reading
    @staticmethod
    def expression(date_from: str | None = None, date_to: str | None = None, sources: Sequence[str] = (),
                   exclude_docs: Sequence[int] = ()) -> str:
        """The filters as a Milvus boolean expression ("" for none)."""
        parts = []
        if date_from:
            parts.append(f'date != "" and date >= "{date_from}"')
        if date_to:
            parts.append(f'date != "" and date <= "{date_to}"')
        if sources:
            quoted = ", ".join('"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"' for s in sources)
            parts.append(f"source in [{quoted}]")
        if exclude_docs:
            parts.append(f"doc not in [{', '.join(str(int(d)) for d in exclude_docs)}]")
        return " and ".join(f"({p})" for p in parts)

    def _query_text(self, terms: Sequence[str], raw: str) -> str:
        return raw if self.analyzer == "jieba" else " ".join(_token(t) for t in terms)

    def sparse(self, terms: Sequence[str], raw: str, k: int, expr: str = "") -> dict[int, float]:
        text = self._query_text(terms, raw)
        if not text.strip():
            return {}
        res = self.client.search(self.collection, data=[text], anns_field="sparse", limit=k, filter=expr,
                                 search_params={"metric_type": "BM25"}, output_fields=["slot"])
        return {int(h["slot"]): abs(float(h["distance"])) for h in res[0]}

    def dense(self, vector: np.ndarray, k: int, expr: str = "") -> dict[int, float]:
        res = self.client.search(self.collection, data=[np.asarray(vector, np.float32).tolist()], anns_field="dense",
                                 limit=k, filter=expr, search_params={"metric_type": "IP"}, output_fields=["slot"])
        return {int(h["slot"]): float(h["distance"]) for h in res[0]}

    def candidates(self, terms: Sequence[str], raw: str, vector: np.ndarray, k: int,
                   expr: str = "") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Union of the sparse and dense top ``k`` with both scores for every candidate:
        ``(slots, bm25, cosine)``. A candidate's missing score is fetched by a search restricted
        to the candidates (a BM25 not returned there is 0)."""
        lex = self.sparse(terms, raw, k, expr)
        cos = self.dense(vector, k, expr)
        need_cos = [s for s in lex if s not in cos]
        need_lex = [s for s in cos if s not in lex]
        if need_cos:
            cos.update(self.dense(vector, len(need_cos), f"slot in [{', '.join(map(str, need_cos))}]"))
        if need_lex:
            lex.update(self.sparse(terms, raw, len(need_lex), f"slot in [{', '.join(map(str, need_lex))}]"))
        slots = np.array(sorted(set(lex) | set(cos)), dtype=np.int64)
        return (slots, np.array([lex.get(int(s), 0.0) for s in slots], dtype=np.float32),
                np.array([cos.get(int(s), -1.0) for s in slots], dtype=np.float32))


def passages_for(config, manifest: dict) -> "MilvusPassages":
    """The Milvus collection an index searches (the address recorded at build time; the token from ``config``)."""
    record = manifest.get("milvus") or {}
    uri = record.get("uri") or config.milvus_uri
    return MilvusPassages(connect(uri, config.milvus_token), record.get("collection", ""),
                          analyzer=record.get("analyzer", config.milvus_analyzer))
