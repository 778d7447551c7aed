"""BM25 over character unigrams and bigrams (bm25s), saved as plain .npy/.json files."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

__all__ = ["LexicalIndex"]

logger = logging.getLogger(__name__)


def _bm25s():
    """bm25s, with its logger no chattier than ours (it sets itself to DEBUG on import)."""
    import bm25s

    debug = logging.getLogger().getEffectiveLevel() <= logging.DEBUG
    logging.getLogger("bm25s").setLevel(logging.DEBUG if debug else logging.WARNING)
    return bm25s


class LexicalIndex:
    """A BM25 index over passages; ``scores(terms)`` gives one score per passage."""

    def __init__(self, retriever) -> None:
        self._bm25 = retriever
        self._vocab: dict[str, int] = retriever.vocab_dict

    @classmethod
    def build(cls, passages_terms: list[list[str]], *, k1: float, b: float) -> LexicalIndex:
        bm25s = _bm25s()
        retriever = bm25s.BM25(k1=k1, b=b)
        # bm25s needs at least one token per document; an empty passage gets a placeholder.
        corpus = [t if t else ["\u2205"] for t in passages_terms] or [["\u2205"]]
        retriever.index(corpus, show_progress=False)
        return cls(retriever)

    def save(self, folder: Path) -> None:
        self._bm25.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        return cls(_bm25s().BM25.load(str(folder), show_progress=False, mmap=False))

    @property
    def size(self) -> int:
        return int(self._bm25.scores["num_docs"])

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every passage for the query terms (unknown terms score nothing)."""
        ids = [self._vocab[t] for t in terms if t in self._vocab]
        if not ids:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._bm25.get_scores_from_ids(ids), dtype=np.float32)

    def idf(self, terms: list[str]) -> dict[str, float]:
        """Inverse document frequency of each known term (unknown terms get the maximum)."""
        n = self.size
        indptr = self._bm25.scores["indptr"]
        out = {}
        for t in set(terms):
            tid = self._vocab.get(t)
            df = 0 if tid is None else int(indptr[tid + 1] - indptr[tid])
            out[t] = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
        return out
