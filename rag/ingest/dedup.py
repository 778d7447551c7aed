"""Stage 2b: group reposts of the same story (MinHash over character 5-grams, datasketch).

Reposts differ in their headers, footers and a few edited words; their bodies
share most 5-character shingles. Documents whose estimated Jaccard similarity
reaches the threshold join one group (connected components of the LSH matches).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.records import Document
from rag.text import fold

__all__ = ["repost_groups", "original_first"]

_REPOST_MARK = re.compile(r"^\s*[【\[(（]?\s*(?:转载|转自|转发|转引|轉載|轉自|轉發)")

_SHINGLE = 5
_PERM = 128


def _shingles(text: str) -> set[bytes]:
    t = "".join(ch for ch in fold(text) if not ch.isspace())
    return {t[i : i + _SHINGLE].encode("utf-8") for i in range(max(1, len(t) - _SHINGLE + 1))}


def repost_groups(texts: Sequence[str], *, threshold: float = 0.7) -> list[list[int]]:
    """Groups (of two or more indices into ``texts``) that tell the same story.

    >>> a = "最高人民检察院召开党组会，研究部署检察机关组织工作和机关党建等工作。" * 3
    >>> repost_groups([a, a + "来源：某网站", "完全不同的另一篇文章内容，讲的是别的事情。" * 3])
    [[0, 1]]
    """
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=_PERM)
    hashes = []
    for i, text in enumerate(texts):
        m = MinHash(num_perm=_PERM)
        m.update_batch(list(_shingles(text)))
        hashes.append(m)
        lsh.insert(str(i), m)
    parent = list(range(len(texts)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for i, m in enumerate(hashes):
        for key in lsh.query(m):
            j = int(key)
            if j != i and m.jaccard(hashes[j]) >= threshold:
                parent[find(i)] = find(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(texts)):
        groups.setdefault(find(i), []).append(i)
    return sorted((sorted(g) for g in groups.values() if len(g) > 1), key=lambda g: g[0])


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
