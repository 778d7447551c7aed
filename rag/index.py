"""The public facade: build, open, update, search and ask an index.

Example:
    >>> import rag
    >>> index = rag.build_index("seeds/", "indexes/seeds")          # doctest: +SKIP
    >>> index.ask("巡视工作的根本任务是什么？").text                    # doctest: +SKIP
    '“巡视是政治巡视，本质是政治监督，巡视工作的根本任务是‘两个维护’。”'
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.about import answer_about, asked_field, topic_text
from rag.answer import answer_question, term_coverage
from rag.archive import list_documents
from rag.conversation import resolve
from rag.chunk import chunk_document
from rag.config import QUERY_TIME, Config
from rag.dense import Approximate, DenseIndex, train_approximate
from rag.embed import load_encoder
from rag.embed.cache import EmbeddingCache
from rag.errors import IndexFormatError, RagError
from rag.ingest import discover, file_hash, load_documents
from rag.ingest.dedup import original_first, signatures, update_groups
from rag.lexical import LexicalIndex, LexicalSegment
from rag.reader import load_reader
from rag.records import Answer, BuildReport, Chunk, Document, DocumentList, Hit, Skipped, Turn
from rag.retrieve import Passages, Retriever, passage_text
from rag.store import (SEGMENTS, TOKENIZER, Stored, append_segment, check_target, read_manifest, read_slots,
                       segment_name, verify_parts, write_index, writer_lock)
from rag.text import query_terms, terms

logger = logging.getLogger(__name__)

__all__ = ["Index", "build_index", "open_index"]

Progress = Callable[[str, int, int], None]
Sources = str | Path | Iterable[str | Path]


def _as_list(sources: Sources) -> list[Path]:
    if isinstance(sources, (str, Path)):
        return [Path(sources)]
    return [Path(s) for s in sources]


_HISTORY_TURNS = 3  # earlier turns a question is read against

_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _check_day(name: str, value: str | None) -> None:
    if value is None:
        return
    try:
        ok = bool(_ISO_DAY.fullmatch(value)) and bool(datetime.date.fromisoformat(value))
    except ValueError:
        ok = False
    if not ok:
        raise RagError(f"{name}={value!r} is not a date in the form YYYY-MM-DD (for example 2024-01-31)")


def _stamp(folder: Path) -> tuple[int, int] | None:
    """Which manifest file the folder holds now (a swapped-in index has a new one)."""
    try:
        st = (Path(folder) / "manifest.json").stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


def _check_sources_exist(roots: Sequence[Path]) -> None:
    """At least one source must exist; the missing ones are reported with the skipped files."""
    if roots and not any(Path(r).expanduser().exists() for r in roots):
        names = ", ".join(str(r) for r in roots)
        raise RagError(f"no such file or folder: {names}; check the path(s) (nothing was written)")


def _under(path: str, roots: Sequence[Path]) -> bool:
    p = Path(path)
    return any(p == r or r in p.parents for r in roots)


class Index:
    """An open index: documents, passages, BM25 and FAISS parts and the encoder, loaded once."""

    def __init__(self, folder: Path, manifest: dict, documents: Sequence[Document | None], rows: np.ndarray,
                 lexical: LexicalIndex, dense: DenseIndex, config: Config) -> None:
        """``documents`` by slot (None: deleted), ``rows`` (document slot, start, end) by passage slot."""
        self.folder = Path(folder)
        self.manifest = manifest
        self.config = config
        self._stamp = _stamp(self.folder)
        self._slots: list[Document | None] = list(documents)
        self._by_path = {d.path: i for i, d in enumerate(self._slots) if d is not None}
        passages = Passages(self._slots, rows)
        encoder = load_encoder(config.model, config.query_prompt, config.passage_prompt, config.threads,
                               config.int8_queries)
        self._reader = (load_reader(config.reader_weights or None, config.reader_int8)
                        if config.reader == "model" else None)
        if self._reader is not None and self._reader.model.settings.base == config.model:
            # one vocabulary table in memory for retrieval and reading (the reader's base is this model)
            self._reader.share_embeddings(encoder.word_embeddings())
        group_of = {}
        for group in manifest.get("duplicate_groups", []):
            ids = [self._by_path[p] for p in group if p in self._by_path]
            if len(ids) < 2:
                continue
            rep = ids[original_first([self._slots[i] for i in ids])[0]]  # the copy cited
            for i in ids:
                group_of[i] = rep
        self._retriever = Retriever(self._slots, passages, lexical, dense, encoder,
                                    config.dense_weight, config.candidates, group_of,
                                    _remote(config, manifest) if config.store == "milvus" else None)

    @property
    def documents(self) -> tuple[Document, ...]:
        """The indexed documents (in slot order)."""
        return tuple(d for d in self._slots if d is not None)

    @property
    def chunks(self) -> list[Chunk]:
        """The indexed passages (``chunk.doc_id`` is the document's slot)."""
        return self._retriever.chunks.live_chunks()

    # ----------------------------------------------------------------- reading
    def __len__(self) -> int:
        return len(self._by_path)

    def document(self, path: str | Path) -> Document:
        """The cleaned document indexed from ``path`` (absolute, as in citations)."""
        key = str(Path(path).absolute())
        if key not in self._by_path:
            raise RagError(f"{path} is not in the index at {self.folder}; add it with `rag update {path}`")
        return self._slots[self._by_path[key]]

    def list_documents(self, query: str = "", *, offset: int = 0, limit: int = 20) -> DocumentList:
        """A page of the indexed documents, newest first, for the archive's list.

        ``query`` keeps documents whose title, file path, source, site or author contains it
        (case-insensitive; simplified and traditional forms of a word match alike).

        Example:
            >>> page = index.list_documents("巡视", limit=10)     # doctest: +SKIP
            >>> page.total, page.items[0].title                   # doctest: +SKIP
        """
        live = self._retriever.chunks.live
        counts = np.bincount(self._retriever.chunks.doc_ids[live], minlength=len(self._slots))
        docs = [(d, int(counts[i])) for i, d in enumerate(self._slots) if d is not None]
        return list_documents([d for d, _ in docs], [n for _, n in docs], self.manifest, query,
                              offset=offset, limit=limit)

    def sources(self) -> list[str]:
        """Distinct source names (来源) and, for articles without one, sites, sorted; what the cards show."""
        return sorted({d.source or d.site for d in self.documents if d.source or d.site})

    def stats(self) -> dict:
        """Counts for people: documents, passages, repost groups, last update."""
        return {
            "documents": len(self),
            "chunks": int(self._retriever.chunks.live.sum()),
            "duplicate_groups": len(self.manifest.get("duplicate_groups", [])),
            "updated": self.manifest.get("written"),
            "model": self.manifest.get("model", {}).get("name"),
            "folder": str(self.folder),
        }

    def _mask(self, date_from: str | None, date_to: str | None, sources: Sequence[str] | None,
              exclude: Sequence[str | Path] = ()) -> np.ndarray | None:
        _check_day("date_from", date_from)
        _check_day("date_to", date_to)
        if not (date_from or date_to or sources or exclude):
            return None
        wanted = set(sources or [])
        mask = np.array([d is not None for d in self._slots], dtype=bool)
        for p in exclude:
            i = self._by_path.get(str(Path(p).absolute()))
            if i is not None:
                mask[i] = False
        for i, d in enumerate(self._slots):
            if d is None:
                continue
            day = (d.date or "")[:10]
            if date_from and (not day or day < date_from):
                mask[i] = False
            if date_to and (not day or day > date_to):
                mask[i] = False
            if wanted and (d.source or d.site) not in wanted:
                mask[i] = False
        return mask

    def _expr(self, date_from: str | None, date_to: str | None, sources: Sequence[str] | None,
              exclude: Sequence[str | Path]) -> str:
        """The filters as a Milvus expression (Milvus backend; "" otherwise)."""
        if self._retriever.remote is None:
            return ""
        from rag.milvus import MilvusPassages

        docs = [self._by_path[k] for k in (str(Path(p).absolute()) for p in exclude) if k in self._by_path]
        return MilvusPassages.expression(date_from, date_to, list(sources or []), docs)

    def search(self, query: str, k: int = 5, *, date_from: str | None = None, date_to: str | None = None,
               sources: Sequence[str] | None = None, exclude: Sequence[str | Path] = ()) -> list[Hit]:
        """The ``k`` best documents for ``query``, one Hit (its best passage) each, best first.

        ``date_from``/``date_to`` (ISO dates, inclusive), ``sources`` and ``exclude``
        (paths of documents to leave out) narrow retrieval itself.
        """
        if k < 1:
            raise RagError(f"k={k} must be at least 1")
        if not query.strip():
            return []
        scored = self._retriever.score_passages(query, allowed=self._mask(date_from, date_to, sources, exclude),
                                                remote_filter=self._expr(date_from, date_to, sources, exclude))
        return self._retriever.hits(scored, k)

    def ask(self, question: str, *, history: Sequence[str | Turn] = (), date_from: str | None = None,
            date_to: str | None = None, sources: Sequence[str] | None = None,
            exclude: Sequence[str | Path] = ()) -> Answer:
        """An extractive answer: the sentence that answers ``question``, with its citation.

        ``history`` holds the earlier turns of a conversation, oldest first: ``Turn`` records
        (``Turn.of(answer)``), or bare earlier questions, which are answered again here to learn
        what was said. A follow-up (他还说了什么？ 那北京呢？) is read against them; see
        ``rag.conversation``.
        """
        if not question.strip():
            return Answer(question=question, found=False, text="", message="Type a question.")
        allowed = self._mask(date_from, date_to, sources, exclude)
        if not self._retriever.chunks.live.any():
            return Answer(question=question, found=False, text="",
                          message="The archive is empty: add files with `rag update`.")
        if allowed is not None and not allowed.any():
            return Answer(question=question, found=False, text="",
                          message="No article matches the date range or sources chosen; widen the filters.")
        turns: list[Turn] = []
        for item in list(history)[-_HISTORY_TURNS:]:
            if isinstance(item, Turn):
                turns.append(item)
            else:  # a bare earlier question: what was it answered?
                turns.append(Turn.of(self.ask(str(item), history=turns, date_from=date_from, date_to=date_to,
                                              sources=sources, exclude=exclude)))
        context = resolve(question, turns)
        extra = list(context.terms)
        asked = context.question or question  # the pronoun resolved: 他强调了什么？ -> 张勇强调了什么？
        qvec = self._retriever.encoder.encode_queries([context.query])[0]
        scored = self._retriever.score_passages(asked, allowed=allowed, extra_terms=extra, query_vector=qvec,
                                                remote_filter=self._expr(date_from, date_to, sources, exclude))
        scored = self._lean(scored, context.articles)
        about = self._about(question, scored, extra)
        if about is not None:
            return about
        answer = answer_question(asked, retriever=self._retriever, scored=scored, query_vector=qvec,
                               history_terms=extra, threshold=self.config.answer_threshold,
                               sentence_dense=self.config.sentence_dense,
                               pair_gap=self.config.pair_gap, pair_chars=self.config.pair_chars,
                               reader=self._reader, reader_passages=self.config.reader_passages,
                               reader_weight=self.config.reader_weight,
                               reader_min_margin=self.config.reader_min_margin,
                               avoid=self._spans(context.avoid), repeat=self._spans(context.repeat))
        return answer if asked == question else dataclasses.replace(answer, question=question)

    def _spans(self, spans: Sequence[tuple[str, int, int]]) -> list[tuple[int, int, int]]:
        """(path, start, end) -> (doc_id, start, end), for the documents still indexed."""
        return [(self._by_path[p], a, b) for p, a, b in spans if p in self._by_path]

    def _lean(self, scored: list, articles: Sequence[tuple[str, float]]) -> list:
        """Passages of the articles a conversation is about move up by their bonus."""
        bonus = {self._by_path[p]: b for p, b in articles if p in self._by_path}
        if not bonus:
            return scored
        chunks = self._retriever.chunks
        moved = [dataclasses.replace(s, score=s.score + bonus.get(chunks[s.chunk_index].doc_id, 0.0)) for s in scored]
        return sorted(moved, key=lambda s: -s.score)

    def _about(self, question: str, scored, extra: Sequence[str]) -> Answer | None:
        """A question about the article itself (author, date, source, site, link), answered from
        its metadata when retrieval surely found the article and it records the field."""
        field = asked_field(question)
        hits = self._retriever.hits(scored, 1) if field else []
        if not hits:
            return None
        doc = self.document(hits[0].path)
        topic = query_terms(topic_text(question)) + list(extra)
        cover = term_coverage(topic, f"{doc.title or ''} {hits[0].text}", self._retriever) if topic else 0.0
        answer = answer_about(question, field, doc, hits[0], confidence=round(cover, 4))
        return answer if answer is not None and answer.confidence >= self.config.answer_threshold else None

    def refresh(self) -> bool:
        """Re-open the index if another process (``rag update``, the page) replaced it on disk.

        Costs one ``stat`` when nothing changed; returns whether it re-opened. Until the new
        version is fully loaded, this object keeps answering from the old one.
        """
        if _stamp(self.folder) == self._stamp:
            return False
        fresh = open_index(self.folder, config=self.config)
        self.__dict__.update(fresh.__dict__)
        return True

    # ---------------------------------------------------------------- writing
    def update(self, sources: Sources, *, progress: Progress | None = None) -> BuildReport:
        """Add new and changed files under ``sources``; drop files deleted there.

        Files indexed from other folders stay. Unchanged files are neither re-read
        nor re-embedded. The new index replaces the old one only once it is complete.
        """
        with writer_lock(self.folder):
            new = _build(self.folder, _as_list(sources), self.config, previous=self, progress=progress)
        self.__dict__.update(new.__dict__)
        return new.last_report

    def remove(self, paths: str | Path | Iterable[str | Path], *, delete_files: bool = False) -> BuildReport:
        """Take documents out of the index; their text is never returned again.

        The files stay on disk unless ``delete_files`` is true (then each is deleted only
        after the new index is safely in place). A removed file is not added back by a later
        ``update`` of its folder; naming the file itself in ``update`` adds it again.
        """
        wanted = [str(Path(p).absolute()) for p in _as_list(paths)]
        unknown = [p for p in wanted if p not in self._by_path]
        if unknown:
            raise RagError(f"not in the index at {self.folder}: {', '.join(unknown)}; "
                           "`rag docs` lists what is indexed (nothing was changed)")
        with writer_lock(self.folder):
            new = _build(self.folder, [], self.config, previous=self, progress=None, drop=set(wanted))
        self.__dict__.update(new.__dict__)
        report = new.last_report
        if delete_files:
            for p in wanted:
                try:
                    Path(p).unlink()
                except OSError as exc:  # the index no longer holds it either way
                    report = dataclasses.replace(report, warnings=report.warnings + (
                        Skipped(p, f"removed from the index but the file could not be deleted ({exc.strerror})",
                                fatal=False),))
        return report

    def reread(self, paths: str | Path | Iterable[str | Path], *, progress: Progress | None = None) -> BuildReport:
        """Read indexed files again even if unchanged (e.g. after a cleaner improved) and re-index them."""
        wanted = [Path(p).absolute() for p in _as_list(paths)]
        unknown = [str(p) for p in wanted if str(p) not in self._by_path]
        if unknown:
            raise RagError(f"not in the index at {self.folder}: {', '.join(unknown)}; add it with `rag update`")
        with writer_lock(self.folder):
            new = _build(self.folder, wanted, self.config, previous=self, progress=progress,
                         force={str(p) for p in wanted})
        self.__dict__.update(new.__dict__)
        return new.last_report

    last_report: BuildReport = BuildReport()


@dataclass
class _Plan:
    """What a write changes: previous slots kept and dropped, documents read anew, and the report's lists."""

    keep: list[int]
    dead: list[int]
    new_docs: list[Document]
    excluded: set[str]
    roots: list[str]
    added: list[str]
    updated: list[str]
    removed: list[str]
    unchanged: list[str]
    skipped: list[Skipped]
    warnings: tuple


def _plan(roots: list[Path], config: Config, previous: Index | None, drop: set[str], force: set[str],
          tick) -> _Plan:
    """Find the files under ``roots``, compare their hashes with ``previous`` and read what changed."""
    _check_sources_exist(roots)
    roots_abs = [r.absolute() for r in roots]
    files, skipped = discover(roots, max_files=config.max_files)
    hashes = {}
    for f in files:
        try:
            hashes[f] = file_hash(f)
        except OSError as exc:
            skipped.append(Skipped(str(f), f"cannot read ({exc.strerror}); check its permissions"))
    files = [f for f in files if f in hashes]
    # Files the user removed stay out of folder updates; naming one file itself brings it back.
    named = {str(r) for r in roots_abs if r.is_file()}
    excluded = (set(previous.manifest.get("excluded", [])) if previous else set()) - named | drop
    files = [f for f in files if str(f.absolute()) not in excluded]

    old_docs = previous._by_path if previous else {}
    keep, dead, unchanged, updated, removed, to_read = [], [], [], [], [], []
    current = {str(f) for f in files}
    for path, slot in old_docs.items():
        doc = previous._slots[slot]
        if path in drop:
            removed.append(path)
            dead.append(slot)
        elif path in current:
            if doc.content_hash == hashes[Path(path)] and path not in force:
                keep.append(slot)
                unchanged.append(path)
            else:
                updated.append(path)
                to_read.append(Path(path))
        elif _under(path, roots_abs) and not Path(path).exists():
            removed.append(path)
            dead.append(slot)
        else:
            keep.append(slot)  # indexed from another folder, or still there but unreadable now
    added = [f for f in files if str(f) not in old_docs]
    to_read.extend(added)
    loaded = load_documents(to_read, max_file_bytes=config.max_file_bytes, hashes=hashes, progress=tick("read"))
    failed = {s.path for s in loaded.skipped}
    for path in updated:  # a changed file that can no longer be read keeps its previous version
        (keep if path in failed else dead).append(old_docs[path])
    return _Plan(
        keep=sorted(keep), dead=sorted(dead), new_docs=sorted(loaded.documents, key=lambda d: d.path),
        excluded=excluded,
        roots=sorted({str(r) for r in roots_abs} | set(previous.manifest.get("roots", []) if previous else [])),
        added=[str(f) for f in added if str(f) not in failed], updated=[p for p in updated if p not in failed],
        removed=removed, unchanged=unchanged, skipped=list(skipped) + list(loaded.skipped), warnings=loaded.warnings)


_MAX_SEGMENTS = 16  # an update that would make more rewrites the index as one segment
_MAX_DEAD = 0.3  # ... as does one after which more than this share of passage slots is deleted


def _build(folder: Path, roots: list[Path], config: Config, *, previous: Index | None,
           progress: Progress | None, drop: set[str] = frozenset(), force: set[str] = frozenset(),
           full: bool = False) -> Index:
    """Write the index of ``previous``'s documents plus what ``roots`` hold now.

    ``drop``: indexed paths to take out (and keep out of later updates of their folder);
    ``force``: indexed paths to read again although unchanged. With a ``previous`` index the
    change is written as one new segment (only the changed files are chunked, embedded and
    indexed); a first build, ``full``, or an index grown fragmented is written whole.
    """
    t0 = time.perf_counter()
    check_target(folder)  # before any work: never replace what is not an index
    tick = (lambda stage: (lambda done, total: progress(stage, done, total))) if progress else (lambda stage: None)
    plan = _plan(roots, config, previous, set(drop), set(force), tick)
    # the same arguments as Index() uses, so the cached encoder is loaded (and quantised) once per process
    encoder = load_encoder(config.model, config.query_prompt, config.passage_prompt, config.threads,
                           config.int8_queries)
    if (previous is not None and not full and not plan.new_docs and not plan.dead
            and sorted(plan.excluded) == previous.manifest.get("excluded", [])
            and plan.roots == previous.manifest.get("roots", [])):
        return _reported(previous, plan, t0)  # nothing changed: nothing is written
    if previous is not None and not full:
        slots_after = previous._retriever.chunks.live.size
        dead_after = int((~previous._retriever.chunks.live).sum()) + sum(
            len(previous._retriever.chunks.of_document(i)) for i in plan.dead)
        fragmented = (len(previous.manifest.get("segments", [])) + 1 > _MAX_SEGMENTS
                      or dead_after > _MAX_DEAD * max(1, slots_after))
        if not fragmented:
            index = _append(folder, config, previous, plan, encoder, tick)
            return _reported(index, plan, t0)
    index = _write_whole(folder, config, previous, plan, encoder, tick)
    return _reported(index, plan, t0)


def _reported(index: Index, plan: _Plan, t0: float) -> Index:
    groups = tuple(tuple(g) for g in index.manifest.get("duplicate_groups", []))
    index.last_report = BuildReport(
        added=tuple(plan.added), updated=tuple(plan.updated), removed=tuple(plan.removed),
        unchanged=tuple(plan.unchanged), skipped=tuple(plan.skipped), warnings=plan.warnings,
        documents=len(index), chunks=int(index._retriever.chunks.live.sum()), duplicate_groups=groups,
        seconds=time.perf_counter() - t0)
    return index


def _chunks_of(docs: Sequence[Document], first_slot: int, config: Config) -> list[Chunk]:
    out: list[Chunk] = []
    for i, doc in enumerate(docs):
        out.extend(chunk_document(doc, first_slot + i, chunk_chars=config.chunk_chars, overlap=config.chunk_overlap))
    return out


def _vectors(folder: Path, config: Config, encoder, docs_by_slot, chunks: Sequence[Chunk],
             reuse: dict[tuple[str, int, int], int], previous: Index | None, tick) -> np.ndarray:
    """Vectors of ``chunks``: taken from ``previous`` where the same passage of the same text is
    indexed there (``reuse``: key -> previous slot), from an interrupted build's cache, or embedded."""
    texts = [passage_text(docs_by_slot(c.doc_id), c) for c in chunks]
    vectors = np.zeros((len(chunks), encoder.dim), dtype=np.float32)
    todo, found, found_at = [], [], []
    for i, c in enumerate(chunks):
        d = docs_by_slot(c.doc_id)
        slot = reuse.get((d.content_hash + (d.title or ""), c.start, c.end))
        if slot is not None:
            found.append(i)
            found_at.append(slot)
        else:
            todo.append(i)
    if found:
        vectors[found] = previous._retriever.dense.rows(found_at)
    cache = EmbeddingCache(folder, config.model + (":int8" if config.int8_passages else ""), encoder.dim)
    if todo:
        # Identical passages (a repeated footer sentence, a file pasted twice) are embedded once.
        unique = list(dict.fromkeys(texts[i] for i in todo))
        at = {t: n for n, t in enumerate(unique)}
        vectors[todo] = _embed(unique, encoder, cache, config.batch_size, tick("embed"), config.int8_passages)[
            [at[texts[i]] for i in todo]]
    return vectors


def _reusable(previous: Index | None, slots: Sequence[int]) -> dict[tuple[str, int, int], int]:
    """(content hash + title, start, end) -> passage slot, for the passages of ``slots``' documents
    (vectors an index already holds for the same text)."""
    if previous is None or not len(slots):
        return {}
    rows = previous._retriever.chunks.rows
    out = {}
    for p in np.flatnonzero(np.isin(rows[:, 0], list(slots))):
        d = previous._slots[int(rows[p, 0])]
        out[(d.content_hash + (d.title or ""), int(rows[p, 1]), int(rows[p, 2]))] = int(p)
    return out


def _prior_manifest(folder: Path) -> dict:
    """The manifest of the index a build replaces ({} if none or unreadable)."""
    try:
        return json.loads((Path(folder) / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _milvus_record(config: Config, folder: Path, generation: int) -> dict:
    """Where an index's passages live in Milvus (kept in its manifest)."""
    import re

    uri = config.milvus_uri
    if "://" not in uri:
        uri = str(Path(uri).expanduser().absolute())  # a Milvus Lite file, wherever the index is opened from
    prefix = config.milvus_collection or "rag_" + re.sub(r"\W", "_", Path(folder).absolute().name, flags=re.ASCII)
    return {"uri": uri, "collection": f"{prefix}_g{generation}", "analyzer": config.milvus_analyzer}


def _remote(config: Config, manifest: dict):
    """The Milvus collection an index searches (the address recorded at build time; the token from ``config``)."""
    from rag.milvus import MilvusPassages, connect

    record = manifest.get("milvus") or {}
    uri = record.get("uri") or config.milvus_uri
    return MilvusPassages(connect(uri, config.milvus_token), record.get("collection", ""),
                          analyzer=record.get("analyzer", config.milvus_analyzer))


def _signatures(index: Index) -> np.ndarray:
    """MinHash signatures of every document slot of ``index`` (from its segments)."""
    parts = [np.load(index.folder / SEGMENTS / seg["name"] / "minhash.npy", mmap_mode="r", allow_pickle=False)
             for seg in index.manifest.get("segments", [])]
    return np.concatenate(parts) if parts else np.zeros((0, 128), np.uint64)


def _manifest(config: Config, encoder, plan: _Plan, documents: Sequence[Document | None], chunks: int,
              groups: list[list[str]], dense: dict, generation: int = 1) -> dict:
    live = [d for d in documents if d is not None]
    return {
        "model": {"name": config.model, "dim": encoder.dim},
        "tokenizer": TOKENIZER,
        "config": config.to_dict(),
        "counts": {"documents": len(live), "chunks": chunks},
        "files": {d.path: d.content_hash for d in live},
        "duplicate_groups": groups,
        "excluded": sorted(plan.excluded),
        "roots": plan.roots,
        "dense": dense,
        "generation": generation,
    }


def _approximate_for(vectors: np.ndarray, config: Config, tick=None):
    """An approximate index over ``vectors`` (slots 0..n-1) when there are more than the exact limit."""
    if len(vectors) <= config.exact_limit:
        return None
    nlist = config.ann_lists or int(min(65536, max(64, 4 * np.sqrt(len(vectors)))))
    ann = train_approximate(vectors, nlist=nlist, nprobe=config.ann_probes)
    for b in range(0, len(vectors), 65536):
        ann.add(vectors[b:b + 65536], b)
    return ann


def _write_whole(folder: Path, config: Config, previous: Index | None, plan: _Plan, encoder, tick) -> Index:
    """One segment holding every live document, swapped in place of the folder."""
    kept = [previous._slots[i] for i in plan.keep] if previous else []
    documents = sorted(kept + plan.new_docs, key=lambda d: d.path)
    chunks = _chunks_of(documents, 0, config)
    vectors = _vectors(folder, config, encoder, documents.__getitem__, chunks, _reusable(previous, plan.keep),
                       previous, tick)
    texts = [passage_text(documents[c.doc_id], c) for c in chunks]
    lexical = LexicalIndex.build((terms(t) for t in texts), k1=config.bm25_k1, b=config.bm25_b)
    old_sig = {}
    if previous is not None and plan.keep:
        sig = _signatures(previous)
        old_sig = {previous._slots[i].path: sig[i] for i in plan.keep}
    sigs = np.zeros((len(documents), 128), dtype=np.uint64)
    fresh = [i for i, d in enumerate(documents) if d.path not in old_sig]
    for i, d in enumerate(documents):
        if d.path in old_sig:
            sigs[i] = old_sig[d.path]
    if fresh:
        sigs[fresh] = signatures([documents[i].text for i in fresh])
    groups = update_groups(sigs, np.ones(len(documents), dtype=bool), [], range(len(documents)))
    ann = _approximate_for(vectors, config, tick)
    dense_info = {"kind": "exact"} if ann is None else {"kind": "ivf-sq8", "file": "dense/ann-000001.faiss",
                                                        "lists": int(ann.index.nlist)}
    prior = previous.manifest if previous else _prior_manifest(folder)  # a rebuild over an index: its successor
    generation = prior.get("generation", 1) + 1 if prior else 1
    manifest = _manifest(config, encoder, plan, documents, len(chunks),
                         [[documents[i].path for i in g] for g in groups], dense_info, generation)
    seg = segment_name(1)
    remote = None
    if config.store == "milvus":  # a new collection, switched to with the folder, the old one dropped after
        manifest["milvus"] = _milvus_record(config, folder, generation)
        remote = _remote(config, manifest)
        remote.create(encoder.dim, k1=config.bm25_k1, b=config.bm25_b)
        remote.add(0, [documents[c.doc_id] for c in chunks], [c.doc_id for c in chunks], texts,
                   (terms(t) for t in texts), vectors)

    def save_parts(tmp: Path) -> None:
        lexical.segments[0].save(tmp / SEGMENTS / seg / "bm25")
        np.save(tmp / SEGMENTS / seg / "vectors.npy", vectors, allow_pickle=False)
        np.save(tmp / SEGMENTS / seg / "minhash.npy", sigs, allow_pickle=False)
        if ann is not None:
            (tmp / "dense").mkdir()
            ann.save(tmp / dense_info["file"])

    try:
        write_index(folder, manifest=manifest, documents=documents, chunks=chunks, save_parts=save_parts)
    except BaseException:
        if remote is not None:
            remote.drop()
        raise
    EmbeddingCache(folder, config.model, encoder.dim).clear()  # the vectors are in the index now
    old = (prior.get("milvus") or {}).get("collection") if prior else None
    if old and old != (manifest.get("milvus") or {}).get("collection"):
        try:
            _remote(config, prior).drop()
        except RagError as exc:
            logger.warning("could not drop the replaced Milvus collection %s: %s", old, exc)
    return open_index(folder, config=config)


def _append(folder: Path, config: Config, previous: Index, plan: _Plan, encoder, tick) -> Index:
    """The change as one new segment: only the new documents are chunked, embedded and indexed."""
    slots = list(previous._slots)
    first_doc = len(slots)
    docs = plan.new_docs
    chunks = _chunks_of(docs, first_doc, config)
    all_docs = slots + list(docs)
    for i in plan.dead:
        all_docs[i] = None
    vectors = _vectors(folder, config, encoder, all_docs.__getitem__, chunks,
                       _reusable(previous, plan.dead), previous, tick)
    dead_passages = np.flatnonzero(np.isin(previous._retriever.chunks.doc_ids, plan.dead)).tolist()
    texts = [passage_text(all_docs[c.doc_id], c) for c in chunks]
    lexical, segment = previous._retriever.lexical.extended([terms(t) for t in texts], dead_passages)
    ann = previous._retriever.dense.approximate
    if ann is not None:
        ann = Approximate.load(previous.folder / previous.manifest["dense"]["file"], ann.nprobe)  # a copy to change
    dense = DenseIndex(previous._retriever.dense.parts, previous._retriever.dense.live, ann).extended(
        vectors, dead_passages)
    if dense.approximate is None and int(dense.live.sum()) > config.exact_limit:
        return _write_whole(folder, config, previous, plan, encoder, tick)  # grown past the exact limit
    new_sigs = signatures([d.text for d in docs]) if docs else np.zeros((0, 128), np.uint64)
    sigs = np.concatenate([_signatures(previous), new_sigs])
    live_docs = np.array([d is not None for d in all_docs], dtype=bool)
    old_groups = [[previous._by_path[p] for p in g if p in previous._by_path]
                  for g in previous.manifest.get("duplicate_groups", [])]
    groups = update_groups(sigs, live_docs, old_groups, range(first_doc, len(all_docs)))
    generation = previous.manifest.get("generation", 1) + 1  # names files that replace older ones
    dense_info = dict(previous.manifest.get("dense", {"kind": "exact"}))
    replace = []
    if dense.approximate is not None:
        dense_info["file"] = f"dense/ann-{generation:06d}.faiss"
        replace.append(dense_info["file"])
    manifest = _manifest(config, encoder, plan, all_docs, int(dense.live.sum()),
                         [[all_docs[i].path for i in g] for g in groups], dense_info)
    manifest["deleted"] = sorted(set(previous.manifest.get("deleted", [])) | set(plan.dead))
    manifest["generation"] = generation
    rows = np.array([[c.doc_id, c.start, c.end] for c in chunks], dtype=np.int64).reshape(-1, 3)

    def save_parts(seg: Path, index_folder: Path) -> None:
        segment.save(seg / "bm25")
        np.save(seg / "vectors.npy", vectors, allow_pickle=False)
        np.save(seg / "minhash.npy", new_sigs, allow_pickle=False)
        if dense.approximate is not None:
            (index_folder / "dense").mkdir(exist_ok=True)
            dense.approximate.save(index_folder / dense_info["file"])

    remote = previous._retriever.remote
    if remote is not None:  # rows past the old manifest's slots stay unseen until the manifest names them
        manifest["milvus"] = previous.manifest["milvus"]
        remote.add(len(previous._retriever.chunks), [all_docs[c.doc_id] for c in chunks], [c.doc_id for c in chunks],
                   texts, [terms(t) for t in texts], vectors)
    written = append_segment(folder, manifest=manifest, documents=docs, rows=rows, save_parts=save_parts,
                             replace=replace)
    if remote is not None and dead_passages:
        remote.delete(dead_passages)  # after the switch: readers of the old manifest still find them
    EmbeddingCache(folder, config.model, encoder.dim).clear()
    # the new index from what is in memory already (reading the folder again would cost as much as the archive)
    return Index(folder, written, all_docs, np.concatenate([previous._retriever.chunks.rows, rows]), lexical,
                 dense, config)


_EMBED_BLOCK = 512  # passages embedded between two writes of the embedding cache


def _embed(texts: list[str], encoder, cache: EmbeddingCache, batch_size: int, progress, int8: bool = False) -> np.ndarray:
    """Vectors of ``texts``: those an interrupted earlier build computed come from ``cache``; the rest
    are embedded in blocks, each saved to the cache before the next starts."""
    known = cache.load()
    keys = [cache.key(t) for t in texts]
    out = np.zeros((len(texts), encoder.dim), dtype=np.float32)
    missing = []
    for i, k in enumerate(keys):
        if k in known:
            out[i] = known[k]
        else:
            missing.append(i)
    if len(missing) < len(texts):
        logger.info("embedding cache: %d of %d passages already embedded", len(texts) - len(missing), len(texts))
    done = len(texts) - len(missing)
    for b in range(0, len(missing), _EMBED_BLOCK):
        block = missing[b : b + _EMBED_BLOCK]
        at = done + b

        def tick(n: int, total: int, at: int = at) -> None:
            if progress:
                progress(at + n, len(texts))

        out[block] = encoder.encode_passages([texts[i] for i in block], batch_size=batch_size, progress=tick,
                                             **({"int8": True} if int8 else {}))
        cache.add([keys[i] for i in block], out[block])
    return out


def build_index(sources: Sources, folder: str | Path, *, config: Config | None = None,
                progress: Progress | None = None) -> Index:
    """Build a new index from files and folders and write it to ``folder``.

    Args:
        sources: a folder, a file, or a list of them.
        folder: where the index is written (an existing index there is replaced
            only once the new one is complete).
        config: settings; defaults to ``Config()``.
        progress: optional ``progress(stage, done, total)`` callback.

    Returns:
        The open Index; ``index.last_report`` says what was indexed and skipped.
    """
    check_target(Path(folder))  # before the lock file is made beside it
    with writer_lock(Path(folder)):
        return _build(Path(folder), _as_list(sources), config or Config(), previous=None, progress=progress)


def open_index(folder: str | Path, *, config: Config | None = None) -> Index:
    """Open an index folder written by :func:`build_index`.

    The model, tokenizer and chunking recorded in the manifest are used; an index
    built by another model or format is refused with a message saying what to do.
    """
    folder = Path(folder)
    stored = read_manifest(folder)
    verify_parts(folder, stored)
    stored = Stored(stored, (), (), folder)
    built = Config.from_dict(stored.manifest.get("config", {}))
    if config is not None and config.model != built.model:
        raise IndexFormatError(
            f"{folder} was built with model {built.model!r}, not {config.model!r}; "
            f"rebuild it with that model (`rag build SRC --index {folder}`) or open it without a model setting"
        )
    if stored.manifest.get("tokenizer") != TOKENIZER:
        raise IndexFormatError(f"{folder} was built with another tokenizer; rebuild it with `rag build`")
    # Build-time settings come from the manifest; query-time ones from ``config``, or from this
    # version's defaults (an index built before the reader existed still gets the reader).
    query = config if config is not None else Config()
    built = built.replace(**{name: getattr(query, name) for name in QUERY_TIME})
    slots = read_slots(folder, stored.manifest)
    try:
        live_docs = np.array([d is not None for d in slots.documents], dtype=bool)
        live = live_docs[slots.rows[:, 0]] if len(slots.rows) else np.zeros(0, dtype=bool)
        lexical = LexicalIndex([LexicalSegment.load(d / "bm25", 0) for d in slots.segments], live,
                               k1=built.bm25_k1, b=built.bm25_b)
        dense_info = stored.manifest.get("dense", {"kind": "exact"})
        ann = (Approximate.load(folder / dense_info["file"], built.ann_probes)
               if dense_info.get("kind") != "exact" else None)
        dense = DenseIndex([DenseIndex.load_part(d / "vectors.npy") for d in slots.segments], live, ann)
    except (OSError, ValueError, RuntimeError) as exc:
        raise IndexFormatError(f"{folder} is damaged ({exc}); rebuild it with `rag build`") from exc
    index = Index(folder, stored.manifest, slots.documents, slots.rows, lexical, dense, built)
    if index._retriever.encoder.dim != stored.manifest["model"]["dim"]:
        raise IndexFormatError(f"{folder}: model dimension differs from the manifest; rebuild it with `rag build`")
    return index
