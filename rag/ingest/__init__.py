"""Ingest: files on disk -> cleaned ``Document`` records, with a report of what was skipped.

Stages: :mod:`rag.ingest.read` (bytes -> lines), :mod:`rag.ingest.clean`
(lines -> Document), :mod:`rag.ingest.dedup` (Documents -> repost groups).
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.errors import IngestError
from rag.ingest.clean import _SENTENCE_END, clean, is_boilerplate
from rag.ingest.ocr import place
from rag.ingest.read import SUPPORTED_SUFFIXES, RawText, read_file
from rag.records import Document, Skipped

logger = logging.getLogger(__name__)

__all__ = ["discover", "load_documents", "Loaded", "file_hash", "SUPPORTED_SUFFIXES"]

_MIN_BODY_CHARS = 20


@dataclass(frozen=True)
class Loaded:
    """Documents read from a set of files, and the files that could not be used."""

    documents: tuple[Document, ...]
    skipped: tuple[Skipped, ...]
    warnings: tuple[Skipped, ...]


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def discover(sources: Iterable[str | Path], *, max_files: int) -> tuple[list[Path], list[Skipped]]:
    """Expand folders and files into the list of files to read, in a stable order.

    Hidden files and folders are ignored; symlinked folders are followed once (a
    loop is reported, not followed forever); unsupported types are reported.
    """
    files: list[Path] = []
    skipped: list[Skipped] = []
    seen_dirs: set[str] = set()

    def walk(folder: Path) -> Iterator[Path]:
        real = os.path.realpath(folder)
        if real in seen_dirs:
            skipped.append(Skipped(str(folder), "folder is a symlink loop or was already read; skipped"))
            return
        seen_dirs.add(real)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            skipped.append(Skipped(str(folder), f"cannot list folder ({exc.strerror}); check its permissions"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            p = Path(entry.path)
            try:
                if entry.is_dir(follow_symlinks=True):
                    yield from walk(p)
                elif entry.is_file(follow_symlinks=True):
                    yield p
                else:
                    skipped.append(Skipped(str(p.absolute()), "not a regular file (broken link or device); skipped"))
            except OSError as exc:
                skipped.append(Skipped(str(p.absolute()), f"cannot read ({exc.strerror}); skipped"))

    for src in sources:
        p = Path(src).expanduser()
        if p.is_dir():
            candidates: Iterable[Path] = walk(p)
        elif p.is_file():
            candidates = [p]
        else:
            skipped.append(Skipped(str(p.absolute()), "no such file or folder; check the path"))
            continue
        for f in candidates:
            if f.suffix.lower() not in SUPPORTED_SUFFIXES:
                hint = ("; unpack it into the archive folder, or add it on the chat page's Archive tab, which "
                        "unpacks zips" if f.suffix.lower() == ".zip" else "")
                skipped.append(
                    Skipped(str(f.absolute()), f"unsupported file type '{f.suffix or '(none)'}'; "
                            f"supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}{hint}")
                )
                continue
            files.append(f.absolute())
    unique = sorted(set(files))
    if len(unique) > max_files:
        raise IngestError(
            f"{len(unique):,} files found, over the limit of {max_files:,}; check the folder or raise max_files"
        )
    return unique, skipped


def _learn_boilerplate(raws: dict[Path, RawText]) -> frozenset[str]:
    """Lines that repeat across many files are site chrome (footers, slogans, nav).

    A line counts when it appears in at least 3 files and in at least a fifth of the
    files, and it is not a long paragraph (a repost's body repeats across copies, but
    reposts are few and their paragraphs long).
    """
    if len(raws) < 3:
        return frozenset()
    counts: Counter[str] = Counter()
    for raw in raws.values():
        counts.update({ln.strip() for ln in raw.lines if 0 < len(ln.strip()) <= 120})
    need = max(3, len(raws) // 5)
    # A repeated line that ends like a sentence may be a repost's body (会议还研究了其他事项。),
    # so only chrome-like lines are learned: no sentence end, or a built-in chrome pattern.
    return frozenset(
        ln for ln, n in counts.items()
        if n >= need and (is_boilerplate(ln) or (len(ln) < 60 and not _SENTENCE_END.search(ln)))
    )


class _PageCount:
    """Pages read by OCR so far, over all files, for the build's "ocr" progress bar."""

    def __init__(self, progress) -> None:
        self.progress, self.done, self.total = progress, 0, 0

    def file(self, path: Path):
        if self.progress is None:
            return None
        seen = {"known": 0}

        def on_page(pages_in_file: int) -> None:
            if not seen["known"]:
                self.total += pages_in_file
                seen["known"] = pages_in_file
            self.done += 1
            self.progress(self.done, self.total)

        return on_page


def load_documents(paths: Iterable[Path], *, max_file_bytes: int, hashes: dict[Path, str] | None = None,
                   progress=None, ocr_progress=None) -> Loaded:
    """Read and clean each file; one bad file is reported and never stops the rest.

    Args:
        paths: files to read.
        max_file_bytes: larger files are skipped.
        hashes: content hashes already computed by the caller (saves a second read).
        progress: optional callable ``progress(done, total)``: files read.
        ocr_progress: optional callable ``progress(done, total)``: pages read by OCR (the total
            grows as files with more pages are opened).
    """
    paths = list(paths)
    raws: dict[Path, RawText] = {}
    skipped: list[Skipped] = []
    warnings: list[Skipped] = []
    pages = _PageCount(ocr_progress)
    for i, path in enumerate(paths):
        try:
            raws[path] = read_file(path, max_bytes=max_file_bytes, on_page=pages.file(path))
        except IngestError as exc:
            skipped.append(Skipped(str(path), str(exc)))
        except OSError as exc:  # a file that vanished or cannot be opened mid-build
            skipped.append(Skipped(str(path), f"cannot read ({exc}); check the file"))
        if progress:
            progress(i + 1, len(paths))
    learned = _learn_boilerplate(raws)
    docs: list[Document] = []
    for path, raw in raws.items():
        digest = (hashes or {}).get(path) or file_hash(path)
        doc = clean(raw, path=str(path), content_hash=digest, extra_boilerplate=learned)
        if raw.ocr:
            doc = dataclasses.replace(doc, scan=place(raw.ocr, doc.text, {p: (w, h) for p, w, h in raw.page_sizes}))
        if len(doc.text.strip()) < _MIN_BODY_CHARS:
            skipped.append(Skipped(str(path), "no article text found (only whitespace, navigation or boilerplate)"))
            continue
        if raw.warning:
            warnings.append(Skipped(str(path), raw.warning, fatal=False))
        docs.append(doc)
    return Loaded(tuple(docs), tuple(skipped), tuple(warnings))
