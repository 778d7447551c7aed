"""Stage 2b: group reposts of the same story (MinHash over character 5-grams).

Reposts differ in their headers, footers and a few edited words; their bodies
share most 5-character shingles. Documents whose estimated Jaccard similarity
reaches the threshold join one group (connected components of the LSH matches).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from rag.records import Document
from rag.text import fold

__all__ = ["repost_groups", "update_groups", "signatures", "original_first"]

_REPOST_MARK = re.compile(r"^\s*[【\[(（]?\s*(?:转载|转自|转发|转引|轉載|轉自|轉發)")

_SHINGLE = 5
_PERM = 128


_MAX_HASH = np.uint64((1 << 32) - 1)
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """128 multiply-shift hash functions ``(a * h + b) >> 32`` (a odd; fixed seed: every build agrees)."""
    rng = np.random.default_rng(20240101)
    a = rng.integers(1, 1 << 63, size=_PERM, dtype=np.uint64) | np.uint64(1)
    b = rng.integers(0, 1 << 63, size=_PERM, dtype=np.uint64)
    return a, b


def _signature(text: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MinHash of a text's character 5-gram shingles (script-folded, spaces removed), all in numpy:
    each shingle's 32-bit hash is a polynomial of its code points, permuted by 128 multiply-shift
    hashes. Several times faster than datasketch's SHA-1 per shingle and modulo-prime permutations."""
    t = "".join(ch for ch in fold(text) if not ch.isspace())
    codes = np.frombuffer(t.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < _SHINGLE:
        codes = np.concatenate([codes, np.zeros(_SHINGLE - len(codes), np.uint64)])
    n = len(codes) - _SHINGLE + 1
    with np.errstate(over="ignore"):
        h = np.zeros(n, dtype=np.uint64)
        for j in range(_SHINGLE):
            h = h * _MIX + codes[j:j + n]
        h = np.unique((h ^ (h >> np.uint64(29))) & _MAX_HASH)
        return np.min((np.outer(h, a) + b) >> np.uint64(32), axis=0)


def signatures(texts: Sequence[str]) -> np.ndarray:
    """MinHash signatures of ``texts`` (uint64, one row of 128 per text), kept in the index so that
    an update compares only the new documents with the rest."""
    a, b = _permutations()
    out = np.zeros((len(texts), _PERM), dtype=np.uint64)
    for i, text in enumerate(texts):
        out[i] = _signature(text, a, b)
    return out


def _banding(threshold: float) -> tuple[int, int]:
    """The LSH bands and rows datasketch chooses for this threshold (a pair is a candidate when
    one band of its signatures is equal)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=_PERM)
    return lsh.b, lsh.r


def _linked(sig: np.ndarray, others: np.ndarray, threshold: float) -> np.ndarray:
    """Which rows of ``others`` tell the same story as ``sig``: an LSH candidate (a band equal)
    whose estimated Jaccard similarity reaches the threshold."""
    if not len(others):
        return np.zeros(0, dtype=bool)
    b, r = _banding(threshold)
    same = others[:, : b * r].reshape(len(others), b, r) == sig[: b * r].reshape(1, b, r)
    candidate = same.all(axis=2).any(axis=1)
    return candidate & ((others == sig).mean(axis=1) >= threshold)


def repost_groups(texts: Sequence[str], *, threshold: float = 0.7) -> list[list[int]]:
    """Groups (of two or more indices into ``texts``) that tell the same story.

    >>> a = "最高人民检察院召开党组会，研究部署检察机关组织工作和机关党建等工作。" * 3
    >>> repost_groups([a, a + "来源：某网站", "完全不同的另一篇文章内容，讲的是别的事情。" * 3])
    [[0, 1]]
    """
    sigs = signatures(texts)
    return update_groups(sigs, np.ones(len(texts), dtype=bool), [], range(len(texts)), threshold=threshold)


def update_groups(sigs: np.ndarray, live: np.ndarray, groups: Sequence[Sequence[int]], new: Sequence[int], *,
                  threshold: float = 0.7) -> list[list[int]]:
    """Repost groups after documents were added and deleted, touching only what changed.

    ``sigs`` holds every document slot's signature and ``live`` which slots are still indexed;
    ``groups`` are the groups before the change (slots), ``new`` the slots added. Groups that
    lost a member are split again from their remaining members' signatures; each new document
    is compared with every live one (the same rule as a build from scratch, so both give the
    same groups).
    """
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> None:
        parent[find(a)] = find(b)

    for g in groups:
        members = [i for i in g if live[i]]
        if len(members) == len(g):
            for i in members[1:]:
                union(i, members[0])
            continue
        for k, i in enumerate(members):  # a member was deleted: the rest may no longer hang together
            for j in np.asarray(members[k + 1:])[_linked(sigs[i], sigs[members[k + 1:]], threshold)]:
                union(i, int(j))
    new = [i for i in new if live[i]]
    live_ids = np.flatnonzero(live)
    if len(new) > 64:  # many new documents (a build): find candidate pairs through the bands' buckets
        b, r = _banding(threshold)
        buckets: dict[bytes, list[int]] = {}
        for i in live_ids:
            row = sigs[i]
            for k in range(b):
                buckets.setdefault(k.to_bytes(2, "little") + row[k * r:(k + 1) * r].tobytes(), []).append(int(i))
        for i in new:
            row = sigs[i]
            seen = set()
            for k in range(b):
                for j in buckets[k.to_bytes(2, "little") + row[k * r:(k + 1) * r].tobytes()]:
                    if j != i and j not in seen:
                        seen.add(j)
                        if (sigs[i] == sigs[j]).mean() >= threshold:
                            union(i, j)
    else:
        for i in new:
            for j in live_ids[_linked(sigs[i], sigs[live_ids], threshold)]:
                if int(j) != i:
                    union(i, int(j))
    comps: dict[int, list[int]] = {}
    for x in list(parent):
        comps.setdefault(find(x), []).append(x)
    return sorted((sorted(g) for g in comps.values() if len(g) > 1), key=lambda g: g[0])


def original_first(documents: Sequence[Document]) -> list[int]:
    """Indices of ``documents`` (copies of one story), the copy to cite first.

    The original is most likely the copy whose title is not marked as a repost (转载…),
    that carries a date (the earliest one: reposts come later) and a source, in that order;
    the path breaks ties so the choice is the same on every build.
    """
    def key(i: int) -> tuple:
        d = documents[i]
        return (bool(_REPOST_MARK.match(d.title or "")), d.date is None, d.date or "",
                d.source is None and d.site is None, d.path)

    return sorted(range(len(documents)), key=key)
