"""Vectors a build has already computed, kept on disk until the build completes.

Embedding is the slow part of a build (tens of passages per second on 2 cores). A build
interrupted by Ctrl+C, a kill or a full disk would otherwise start again from nothing; with
this cache the next build embeds only what is missing. It lives beside the index
(``.NAME.embed-cache/``: ``keys.txt`` with one sha256 of model + passage text per line, and
``vectors.f32``, the vectors in the same order), is written block by block under the
index's writer lock, and is removed once the new index is in place.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import numpy as np

__all__ = ["EmbeddingCache"]


class EmbeddingCache:
    """Append-only store of (text key -> vector) for one index folder and one model."""

    def __init__(self, index: Path, model: str, dim: int) -> None:
        index = Path(index).absolute()
        self.folder = index.parent / f".{index.name}.embed-cache"
        self.model = model
        self.dim = dim

    def key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model}\0{text}".encode()).hexdigest()

    def load(self) -> dict[str, np.ndarray]:
        """What an earlier, interrupted build computed (empty when there is nothing usable)."""
        keys_path, vec_path = self.folder / "keys.txt", self.folder / "vectors.f32"
        try:
            keys = keys_path.read_text(encoding="ascii").split()
            vectors = np.fromfile(vec_path, dtype=np.float32)
        except (OSError, ValueError, UnicodeDecodeError):
            return {}
        if vectors.size % self.dim:
            vectors = vectors[: vectors.size - vectors.size % self.dim]  # a block cut short by a kill
        vectors = vectors.reshape(-1, self.dim)
        n = min(len(keys), len(vectors))  # vectors are written before their keys
        return {keys[i]: vectors[i] for i in range(n)}

    def add(self, keys: list[str], vectors: np.ndarray) -> None:
        """Append a block; vectors first and synced, so a key never points past the vectors."""
        self.folder.mkdir(exist_ok=True)
        with (self.folder / "vectors.f32").open("ab") as f:
            f.write(np.ascontiguousarray(vectors, dtype=np.float32).tobytes())
            f.flush()
            os.fsync(f.fileno())
        with (self.folder / "keys.txt").open("a", encoding="ascii") as f:
            f.write("".join(k + "\n" for k in keys))
            f.flush()
            os.fsync(f.fileno())

    def clear(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
