"""The documents of an index, by slot, read from disk when asked for.

A segment keeps its documents in ``documents.jsonl`` (one JSON record per line) and, beside
it, ``documents.meta.json``: every field but the body text, in columns, with each line's byte
offset. Opening an index reads only the small file; a document's text is parsed from the
memory-mapped lines when a passage of it is shown or quoted (the last few thousand stay
cached). At a million passages this is what keeps opening to seconds and the archive's text
out of memory (bench/scale.py measures both). Segments written without the small file are
read whole, as before.
"""

from __future__ import annotations

import bisect
import json
import mmap
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.records import Document, ScanLine

__all__ = ["DocMeta", "DocumentStore", "META_FILE", "write_meta"]

META_FILE = "documents.meta.json"
_FIELDS = ("path", "title", "date", "source", "author", "url", "site", "content_hash")
_CACHE = 4096  # documents kept parsed


@dataclass(frozen=True)
class DocMeta:
    """A document without its text: what lists, filters and updates need."""

    path: str
    title: str | None
    date: str | None
    source: str | None
    author: str | None
    url: str | None
    site: str | None
    content_hash: str
    chars: int


def write_meta(folder: Path, documents: Sequence[Document], line_bytes: Sequence[int]) -> None:
    """Write ``documents.meta.json`` for a segment whose lines are ``line_bytes`` long (newline included)."""
    columns = {f: [getattr(d, f) for d in documents] for f in _FIELDS}
    columns["chars"] = [len(d.text) for d in documents]
    offsets = np.concatenate([[0], np.cumsum(np.asarray(line_bytes, dtype=np.int64))]).tolist()
    (folder / META_FILE).write_text(json.dumps({"columns": columns, "offsets": offsets}, ensure_ascii=False),
                                    encoding="utf-8")


def _document(line: bytes) -> Document:
    fields = json.loads(line)
    fields["meta_lines"] = tuple(fields.get("meta_lines", ()))
    fields["scan"] = tuple(ScanLine(s["page"], s["start"], tuple(s["box"]), tuple(s["left"]), tuple(s["right"]),
                                    tuple(s["conf"])) for s in fields.get("scan", ()))
    return Document(**fields)


class _Segment:
    """One segment's documents: columns in memory, text in a memory map."""

    def __init__(self, folder: Path) -> None:
        path = folder / "documents.jsonl"
        meta = folder / META_FILE
        self.map = None
        if meta.exists():
            raw = json.loads(meta.read_text(encoding="utf-8"))
            self.columns, self.offsets = raw["columns"], raw["offsets"]
            if path.stat().st_size:
                with path.open("rb") as f:
                    self.map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            self.parsed: list[Document] | None = None
        else:  # written before the small file existed: read every record now
            lines = path.read_bytes().splitlines(keepends=True)
            self.parsed = [_document(line) for line in lines]
            self.columns = {f: [getattr(d, f) for d in self.parsed] for f in _FIELDS}
            self.columns["chars"] = [len(d.text) for d in self.parsed]
            self.offsets = []

    def __len__(self) -> int:
        return len(self.columns["path"])

    def document(self, i: int) -> Document:
        if self.parsed is not None:
            return self.parsed[i]
        return _document(self.map[self.offsets[i]: self.offsets[i + 1]])

    def containing(self, needle: str) -> set[int]:
        """Positions of the records whose line holds ``needle`` anywhere (text or another field):
        a byte search over the memory map, without parsing; callers check the field they want."""
        if self.parsed is not None:
            return {i for i, d in enumerate(self.parsed) if needle in (d.title or "") or needle in d.text}
        if self.map is None or not needle:
            return set()
        raw = json.dumps(needle, ensure_ascii=False)[1:-1].encode("utf-8")
        found: set[int] = set()
        at = self.map.find(raw)
        while at >= 0:
            i = bisect.bisect_right(self.offsets, at) - 1
            found.add(i)
            at = self.map.find(raw, self.offsets[i + 1]) if i + 1 < len(self.offsets) else -1
        return found


class DocumentStore(Sequence):
    """Documents by slot over the segments in order; deleted slots hold None.

    ``store[i]`` parses one document (cached); ``store.meta(i)``, ``store.paths``, ``store.live``
    need no parsing.

    Example:
        >>> store = DocumentStore([Path("idx/segments/s000001")], deleted=set())  # doctest: +SKIP
        >>> store[0].title, store.meta(0).chars                                   # doctest: +SKIP
    """

    def __init__(self, segments: Sequence[Path], deleted: frozenset[int] | set[int]) -> None:
        self._init([_Segment(Path(s)) for s in segments], deleted)

    def _init(self, segments: list[_Segment], deleted) -> None:
        self._segments = segments
        sizes = [len(s) for s in self._segments]
        self._first = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        n = int(self._first[-1])
        self.live = np.ones(n, dtype=bool)
        dead = [i for i in deleted if 0 <= i < n]
        self.live[dead] = False
        self.paths: list[str | None] = [p for s in self._segments for p in s.columns["path"]]
        for i in dead:
            self.paths[i] = None
        self._cache: OrderedDict[int, Document] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return int(self._first[-1])

    def extended(self, segment: Path | None, deleted: frozenset[int] | set[int]) -> DocumentStore:
        """This store with one more segment (None: none) and ``deleted`` slots; the segments read
        already are shared, not read again."""
        new = DocumentStore.__new__(DocumentStore)
        new._init(self._segments + ([_Segment(Path(segment))] if segment is not None else []), deleted)
        return new

    def _locate(self, i: int) -> tuple[_Segment, int]:
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        k = int(np.searchsorted(self._first, i, side="right")) - 1
        return self._segments[k], i - int(self._first[k])

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = int(i) + (len(self) if int(i) < 0 else 0)
        seg, j = self._locate(i)
        if not self.live[i]:
            return None
        with self._lock:
            doc = self._cache.get(i)
            if doc is not None:
                self._cache.move_to_end(i)
                return doc
        doc = seg.document(j)
        with self._lock:
            self._cache[i] = doc
            if len(self._cache) > _CACHE:
                self._cache.popitem(last=False)
        return doc

    def meta(self, i: int) -> DocMeta | None:
        """Everything but the text of document ``i`` (None when deleted), without parsing it."""
        i = int(i)
        seg, j = self._locate(i)
        if not self.live[i]:
            return None
        return DocMeta(**{f: seg.columns[f][j] for f in (*_FIELDS, "chars")})

    def containing(self, needle: str) -> set[int]:
        """Slots of the live documents whose record holds ``needle`` (see ``_Segment.containing``)."""
        out: set[int] = set()
        for seg, first in zip(self._segments, self._first[:-1]):
            out.update(int(first) + j for j in seg.containing(needle))
        return {i for i in out if self.live[i]}

    def column(self, name: str) -> list:
        """One field of every document slot (deleted ones included), e.g. ``"date"``."""
        return [v for s in self._segments for v in s.columns[name]]
