"""The index on disk: a folder of segments and a manifest naming them.

Layout::

    manifest.json        format version, model name and dimension, tokenizer and chunk
                         settings, counts, per-file content hashes, repost groups, the
                         segments in order, the deleted document slots, and the size and
                         sha256 of every part below (checked on open)
    segments/s000001/    what one build or update added:
        documents.jsonl  one Document per line (slots follow on from the segments before)
        chunks.npy       int64 rows (document slot, start, end) into the documents' text
        vectors.npy      float32 unit vectors, one row per passage
        minhash.npy      uint64 MinHash signatures, one row per document (repost detection)
        bm25/            postings (see rag.lexical)
    dense/               an approximate FAISS index over all live vectors, for large archives

A full build writes a complete folder beside the index and swaps it in (one atomic
exchange). An update writes one new segment and then replaces ``manifest.json`` (an atomic
rename): until that rename, readers see the old index; after it, the new one. Segments the
manifest no longer names are deleted afterwards. No pickle anywhere: JSON, NPY or FAISS's
own format.
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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.docstore import DocumentStore, write_meta
from rag.errors import IndexFormatError, IndexLockedError
from rag.ingest import file_hash
from rag.records import Chunk, Document

__all__ = ["FORMAT_VERSION", "Stored", "check_target", "writer_lock", "write_index", "append_segment", "write_manifest",
           "read_manifest", "read_index", "read_slots", "Slots", "segment_name", "TOKENIZER"]

FORMAT_VERSION = 3  # 2: the manifest lists every part's size and sha256; 3: segments and deleted slots
TOKENIZER = {"kind": "char-unigram+bigram", "fold": "opencc-t2s+nfkc+lower", "title_in_passage": True}
# Everything an index folder may hold. A folder with anything else in it is not ours to replace.
AUDIT_FILE = "audit.jsonl"  # who changed what (rag/audit.py); kept across rebuilds
INDEX_ENTRIES = frozenset({"manifest.json", "segments", "dense", ".lock", AUDIT_FILE,
                           "documents.jsonl", "chunks.npy", "bm25"})  # the last three: format 2
_MANIFEST_TMP = ".manifest-"  # a manifest being written (renamed over manifest.json when whole)
_BUILDING = ".building-"
SEGMENTS = "segments"
_FULL_HASH_BYTES = 64 << 20  # parts larger than this are checked by size on open (hashing 1.5 GB takes seconds)


@dataclass(frozen=True)
class Stored:
    """Everything an index folder holds, loaded into memory."""

    manifest: dict
    documents: tuple[Document, ...]
    chunks: tuple[Chunk, ...]
    folder: Path


def _doc_to_json(doc: Document) -> str:
    fields = dataclasses.asdict(doc)
    if not doc.scan:
        del fields["scan"]
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":") if doc.scan else (", ", ": "))


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
    other = sorted(n for n in names - INDEX_ENTRIES if not n.startswith(_MANIFEST_TMP))
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
            _fsync(Path(dirpath) / name)
        _fsync(Path(dirpath))


def _fsync(path: Path) -> None:
    """Flush a file or a folder (its entries) to disk."""
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


def segment_name(number: int) -> str:
    return f"s{number:06d}"


def write_segment(folder: Path, documents: Sequence[Document], rows: np.ndarray) -> None:
    """The documents and passage rows (document slot, start, end) of one segment."""
    folder.mkdir(parents=True, exist_ok=True)
    sizes = []
    with (folder / "documents.jsonl").open("wb") as f:
        for doc in documents:
            line = (_doc_to_json(doc) + "\n").encode("utf-8")
            f.write(line)
            sizes.append(len(line))
    write_meta(folder, documents, sizes)
    np.save(folder / "chunks.npy", np.asarray(rows, dtype=np.int64).reshape(-1, 3), allow_pickle=False)


def write_index(folder: Path, *, manifest: dict, documents: list[Document], chunks: list[Chunk],
                save_parts) -> None:
    """Write a complete index (one segment) to a temporary folder, then swap it in place of ``folder``.

    ``save_parts(tmp_folder)`` writes the other parts (vectors, postings, signatures; into
    ``tmp_folder / "segments" / segment_name(1)``). Files are fsynced before the swap, which is
    one atomic exchange where the system offers it. If anything fails, the previous index is
    left exactly as it was. ``folder`` must pass :func:`check_target`: nothing that is not an
    index is ever replaced.
    """
    folder = Path(folder)
    check_target(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    _clean_leftovers(folder)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}{_BUILDING}{os.getpid()}-", dir=folder.parent))
    try:
        rows = np.array([[c.doc_id, c.start, c.end] for c in chunks], dtype=np.int64).reshape(-1, 3)
        write_segment(tmp / SEGMENTS / segment_name(1), documents, rows)
        save_parts(tmp)
        manifest = {"segments": [{"name": segment_name(1), "documents": len(documents), "chunks": len(rows)}],
                    "deleted": [], **manifest, "format_version": FORMAT_VERSION,
                    "written": time.strftime("%Y-%m-%dT%H:%M:%S"), "parts": _parts(tmp)}
        (tmp / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        check_target(folder)  # again: the folder may have changed while we built
        if (folder / AUDIT_FILE).is_file():  # the log of changes outlives every rebuild
            shutil.copy2(folder / AUDIT_FILE, tmp / AUDIT_FILE)
        _fsync_tree(tmp)
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
        _fsync(folder.parent)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def append_segment(folder: Path, *, manifest: dict, documents: Sequence[Document], rows: np.ndarray,
                   save_parts) -> dict:
    """Add one segment to the index at ``folder`` and switch to ``manifest`` (an update).

    The segment is written to a temporary folder inside ``segments/``, fsynced and renamed
    into place; then the new manifest (``manifest`` plus the segment and every part's size and
    hash) is written beside the old one and renamed over it, the moment the update takes
    effect. ``save_parts(segment_folder, index_folder)`` writes the segment's vectors,
    postings and signatures. Parts the new manifest no longer names are deleted last. Returns
    the manifest written. The caller holds the writer lock.
    """
    folder = Path(folder)
    old = read_manifest(folder)
    seg_dir = folder / SEGMENTS
    seg_dir.mkdir(exist_ok=True)
    number = max((int(s["name"][1:]) for s in old.get("segments", [])), default=0) + 1
    name = segment_name(number)
    tmp = seg_dir / f"{_BUILDING}{os.getpid()}-{name}"
    try:
        write_segment(tmp, documents, rows)
        save_parts(tmp, folder)
        if documents:
            _fsync_tree(tmp)
            if (seg_dir / name).exists():  # left by an update killed before its manifest
                shutil.rmtree(seg_dir / name)
            tmp.rename(seg_dir / name)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    parts = dict(old.get("parts", {}))
    prefix = f"{SEGMENTS}/{name}/"
    for p in sorted((seg_dir / name).rglob("*")) if documents else ():
        if p.is_file():
            parts[prefix + p.relative_to(seg_dir / name).as_posix()] = {"bytes": p.stat().st_size,
                                                                      "sha256": file_hash(p)}
    segments = list(manifest.get("segments", old.get("segments", [])))
    if documents:  # a change that only deletes adds no segment
        segments.append({"name": name, "documents": len(documents),
                         "chunks": int(np.asarray(rows).reshape(-1, 3).shape[0])})
    live_segments = {s["name"] for s in segments}
    parts = {k: v for k, v in parts.items() if not k.startswith(SEGMENTS + "/")
             or k.split("/")[1] in live_segments}
    new = {**manifest, "segments": segments, "format_version": FORMAT_VERSION,
           "written": time.strftime("%Y-%m-%dT%H:%M:%S"), "parts": parts}
    write_manifest(folder, new)
    _collect_garbage(folder, new)
    return new


def write_manifest(folder: Path, manifest: dict) -> None:
    """Replace ``manifest.json`` atomically (write beside it, fsync, rename, fsync the folder)."""
    tmp = folder / f"{_MANIFEST_TMP}{os.getpid()}"
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    _fsync(tmp)
    tmp.rename(folder / "manifest.json")
    _fsync(folder)


def _collect_garbage(folder: Path, manifest: dict) -> None:
    """Delete the segments and dense files of ours that ``manifest`` no longer names (and what killed
    writers left), inside the index folder only, by the names this module gives them."""
    named = set(manifest.get("parts", {}))
    live = {s["name"] for s in manifest.get("segments", [])}
    seg_dir = folder / SEGMENTS
    if seg_dir.is_dir():
        for p in seg_dir.iterdir():
            ours = p.name.startswith("s") and p.name[1:].isdigit() or p.name.startswith(_BUILDING)
            if p.is_dir() and not p.is_symlink() and ours and p.name not in live:
                if p.name.startswith(_BUILDING):
                    pid = p.name[len(_BUILDING):].split("-", 1)[0]
                    if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
                        continue
                shutil.rmtree(p, ignore_errors=True)
    dense = folder / "dense"
    if dense.is_dir():
        for p in dense.iterdir():
            if p.is_file() and p.name.startswith("ann-") and f"dense/{p.name}" not in named:
                p.unlink(missing_ok=True)
    for p in folder.glob(_MANIFEST_TMP + "*"):
        pid = p.name[len(_MANIFEST_TMP):]
        if pid.isdigit() and not _alive(int(pid)):
            p.unlink(missing_ok=True)


def _parts(folder: Path) -> dict[str, dict]:
    """Size and sha256 of every file of an index folder but its manifest."""
    return {p.relative_to(folder).as_posix(): {"bytes": p.stat().st_size, "sha256": file_hash(p)}
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name != "manifest.json"}


def verify_parts(folder: Path, manifest: dict) -> None:
    """Refuse an index whose files differ from what its manifest recorded (truncated, altered, missing).

    Parts up to 64 MB are hashed; larger ones (vectors of a big archive) are checked by size,
    so that opening stays fast.
    """
    folder = Path(folder)
    for rel, want in manifest.get("parts", {}).items():
        p = folder / rel
        if not p.is_file():
            raise IndexFormatError(f"{folder} is damaged: {rel} is missing; rebuild it with `rag build SRC --index {folder}`")
        size = p.stat().st_size
        if size != want["bytes"] or (size <= _FULL_HASH_BYTES and file_hash(p) != want["sha256"]):
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


@dataclass(frozen=True)
class Slots:
    """An index's documents and passages by slot, as the segments hold them (deleted ones: None / dead)."""

    documents: DocumentStore  # Document | None by document slot, parsed when asked for
    rows: np.ndarray  # int64 (document slot, start, end), by passage slot
    segments: list[Path]  # segment folders, in order
    deleted: frozenset[int]


