"""The index on disk: a folder of plain files and a manifest, swapped in atomically.

Layout::

    manifest.json     format version, model name and dimension, tokenizer and chunk
                      settings, counts, per-file content hashes, repost groups
    documents.jsonl   one Document per line (its position is its doc_id)
    chunks.npy        int64 rows (doc_id, start, end) into the documents' text
    bm25/             bm25s arrays (.npy) and vocabulary/params (.json)
    dense/            passages.faiss (exact inner-product index of unit vectors)

No pickle anywhere: every file is JSON, NPY or FAISS's own format.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.errors import IndexFormatError
from rag.records import Chunk, Document

__all__ = ["FORMAT_VERSION", "Stored", "write_index", "read_manifest", "read_index", "TOKENIZER"]

FORMAT_VERSION = 1
TOKENIZER = {"kind": "char-unigram+bigram", "fold": "opencc-t2s+nfkc+lower", "title_in_passage": True}


@dataclass(frozen=True)
class Stored:
    """Everything an index folder holds, loaded into memory."""

    manifest: dict
    documents: tuple[Document, ...]
    chunks: tuple[Chunk, ...]
    folder: Path


def _doc_to_json(doc: Document) -> str:
    return json.dumps(dataclasses.asdict(doc), ensure_ascii=False)


def write_index(folder: Path, *, manifest: dict, documents: list[Document], chunks: list[Chunk],
                save_parts) -> None:
    """Write a complete index to a temporary folder, then swap it in place of ``folder``.

    ``save_parts(tmp_folder)`` writes the BM25 and FAISS parts. If anything fails,
    the previous index is left exactly as it was.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.building-", dir=folder.parent))
    try:
        with (tmp / "documents.jsonl").open("w", encoding="utf-8") as f:
            for doc in documents:
                f.write(_doc_to_json(doc) + "\n")
        rows = np.array([[c.doc_id, c.start, c.end] for c in chunks], dtype=np.int64).reshape(-1, 3)
        np.save(tmp / "chunks.npy", rows, allow_pickle=False)
        save_parts(tmp)
        manifest = {**manifest, "format_version": FORMAT_VERSION, "written": time.strftime("%Y-%m-%dT%H:%M:%S")}
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        old = None
        if folder.exists():
            old = folder.parent / f".{folder.name}.old-{os.getpid()}-{time.time_ns()}"
            folder.rename(old)
        tmp.rename(folder)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / "manifest.json"
    if not path.exists():
        raise IndexFormatError(
            f"{folder} is not an index (no manifest.json); build one with `rag build SRC --index {folder}`"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise IndexFormatError(f"{path} is damaged ({exc}); rebuild with `rag build SRC --index {folder}`") from exc
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise IndexFormatError(
            f"{folder} has index format {version}, this version of rag reads format {FORMAT_VERSION}; "
            f"rebuild it with `rag build SRC --index {folder}`"
        )
    return manifest


def read_index(folder: Path) -> Stored:
    """Load the manifest, documents and chunks of an index folder (not BM25/FAISS)."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    try:
        docs = []
        with (folder / "documents.jsonl").open(encoding="utf-8") as f:
            for line in f:
                docs.append(Document(**json.loads(line)))
        rows = np.load(folder / "chunks.npy", allow_pickle=False)
    except (OSError, ValueError, TypeError) as exc:
        raise IndexFormatError(f"{folder} is incomplete or damaged ({exc}); rebuild it with `rag build`") from exc
    chunks = tuple(Chunk(int(d), int(s), int(e), docs[int(d)].text[int(s) : int(e)]) for d, s, e in rows)
    if len(docs) != manifest.get("counts", {}).get("documents") or len(chunks) != manifest.get("counts", {}).get("chunks"):
        raise IndexFormatError(f"{folder}: counts disagree with the manifest; rebuild it with `rag build`")
    return Stored(manifest, tuple(docs), chunks, folder)
