"""Dense passage vectors in a FAISS inner-product index (vectors are L2-normalised)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["DenseIndex"]


class DenseIndex:
    """Exact inner-product search; ``scores(q)`` gives the cosine of every passage."""

    def __init__(self, index, vectors: np.ndarray) -> None:
        import torch

        self._index = index
        self.vectors = vectors
        # Scoring runs on torch, the same thread pool as the query encoder: a numpy
        # matrix-vector product wakes OpenBLAS's own threads, whose spin-waiting then
        # slows the next query's encoding about threefold on two cores (90 ms -> 34 ms).
        self._matrix = torch.from_numpy(np.ascontiguousarray(vectors, dtype=np.float32))

    @classmethod
    def build(cls, vectors: np.ndarray) -> DenseIndex:
        import faiss

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = faiss.IndexFlatIP(vectors.shape[1])
        if len(vectors):
            index.add(vectors)
        return cls(index, vectors)

    def save(self, folder: Path) -> None:
        import faiss

        folder.mkdir(parents=True, exist_ok=True)
        faiss.write_index(self._index, str(folder / "passages.faiss"))

    @classmethod
    def load(cls, folder: Path) -> DenseIndex:
        import faiss

        index = faiss.read_index(str(folder / "passages.faiss"))
        vectors = index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), np.float32)
        return cls(index, vectors)

    @property
    def dim(self) -> int:
        return int(self._index.d)

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` passages: ``(scores, ids)``, best first."""
        k = min(k, self._index.ntotal)
        if k <= 0:
            return np.zeros(0, np.float32), np.zeros(0, np.int64)
        scores, ids = self._index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        return scores[0], ids[0]

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of every passage (exact; a matrix-vector product)."""
        import torch

        if not len(self.vectors):
            return np.zeros(0, np.float32)
        with torch.inference_mode():
            return (self._matrix @ torch.from_numpy(np.ascontiguousarray(query, dtype=np.float32))).numpy()
