"""The index on disk: a folder of plain files and a manifest, swapped in atomically.

Layout::

    manifest.json     format version, model name and dimension, tokenizer and chunk
                      settings, counts, per-file content hashes, repost groups, and the
                      size and sha256 of every part below (checked on open)
    documents.jsonl   one Document per line (its position is its doc_id)
    chunks.npy        int64 rows (doc_id, start, end) into the documents' text
    bm25/             bm25s arrays (.npy) and vocabulary/params (.json)
    dense/            passages.faiss (exact inner-product index of unit vectors)

No pickle anywhere: every file is JSON, NPY or FAISS's own format.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import dataclasses
import fcntl
import sys
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.errors import IndexFormatError, IndexLockedError
from rag.ingest import file_hash
from rag.records import Chunk, Document

__all__ = ["FORMAT_VERSION", "Stored", "check_target", "writer_lock", "write_index", "read_manifest", "read_index", "TOKENIZER"]

FORMAT_VERSION = 2  # 2: the manifest lists every part's size and sha256
TOKENIZER = {"kind": "char-unigram+bigram", "fold": "opencc-t2s+nfkc+lower", "title_in_passage": True}
# Everything an index folder may hold. A folder with anything else in it is not ours to replace.
INDEX_ENTRIES = frozenset({"manifest.json", "documents.jsonl", "chunks.npy", "bm25", "dense", ".lock"})
_BUILDING = ".building-"


@dataclass(frozen=True)
class Stored:
    """Everything an index folder holds, loaded into memory."""

    manifest: dict
    documents: tuple[Document, ...]
    chunks: tuple[Chunk, ...]
    folder: Path


def _doc_to_json(doc: Document) -> str:
    return json.dumps(dataclasses.asdict(doc), ensure_ascii=False)


def check_target(folder: Path) -> None:
    """Refuse to write an index where anything but an index of this project lives.

    ``folder`` may be missing, an empty folder, or a folder holding only an index's
    files with its manifest. A file, a link, or a folder of anything else is the
    user's and is never replaced.
    """
    folder = Path(folder)
    if folder.is_symlink():
        raise IndexFormatError(f"{folder} is a symbolic link; pass the real index folder or a new path as --index "
                               "(nothing was written)")
    if not folder.exists():
        return
    if not folder.is_dir():
        raise IndexFormatError(f"{folder} is a file, not an index folder; choose a new or empty folder for --index "
                               "(nothing was written)")
    names = {p.name for p in folder.iterdir()}
    if not names:
        return
    other = sorted(names - INDEX_ENTRIES)
    if "manifest.json" not in names or other:
        shown = ", ".join(other[:5]) + (" …" if len(other) > 5 else "")
        raise IndexFormatError(
            f"{folder} is not empty and is not an index of this project ({'it holds ' + shown if other else 'no manifest.json'}); "
            "choose a new or empty folder for --index (nothing was written or deleted)"
        )
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = None
    if not isinstance(manifest, dict) or "format_version" not in manifest or "model" not in manifest:
        raise IndexFormatError(f"{folder}/manifest.json is not this project's index manifest; choose a new or "
                               "empty folder for --index (nothing was written or deleted)")


@contextlib.contextmanager
def writer_lock(folder: Path):
    """Hold the one-writer lock of the index at ``folder`` (a file beside it, ``.NAME.lock``).

    The lock is the kernel's (flock): it is released on any exit, a kill included, so no
    stale lock survives. A second writer fails at once with a message naming the holder.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    path = folder.parent / f".{folder.name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "another process"
            raise IndexLockedError(f"{folder} is being written by {holder}; wait for it to finish and try again")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} ({' '.join(sys.argv)[:200]}) since {time.strftime('%H:%M:%S')}"
                  .encode("utf-8"), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def _fsync_tree(root: Path) -> None:
    """Flush every file and folder under ``root`` to disk, so a crash after the swap finds whole files."""
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            fd = os.open(os.path.join(dirpath, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        _fsync_dir(Path(dirpath))


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two folders (Linux renameat2 RENAME_EXCHANGE); False where unsupported.

    With it there is no moment at which the index path holds nothing: a reader sees
    the old folder or the new one.
    """
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0


def _clean_leftovers(folder: Path) -> None:
    """Remove temporary folders that a killed build of this index left beside it."""
    prefix = f".{folder.name}{_BUILDING}"
    for p in folder.parent.glob(prefix + "*"):
        pid = p.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)) and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def write_index(folder: Path, *, manifest: dict, documents: list[Document], chunks: list[Chunk],
                save_parts) -> None:
    """Write a complete index to a temporary folder, then swap it in place of ``folder``.

    ``save_parts(tmp_folder)`` writes the BM25 and FAISS parts. Files are fsynced
    before the swap, which is one atomic exchange where the system offers it. If
    anything fails, the previous index is left exactly as it was. ``folder`` must
    pass :func:`check_target`: nothing that is not an index is ever replaced.
    """
    folder = Path(folder)
    check_target(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(folder)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}{_BUILDING}{os.getpid()}-", dir=folder.parent))
    try:
        with (tmp / "documents.jsonl").open("w", encoding="utf-8") as f:
            for doc in documents:
                f.write(_doc_to_json(doc) + "\n")
        rows = np.array([[c.doc_id, c.start, c.end] for c in chunks], dtype=np.int64).reshape(-1, 3)
        np.save(tmp / "chunks.npy", rows, allow_pickle=False)
        save_parts(tmp)
        manifest = {**manifest, "format_version": FORMAT_VERSION, "written": time.strftime("%Y-%m-%dT%H:%M:%S"),
                    "parts": _parts(tmp)}
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        _fsync_tree(tmp)
        check_target(folder)  # again: the folder may have changed while we built
        if folder.exists() and any(folder.iterdir()):
            if not _exchange(tmp, folder):
                old = folder.parent / f".{folder.name}{_BUILDING}{os.getpid()}-old-{time.time_ns()}"
                folder.rename(old)
                tmp.rename(folder)
                tmp = old
        else:
            if folder.exists():
                folder.rmdir()  # empty, checked above
            tmp.rename(folder)
        _fsync_dir(folder.parent)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _parts(folder: Path) -> dict[str, dict]:
    """Size and sha256 of every file of an index folder but its manifest."""
    return {p.relative_to(folder).as_posix(): {"bytes": p.stat().st_size, "sha256": file_hash(p)}
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "manifest.json"}


def verify_parts(folder: Path, manifest: dict) -> None:
    """Refuse an index whose files differ from what its manifest recorded (truncated, altered, missing)."""
    folder = Path(folder)
    for rel, want in manifest.get("parts", {}).items():
        p = folder / rel
        if not p.is_file():
            raise IndexFormatError(f"{folder} is damaged: {rel} is missing; rebuild it with `rag build SRC --index {folder}`")
        if p.stat().st_size != want["bytes"] or file_hash(p) != want["sha256"]:
            raise IndexFormatError(f"{folder} is damaged: {rel} differs from what was written (truncated or altered); "
                                   f"rebuild it with `rag build SRC --index {folder}`")


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
    verify_parts(folder, manifest)
    try:
        docs = []
        with (folder / "documents.jsonl").open(encoding="utf-8") as f:
            for line in f:
                fields = json.loads(line)
                fields["meta_lines"] = tuple(fields.get("meta_lines", ()))
                docs.append(Document(**fields))
        rows = np.load(folder / "chunks.npy", allow_pickle=False)
    except (OSError, ValueError, TypeError) as exc:
        raise IndexFormatError(f"{folder} is incomplete or damaged ({exc}); rebuild it with `rag build`") from exc
    chunks = tuple(Chunk(int(d), int(s), int(e), docs[int(d)].text[int(s) : int(e)]) for d, s, e in rows)
    if len(docs) != manifest.get("counts", {}).get("documents") or len(chunks) != manifest.get("counts", {}).get("chunks"):
        raise IndexFormatError(f"{folder}: counts disagree with the manifest; rebuild it with `rag build`")
    return Stored(manifest, tuple(docs), chunks, folder)
