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
import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from rag.about import answer_about, asked_field, topic_text
from rag.answer import answer_question, term_coverage
from rag.archive import list_documents
from rag.conversation import resolve
from rag.chunk import chunk_document
from rag.config import QUERY_TIME, Config
from rag.dense import DenseIndex
from rag.embed import load_encoder
from rag.embed.cache import EmbeddingCache
from rag.errors import IndexFormatError, RagError
from rag.ingest import discover, file_hash, load_documents
from rag.ingest.dedup import original_first, repost_groups
from rag.lexical import LexicalIndex
from rag.reader import load_reader
from rag.records import Answer, BuildReport, Chunk, Document, DocumentList, Hit, Skipped, Turn
from rag.retrieve import Retriever, passage_text
from rag.store import TOKENIZER, check_target, read_index, read_manifest, write_index, writer_lock
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

    def __init__(self, folder: Path, manifest: dict, documents: Sequence[Document], chunks: Sequence[Chunk],
                 lexical: LexicalIndex, dense: DenseIndex, config: Config) -> None:
        self.folder = Path(folder)
        self.manifest = manifest
        self.config = config
        self._stamp = _stamp(self.folder)
        self.documents: tuple[Document, ...] = tuple(documents)
        self.chunks: tuple[Chunk, ...] = tuple(chunks)
        self._by_path = {d.path: i for i, d in enumerate(self.documents)}
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
            rep = ids[original_first([self.documents[i] for i in ids])[0]]  # the copy cited
            for i in ids:
                group_of[i] = rep
        self._retriever = Retriever(self.documents, self.chunks, lexical, dense, encoder,
                                    config.dense_weight, config.candidates, group_of)

    # ----------------------------------------------------------------- reading
    def __len__(self) -> int:
        return len(self.documents)

    def document(self, path: str | Path) -> Document:
        """The cleaned document indexed from ``path`` (absolute, as in citations)."""
        key = str(Path(path).absolute())
        if key not in self._by_path:
            raise RagError(f"{path} is not in the index at {self.folder}; add it with `rag update {path}`")
        return self.documents[self._by_path[key]]

    def list_documents(self, query: str = "", *, offset: int = 0, limit: int = 20) -> DocumentList:
        """A page of the indexed documents, newest first, for the archive's list.

        ``query`` keeps documents whose title, file path, source, site or author contains it
        (case-insensitive; simplified and traditional forms of a word match alike).

        Example:
            >>> page = index.list_documents("巡视", limit=10)     # doctest: +SKIP
            >>> page.total, page.items[0].title                   # doctest: +SKIP
        """
        return list_documents(self.documents, self.chunks, self.manifest, query, offset=offset, limit=limit)

    def sources(self) -> list[str]:
        """Distinct source names (来源) and, for articles without one, sites, sorted; what the cards show."""
        return sorted({d.source or d.site for d in self.documents if d.source or d.site})

    def stats(self) -> dict:
        """Counts for people: documents, passages, repost groups, last update."""
        return {
            "documents": len(self.documents),
            "chunks": len(self.chunks),
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
        mask = np.ones(len(self.documents), dtype=bool)
        for p in exclude:
            i = self._by_path.get(str(Path(p).absolute()))
            if i is not None:
                mask[i] = False
        for i, d in enumerate(self.documents):
            day = (d.date or "")[:10]
            if date_from and (not day or day < date_from):
                mask[i] = False
            if date_to and (not day or day > date_to):
                mask[i] = False
            if wanted and (d.source or d.site) not in wanted:
                mask[i] = False
        return mask

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
        scored = self._retriever.score_passages(query, allowed=self._mask(date_from, date_to, sources, exclude))
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
        if not self.chunks:
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
        scored = self._retriever.score_passages(asked, allowed=allowed, extra_terms=extra, query_vector=qvec)
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


def _build(folder: Path, roots: list[Path], config: Config, *, previous: Index | None,
           progress: Progress | None, drop: set[str] = frozenset(), force: set[str] = frozenset()) -> Index:
    """Write the index of ``previous``'s documents plus what ``roots`` hold now.

    ``drop``: indexed paths to take out (and keep out of later updates of their folder);
    ``force``: indexed paths to read again although unchanged.
    """
    t0 = time.perf_counter()
    check_target(folder)  # before any work: never replace what is not an index
    _check_sources_exist(roots)
    tick = (lambda stage: (lambda done, total: progress(stage, done, total))) if progress else (lambda stage: None)
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

    old_docs = {d.path: (i, d) for i, d in enumerate(previous.documents)} if previous else {}
    keep: list[Document] = []
    unchanged, updated, removed = [], [], []
    to_read = []
    current = {str(f) for f in files}
    for path, (_, doc) in old_docs.items():
        if path in drop:
            removed.append(path)
        elif path in current:
            if doc.content_hash == hashes[Path(path)] and path not in force:
                keep.append(doc)
                unchanged.append(path)
            else:
                updated.append(path)
                to_read.append(Path(path))
        elif _under(path, roots_abs) and not Path(path).exists():
            removed.append(path)
        else:
            keep.append(doc)  # indexed from another folder, or still there but unreadable now
    added = [f for f in files if str(f) not in old_docs]
    to_read.extend(added)

    loaded = load_documents(to_read, max_file_bytes=config.max_file_bytes, hashes=hashes, progress=tick("read"))
    failed = {s.path for s in loaded.skipped}
    # A changed file that can no longer be read keeps its previous version.
    for path in updated:
        if path in failed:
            keep.append(old_docs[path][1])
    updated = [p for p in updated if p not in failed]
    added_ok = [str(f) for f in added if str(f) not in failed]
    documents = sorted(keep + list(loaded.documents), key=lambda d: d.path)

    # the same arguments as Index() uses, so the cached encoder is loaded (and quantised) once per process
    encoder = load_encoder(config.model, config.query_prompt, config.passage_prompt, config.threads,
                           config.int8_queries)
    old_vectors: dict[tuple[str, int, int], np.ndarray] = {}
    if previous is not None:
        for ci, c in enumerate(previous.chunks):
            d = previous.documents[c.doc_id]
            old_vectors[(d.content_hash + (d.title or ""), c.start, c.end)] = previous._retriever.dense.vectors[ci]
    chunks: list[Chunk] = []
    for doc_id, doc in enumerate(documents):
        chunks.extend(chunk_document(doc, doc_id, chunk_chars=config.chunk_chars, overlap=config.chunk_overlap))
    texts = [passage_text(documents[c.doc_id], c) for c in chunks]
    vectors = np.zeros((len(chunks), encoder.dim), dtype=np.float32)
    todo = []
    for i, c in enumerate(chunks):
        d = documents[c.doc_id]
        v = old_vectors.get((d.content_hash + (d.title or ""), c.start, c.end))
        if v is not None:
            vectors[i] = v
        else:
            todo.append(i)
    cache = EmbeddingCache(folder, config.model, encoder.dim)
    if todo:
        # Identical passages (a repeated footer sentence, a file pasted twice) are embedded once.
        unique = list(dict.fromkeys(texts[i] for i in todo))
        vectors[todo] = _embed(unique, encoder, cache, config.batch_size, tick("embed"))[
            [{t: n for n, t in enumerate(unique)}[texts[i]] for i in todo]]
    lexical = LexicalIndex.build([terms(t) for t in texts], k1=config.bm25_k1, b=config.bm25_b)
    dense = DenseIndex.build(vectors)
    groups = [[documents[i].path for i in g] for g in repost_groups([d.text for d in documents])]

    manifest = {
        "model": {"name": config.model, "dim": encoder.dim},
        "tokenizer": TOKENIZER,
        "config": config.to_dict(),
        "counts": {"documents": len(documents), "chunks": len(chunks)},
        "files": {d.path: d.content_hash for d in documents},
        "duplicate_groups": groups,
        "excluded": sorted(excluded),
        "roots": sorted({str(r) for r in roots_abs} | set(previous.manifest.get("roots", []) if previous else [])),
    }

    def save_parts(tmp: Path) -> None:
        lexical.save(tmp / "bm25")
        dense.save(tmp / "dense")

    write_index(folder, manifest=manifest, documents=documents, chunks=chunks, save_parts=save_parts)
    cache.clear()  # the vectors are in the index now
    index = Index(folder, read_manifest(folder), documents, chunks, lexical, dense, config)
    index.last_report = BuildReport(
        added=tuple(added_ok), updated=tuple(updated), removed=tuple(removed), unchanged=tuple(unchanged),
        skipped=tuple(skipped) + loaded.skipped, warnings=loaded.warnings, documents=len(documents),
        chunks=len(chunks), duplicate_groups=tuple(tuple(g) for g in groups), seconds=time.perf_counter() - t0,
    )
    return index


_EMBED_BLOCK = 512  # passages embedded between two writes of the embedding cache


def _embed(texts: list[str], encoder, cache: EmbeddingCache, batch_size: int, progress) -> np.ndarray:
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

        out[block] = encoder.encode_passages([texts[i] for i in block], batch_size=batch_size, progress=tick)
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
    stored = read_index(folder)
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
    try:
        lexical = LexicalIndex.load(folder / "bm25")
        dense = DenseIndex.load(folder / "dense")
    except (OSError, ValueError, RuntimeError) as exc:
        raise IndexFormatError(f"{folder} is damaged ({exc}); rebuild it with `rag build`") from exc
    index = Index(folder, stored.manifest, stored.documents, stored.chunks, lexical, dense, built)
    if index._retriever.encoder.dim != stored.manifest["model"]["dim"]:
        raise IndexFormatError(f"{folder}: model dimension differs from the manifest; rebuild it with `rag build`")
    return index
