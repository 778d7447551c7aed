"""What an index folder holds, open in memory: the record the write path and the readers share.

``rag.build`` reads a previous index's ``Contents`` and returns the new one; ``rag.Index`` answers
from one. Neither reaches into the other, and ``rag.build`` does not import ``rag.index``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from rag.config import QUERY_TIME, Config
from rag.dense import Approximate, DenseIndex
from rag.docstore import DocumentStore
from rag.errors import IndexFormatError
from rag.lexical import LexicalIndex, LexicalSegment
from rag.milvus import passages_for
from rag.retrieve import Passages
from rag.store import TOKENIZER, read_manifest, read_slots, verify_parts

__all__ = ["Contents", "open_contents", "Progress"]

Progress = Callable[[str, int, int], None]


@dataclass
class Contents:
    """One version of an index: its folder and manifest, the documents by slot, the passages by slot
    (document slot, start, end), the BM25 and vector parts, Milvus's passages when it keeps them, and
    the settings it was built and is asked with. ``by_path``: each live document's slot."""

    folder: Path
    manifest: dict
    documents: DocumentStore
    passages: Passages
    lexical: LexicalIndex
    dense: DenseIndex
    config: Config
    remote: object | None = None
    by_path: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.by_path = {p: i for i, p in enumerate(self.documents.paths) if p is not None}

    @classmethod
    def of(cls, folder: Path, manifest: dict, documents: DocumentStore, rows: np.ndarray, lexical: LexicalIndex,
           dense: DenseIndex, config: Config) -> Contents:
        remote = passages_for(config, manifest) if config.store == "milvus" else None
        return cls(Path(folder), manifest, documents, Passages(documents, rows), lexical, dense, config, remote)


def open_contents(folder: str | Path, *, config: Config | None = None) -> Contents:
    """Read an index folder written by the build (checks its manifest, parts, model and tokenizer).

    Build-time settings come from the manifest; query-time ones from ``config``, or from this
    version's defaults (an index built before the reader existed still gets the reader).
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    verify_parts(folder, manifest)
    built = Config.from_dict(manifest.get("config", {}))
    if config is not None and config.model != built.model:
        raise IndexFormatError(
            f"{folder} was built with model {built.model!r}, not {config.model!r}; "
            f"rebuild it with that model (`rag build SRC --index {folder}`) or open it without a model setting"
        )
    if manifest.get("tokenizer") != TOKENIZER:
        raise IndexFormatError(f"{folder} was built with another tokenizer; rebuild it with `rag build`")
    query = config if config is not None else Config()
    built = built.replace(**{name: getattr(query, name) for name in QUERY_TIME})
    slots = read_slots(folder, manifest)
    firsts = np.cumsum([0] + [seg["chunks"] for seg in manifest.get("segments", [])])
    try:
        live = slots.documents.live[slots.rows[:, 0]] if len(slots.rows) else np.zeros(0, dtype=bool)
        lexical = LexicalIndex([LexicalSegment.load(d / "bm25", int(f)) for d, f in zip(slots.segments, firsts)], live,
                               k1=built.bm25_k1, b=built.bm25_b)
        dense_info = manifest.get("dense", {"kind": "exact"})
        ann = (Approximate.load(folder / dense_info["file"], built.ann_probes)
               if dense_info.get("kind") != "exact" else None)
        dense = DenseIndex([DenseIndex.load_part(d / "vectors.npy") for d in slots.segments], live, ann,
                           dense_info.get("covered"))
    except (OSError, ValueError, RuntimeError) as exc:
        raise IndexFormatError(f"{folder} is damaged ({exc}); rebuild it with `rag build`") from exc
    return Contents.of(folder, manifest, slots.documents, slots.rows, lexical, dense, built)