def read_slots(folder: Path, manifest: dict) -> Slots:
    """Documents (read on demand) and passage rows of every segment, deleted documents as None."""
    folder = Path(folder)
    deleted = frozenset(int(i) for i in manifest.get("deleted", []))
    dirs = [folder / SEGMENTS / seg["name"] for seg in manifest.get("segments", [])]
    try:
        docs = DocumentStore(dirs, deleted)
        rows = [np.load(d / "chunks.npy", allow_pickle=False) for d in dirs]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise IndexFormatError(f"{folder} is incomplete or damaged ({exc}); rebuild it with `rag build`") from exc
    table = np.concatenate(rows) if rows else np.zeros((0, 3), np.int64)
    return Slots(docs, table, dirs, deleted)


def read_index(folder: Path) -> Stored:
    """Load the manifest and the live documents and passages of an index folder (no vectors or postings).

    ``Stored.chunks[i].doc_id`` indexes ``Stored.documents``.
    """
    folder = Path(folder)
    manifest = read_manifest(folder)
    verify_parts(folder, manifest)
    slots = read_slots(folder, manifest)
    position = {}
    docs = []
    for i, d in enumerate(slots.documents):
        if d is not None:
            position[i] = len(docs)
            docs.append(d)
    chunks = tuple(Chunk(position[int(d)], int(s), int(e), slots.documents[int(d)].text[int(s):int(e)])
                   for d, s, e in slots.rows if int(d) in position)
    if len(docs) != manifest.get("counts", {}).get("documents") or len(chunks) != manifest.get("counts", {}).get("chunks"):
        raise IndexFormatError(f"{folder}: counts disagree with the manifest; rebuild it with `rag build`")
    return Stored(manifest, tuple(docs), chunks, folder)
