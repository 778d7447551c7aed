"""Dense passage vectors: exact cosine over every live passage, or a FAISS IVF index when the archive is large.

Vectors are L2-normalised float32 rows, one ``vectors.npy`` per segment, opened memory-mapped.
Below ``exact_limit`` live passages every question is scored against all of them (one
matrix-vector product per segment; exact, and at these sizes faster than any approximate
index). Above it, an inverted-file index with 8-bit scalar quantisation
(``IndexIVFScalarQuantizer`` with ids: passage slots, memory-mapped like the vectors) proposes
the candidates; their cosines are then recomputed exactly from the stored float vectors, so
fusion sees the same numbers either way. The median cosine used to rescale scores comes from
a fixed sample of live passages in that mode.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["DenseIndex", "Approximate", "train_approximate"]

_SAMPLE = 4096  # live passages whose cosines stand for the median when only candidates are scored


class Approximate:
    """A FAISS IVF-SQ8 index whose ids are passage slots."""

    def __init__(self, index, nprobe: int) -> None:
        self.index = index
        self.nprobe = nprobe
        index.nprobe = nprobe

    def search(self, query: np.ndarray, k: int) -> np.ndarray:
        _, ids = self.index.search(np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32), k)
        return ids[0][ids[0] >= 0]

    def add(self, vectors: np.ndarray, first_slot: int) -> None:
        """Index ``vectors`` as slots ``first_slot ..`` (a whole build adds every live vector)."""
        if len(vectors):
            ids = np.arange(first_slot, first_slot + len(vectors), dtype=np.int64)
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)

    def save(self, path: Path) -> None:
        import faiss

        faiss.write_index(self.index, str(path))

    @classmethod
    def load(cls, path: Path, nprobe: int) -> Approximate:
        """The index memory-mapped: its lists are read when a question probes them, so opening
        takes no time and no memory for them (1.18M passages: 3.5 s and 450 MB when read whole).
        The file is never written again (a rebuild writes a new generation), and a loaded index
        is never added to, so the read-only mapping is safe; where mapping fails it is read whole."""
        import faiss

        try:
            return cls(faiss.read_index(str(path), faiss.IO_FLAG_MMAP), nprobe)
        except RuntimeError:
            return cls(faiss.read_index(str(path)), nprobe)


def train_approximate(vectors: np.ndarray, *, nlist: int, nprobe: int, seed: int = 13) -> Approximate:
    """An empty IVF-SQ8 index trained (k-means for the lists, ranges for the 8-bit codes) on a sample."""
    import faiss

    d = vectors.shape[1]
    quantizer = faiss.IndexFlatIP(d)
    index = faiss.IndexIVFScalarQuantizer(quantizer, d, nlist, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(seed)
    n = min(len(vectors), max(40 * nlist, 20_000))
    sample = vectors[np.sort(rng.choice(len(vectors), n, replace=False))] if n < len(vectors) else vectors
    index.cp.seed = seed
    index.train(np.ascontiguousarray(sample, dtype=np.float32))
    return Approximate(index, nprobe)


class DenseIndex:
    """Vectors by passage slot (segment after segment), a live mask, and optionally an approximate index."""

    def __init__(self, parts: Sequence[np.ndarray], live: np.ndarray, approximate: Approximate | None = None,
                 covered: int | None = None) -> None:
        """``covered``: the approximate index holds slots ``0 .. covered - 1``; later ones (added by
        updates since) are searched exactly beside it."""
        import torch

        self.parts = list(parts)
        self.live = np.asarray(live, dtype=bool)
        self.approximate = approximate
        self.covered = len(self.live) if covered is None else covered
        self._offsets = np.cumsum([0] + [len(p) for p in self.parts])
        if self._offsets[-1] != len(self.live):
            raise ValueError(f"dense segments hold {self._offsets[-1]} vectors, the live mask {len(self.live)}")
        # Scoring runs on torch, the same thread pool as the query encoder: a numpy
        # matrix-vector product wakes OpenBLAS's own threads, whose spin-waiting then
        # slows the next query's encoding about threefold on two cores (90 ms -> 34 ms).
        self._matrices = [torch.from_numpy(p) for p in self.parts if len(p)] if approximate is None else []
        self._sample: np.ndarray | None = None
        self._fds: dict[int, int] = {}

    @staticmethod
    def load_part(path: Path) -> np.ndarray:
        # copy-on-write mapping: pages are read when a question touches them; torch needs it writable
        return np.load(path, mmap_mode="c", allow_pickle=False)

    def extended(self, vectors: np.ndarray, dead: Sequence[int] = ()) -> DenseIndex:
        """This index with ``vectors`` appended as a new segment and the slots ``dead`` deleted
        (the approximate index is not touched: dead slots are masked, new ones searched exactly)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        live = np.concatenate([self.live, np.ones(len(vectors), dtype=bool)])
        live[np.asarray(list(dead), dtype=np.int64)] = False
        return DenseIndex(self.parts + [vectors], live, self.approximate, self.covered)

    @property
    def size(self) -> int:
        return len(self.live)

    @property
    def dim(self) -> int:
        return int(next((p.shape[1] for p in self.parts if p.ndim == 2), 0))

    @property
    def exact(self) -> bool:
        return self.approximate is None

    def rows(self, slots: Sequence[int] | np.ndarray) -> np.ndarray:
        """The stored vectors of ``slots``.

        Rows of a memory-mapped segment are read with ``pread`` rather than through the mapping:
        every page fault on a mapped file also maps the neighbouring cached pages (the kernel's
        fault-around, 64 KB), so a few hundred scattered rows a question would make a serving
        process's resident memory creep towards the whole vector file (measured at 1.18M
        passages: +127 MB for the first question's 200 candidates, +594 MB for the 4,096-row
        median sample; by ``pread`` 0.3 MB and 6 MB).
        """
        slots = np.asarray(slots, dtype=np.int64)
        out = np.zeros((len(slots), self.dim), dtype=np.float32)
        seg = np.searchsorted(self._offsets, slots, side="right") - 1
        for s in np.unique(seg):
            at = seg == s
            part, local = self.parts[s], slots[at] - self._offsets[s]
            fd = self._fd(s)
            if fd is None:
                out[at] = part[local]
                continue
            width = part.shape[1] * 4
            base = part.offset
            out[at] = np.frombuffer(b"".join(os.pread(fd, width, base + int(i) * width) for i in local),
                                    dtype=np.float32).reshape(-1, part.shape[1])
        return out

    def _fd(self, s: int) -> int | None:
        """A read-only descriptor of segment ``s``'s vector file (None: the rows are in memory)."""
        part = self.parts[s]
        if not (isinstance(part, np.memmap) and part.filename and part.dtype == np.float32
                and part.flags.c_contiguous):
            return None
        fd = self._fds.get(s)
        if fd is None:
            fd = self._fds[s] = os.open(part.filename, os.O_RDONLY)
            weakref.finalize(self, os.close, fd)
        return fd

    def scores(self, query: np.ndarray) -> np.ndarray:
        """Cosine similarity of every passage slot (exact; one matrix-vector product per segment)."""
        import torch

        if not self._matrices:
            return np.zeros(self.size, np.float32) if self.approximate is None else self.cosines(
                query, np.arange(self.size))
        q = torch.from_numpy(np.ascontiguousarray(query, dtype=np.float32))
        with torch.inference_mode():
            return torch.cat([m @ q for m in self._matrices]).numpy()

    def cosines(self, query: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """Exact cosines of some slots (read from the stored float vectors)."""
        return self.rows(slots) @ np.asarray(query, dtype=np.float32)

    def candidates(self, query: np.ndarray, k: int) -> np.ndarray:
        """Slots of the (about) ``k`` nearest live passages, from the approximate index."""
        assert self.approximate is not None
        dead = len(self.live) - int(self.live.sum())
        ids = self.approximate.search(query, k + min(dead, k))  # dead slots come back too; ask for more
        ids = ids[self.live[ids]][:k]
        if self.covered < self.size:  # passages added since the approximate index was built
            extra = np.arange(self.covered, self.size)
            extra = extra[self.live[extra]]
            if len(extra):
                cos = self.cosines(query, extra)
                ids = np.concatenate([ids, extra[np.argsort(-cos)[:k]]])
        return ids

    def sample_median(self, query: np.ndarray) -> float:
        """The median cosine of a fixed sample of live passages (stands for all of them)."""
        if self._sample is None:
            live = np.flatnonzero(self.live)
            pick = live if len(live) <= _SAMPLE else np.sort(np.random.default_rng(7).choice(live, _SAMPLE, replace=False))
            self._sample = self.rows(pick)
        return float(np.median(self._sample @ np.asarray(query, dtype=np.float32))) if len(self._sample) else 0.0
