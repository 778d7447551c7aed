"""BM25 over character unigrams and bigrams, in segments that can be added and deleted from.

An index is a list of segments, one per build or update, each holding the postings of the
passages it added: for every term (a 64-bit hash of its text, so no vocabulary has to be
loaded), the passage slots that hold it and how often. Deleting a passage only clears its
bit in the ``live`` mask; document frequencies, the passage count and the mean length are
taken over live passages at query time, so an index updated in steps scores exactly like
one built from scratch over the same passages (Lucene's BM25, as bm25s computes it:
``idf = ln(1 + (N - df + .5) / (df + .5))``, ``tf / (tf + k1 (1 - b + b dl / avgdl))``).

Why not bm25s, used before: it precomputes every (term, passage) score with the archive's
mean length and document frequencies baked in, so adding one passage means re-indexing all.
Segments are plain ``.npy`` files opened memory-mapped: a large archive opens at once and
only the postings a question touches are read.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

__all__ = ["LexicalIndex", "LexicalSegment", "term_hash"]

_HASH_CACHE: dict[str, int] = {}


def term_hash(term: str) -> int:
    """A stable 64-bit id of a term (blake2b), the key of its postings."""
    h = _HASH_CACHE.get(term)
    if h is None:
        h = int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little")
        if len(_HASH_CACHE) < 2_000_000:
            _HASH_CACHE[term] = h
    return h


class LexicalSegment:
    """Postings of the passages one build or update added (slots ``first .. first + n - 1``)."""

    FILES = ("terms.npy", "indptr.npy", "slots.npy", "tf.npy", "lengths.npy")

    def __init__(self, first: int, terms: np.ndarray, indptr: np.ndarray, slots: np.ndarray, tf: np.ndarray,
                 lengths: np.ndarray) -> None:
        self.first = first
        self.terms, self.indptr, self.slots, self.tf, self.lengths = terms, indptr, slots, tf, lengths

    @classmethod
    def build(cls, first: int, passages_terms: Iterable[Sequence[str]]) -> LexicalSegment:
        """Postings of passages ``first, first + 1, ...`` (terms may come from a generator: the
        postings are gathered in numpy blocks, so a million passages fit in memory)."""
        blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        lengths: list[int] = []
        hashes: list[int] = []
        slots: list[int] = []
        tfs: list[int] = []

        def flush() -> None:
            if hashes:
                blocks.append((np.array(hashes, dtype=np.uint64), np.array(slots, dtype=np.int32),
                               np.array(tfs, dtype=np.float32)))
                hashes.clear(), slots.clear(), tfs.clear()

        for i, toks in enumerate(passages_terms):
            # bm25s gave an empty passage one placeholder token: its length is 1, it matches nothing
            lengths.append(max(1, len(toks)))
            for t, n in Counter(toks).items():
                hashes.append(term_hash(t))
                slots.append(first + i)
                tfs.append(n)
            if len(hashes) > 2_000_000:
                flush()
        flush()
        h = np.concatenate([b[0] for b in blocks]) if blocks else np.zeros(0, np.uint64)
        s = np.concatenate([b[1] for b in blocks]) if blocks else np.zeros(0, np.int32)
        tf = np.concatenate([b[2] for b in blocks]) if blocks else np.zeros(0, np.float32)
        blocks.clear()
        order = np.lexsort((s, h))
        h, s, tf = h[order], s[order], tf[order]
        del order
        uniq, starts = np.unique(h, return_index=True)
        indptr = np.append(starts, len(h)).astype(np.int64)
        return cls(first, uniq, indptr, s, tf, np.array(lengths, dtype=np.int32))

    def __len__(self) -> int:
        return len(self.lengths)

    def postings(self, h: int) -> tuple[np.ndarray, np.ndarray] | None:
        i = int(np.searchsorted(self.terms, np.uint64(h)))
        if i >= len(self.terms) or int(self.terms[i]) != h:
            return None
        a, b = int(self.indptr[i]), int(self.indptr[i + 1])
        return self.slots[a:b], self.tf[a:b]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        for name, arr in zip(self.FILES, (self.terms, self.indptr, self.slots, self.tf, self.lengths)):
            np.save(folder / name, arr, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path, first: int) -> LexicalSegment:
        arrays = [np.load(folder / name, mmap_mode="r", allow_pickle=False) for name in cls.FILES]
        return cls(first, *arrays)


def _largest(dense: np.ndarray, m: int) -> np.ndarray:
    """Indices of the ``m`` largest positive values of ``dense`` (fewer if fewer are positive), unordered.

    A threshold from every 16th value keeps only about 2m entries to partition, instead of every
    non-zero one (1M passages: 2 ms instead of 11): every value among the m largest is at least
    the threshold whenever m values reach it, so the result is exact.
    """
    sample = dense[::16]
    k = min(len(sample), max(2 * m // 16, 8))
    threshold = np.partition(sample, len(sample) - k)[len(sample) - k] if k else 0.0
    cand = np.flatnonzero(dense >= threshold) if threshold > 0 else np.zeros(0, np.int64)
    if len(cand) < m:
        cand = np.flatnonzero(dense > 0)
        if len(cand) <= m:
            return cand
    return cand[np.argpartition(-dense[cand], m - 1)[:m]]


class LexicalIndex:
    """BM25 over segments; ``scores(terms)`` gives one score per passage slot (0 for deleted ones)."""

    def __init__(self, segments: Sequence[LexicalSegment], live: np.ndarray, *, k1: float, b: float) -> None:
        self.segments = list(segments)
        self.k1, self.b = k1, b
        self.live = np.asarray(live, dtype=bool)
        n = sum(len(s) for s in self.segments)
        if n != len(self.live):
            raise ValueError(f"lexical segments hold {n} passages, the live mask {len(self.live)}")
        lengths = np.concatenate([np.asarray(s.lengths, dtype=np.float32) for s in self.segments]) \
            if self.segments else np.zeros(0, np.float32)
        self.n_live = int(self.live.sum())
        avgdl = float(lengths[self.live].mean()) if self.n_live else 1.0
        # the length part of the BM25 denominator, per slot
        self._norm = (k1 * ((1 - b) + b * lengths / avgdl)).astype(np.float32)
        self._dfs: dict[int, int] = {}

    @classmethod
    def build(cls, passages_terms: Iterable[Sequence[str]], *, k1: float, b: float) -> LexicalIndex:
        seg = LexicalSegment.build(0, passages_terms)
        return cls([seg], np.ones(len(seg), dtype=bool), k1=k1, b=b)

    def extended(self, passages_terms: Iterable[Sequence[str]], dead: Sequence[int] = ()) -> tuple[LexicalIndex, LexicalSegment]:
        """This index with a new segment of passages appended and the slots ``dead`` deleted."""
        seg = LexicalSegment.build(self.size, passages_terms)
        live = np.concatenate([self.live, np.ones(len(seg), dtype=bool)])
        live[np.asarray(list(dead), dtype=np.int64)] = False
        return LexicalIndex(self.segments + [seg], live, k1=self.k1, b=self.b), seg

    @property
    def size(self) -> int:
        """Passage slots, deleted ones included."""
        return len(self.live)

    def _parts(self, h: int) -> list[tuple[np.ndarray, np.ndarray]]:
        """(slots, tf) postings of the term with hash ``h``, one pair per segment that holds it."""
        return [p for p in (s.postings(h) for s in self.segments) if p is not None]

    def _gather(self, t: str) -> tuple[np.ndarray, np.ndarray]:
        parts = self._parts(term_hash(t))
        if not parts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if len(parts) == 1:
            return parts[0]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def _df(self, h: int, parts: list | None = None) -> int:
        """Live passages holding the term with hash ``h`` (cached: this index never changes)."""
        df = self._dfs.get(h)
        if df is None:
            parts = parts if parts is not None else self._parts(h)
            whole = self.n_live == len(self.live)  # nothing deleted: the postings' length is the count
            df = sum(len(p[0]) if whole else int(self.live[p[0]].sum()) for p in parts)
            self._dfs[h] = df
        return df

    def _query(self, terms: list[str]) -> list[tuple[int, int, int, list]]:
        """(live df, hash, times asked, postings) of each distinct query term some live passage holds."""
        out = []
        for t, times in Counter(terms).items():
            h = term_hash(t)
            parts = self._parts(h)
            df = self._df(h, parts) if parts else 0
            if df:
                out.append((df, h, times, parts))
        return out

    def top_scored(self, terms: list[str], n: int, ok: np.ndarray | None = None, *,
                   common: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
        """About the ``n`` best BM25 passages (slots, unordered) and their exact scores, for a large archive.

        Candidates come from the postings of the query's selective terms only: a term held by more
        than ``common`` of the live passages (的, 是, 工作…) adds little to any ranking but costs
        a pass over a large share of the archive. The candidates (4n of them) are then scored
        exactly with every term (:meth:`scores_of`) and the best ``n`` kept. ``ok``: a mask over
        passage slots. bench/scale.py measures the agreement with the exact search.
        """
        info = self._query(terms)
        if not info:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        limit = max(4 * n, common * self.n_live)
        chosen = [x for x in info if x[0] <= limit] or sorted(info, key=lambda x: x[0])[:2]
        slots, weights = [], []
        for df, h, times, parts in chosen:
            idf = np.float32(self._idf(df) * times)
            for sl, tf in parts:
                slots.append(sl)
                weights.append(idf * tf / (tf + self._norm[sl]))
        slots_all, weights_all = np.concatenate(slots), np.concatenate(weights)
        if len(slots_all) > len(self.live) // 16:  # many postings: one pass over a dense array is cheaper
            partial = np.bincount(slots_all, weights=weights_all, minlength=len(self.live))
            mask = None if ok is None and self.n_live == len(self.live) else \
                (self.live if ok is None else self.live & ok)
            if mask is not None:
                partial[~mask] = 0
            pool = _largest(partial, 4 * n)
        else:
            uniq, inverse = np.unique(slots_all, return_inverse=True)
            partial = np.bincount(inverse, weights=weights_all)
            keep = self.live[uniq] if ok is None else self.live[uniq] & ok[uniq]
            uniq, partial = uniq[keep], partial[keep]
            m = min(4 * n, len(uniq))
            pool = uniq[np.argpartition(-partial, m - 1)[:m]] if m else uniq
        if not len(pool):
            return pool, np.zeros(0, np.float32)
        exact = self.scores_of(terms, pool, info)
        best = np.argpartition(-exact, min(n, len(pool)) - 1)[:n]
        return pool[best], exact[best]

    def scores_of(self, terms: list[str], cand: np.ndarray, info: list | None = None) -> np.ndarray:
        """Exact BM25 scores of the passage slots ``cand`` (as :meth:`scores` gives them), found by
        binary search in each term's postings instead of a pass over them (``info``: ``_query(terms)``
        when the caller has it)."""
        cand = np.asarray(cand, dtype=np.int64)
        out = np.zeros(len(cand), dtype=np.float32)
        if not len(cand):
            return out
        order = np.argsort(cand, kind="stable")
        sorted_c = cand[order]
        for df, _, times, parts in self._query(terms) if info is None else info:
            idf = np.float32(self._idf(df) * times)
            for sl, tf in parts:
                keys = sorted_c.astype(sl.dtype, copy=False)  # int64 keys would convert all the postings
                pos = np.minimum(np.searchsorted(sl, keys), len(sl) - 1)
                hit = np.asarray(sl[pos]) == keys
                if not hit.any():
                    continue
                at = sorted_c[hit]
                tfs = np.asarray(tf[pos[hit]], dtype=np.float32)
                out[order[hit]] += idf * tfs / (tfs + self._norm[at]) * self.live[at]
        return out

    def _idf(self, df: int) -> float:
        return float(np.log(1 + (self.n_live - df + 0.5) / (df + 0.5)))

    def scores(self, terms: list[str]) -> np.ndarray:
        """BM25 score of every passage slot for the query terms (repeated terms count again)."""
        all_slots, all_w = [], []
        for t, times in Counter(terms).items():
            slots, tf = self._gather(t)
            if not len(slots):
                continue
            alive = self.live[slots]
            df = int(alive.sum())
            if not df:
                continue
            all_slots.append(slots)
            all_w.append(np.float32(self._idf(df) * times) * tf / (tf + self._norm[slots]) * alive)
        if not all_slots:
            return np.zeros(self.size, dtype=np.float32)
        return np.bincount(np.concatenate(all_slots), weights=np.concatenate(all_w),
                           minlength=self.size).astype(np.float32)

    def idf(self, terms: list[str]) -> dict[str, float]:
        """Inverse document frequency of each term over live passages (unknown terms get the maximum)."""
        out = {}
        for t in set(terms):
            out[t] = self._idf(self._df(term_hash(t)))
        return out
