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
import functools
import logging
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from rag.answer import Question, Scorer, answer_question, producers, read_question
from rag.answer.frame import timeline_subject
from rag.answer.many import answer_many
from rag.archive import list_documents
from rag.conversation import resolve
from rag.confidence import load_confidence
from rag.build import build
from rag.config import Config
from rag.contents import Contents, Progress, open_contents
from rag.dates import resolve_in_article
from rag.embed import load_encoder
from rag.errors import IndexFormatError, RagError
from rag.ingest.dedup import original_first
from rag.rerank import load_reranker
from rag.span_choice import HAND, load_span_choice
from rag.reader import load_reader
from rag.records import (Alternative, Answer, BuildReport, Chunk, Citation, Document, DocumentList, Hit, ScanRegion,
                         Skipped, Turn)
from rag.retrieve import Retriever
from rag.store import check_target, writer_lock
from rag.text import fold
from rag.threads import openmp_threads, question_threads

logger = logging.getLogger(__name__)

__all__ = ["Index", "build_index", "open_index"]

Sources = str | Path | Iterable[str | Path]


def _as_list(sources: Sources) -> list[Path]:
    if isinstance(sources, (str, Path)):
        return [Path(sources)]
    return [Path(s) for s in sources]


_HISTORY_TURNS = 3  # earlier turns a question is read against
_ALTERNATIVES = 2  # other stories asked when an answer comes from a dated report
_ALTERNATIVE_SHARE = 0.8  # an alternative scores at least this share of the first answer's confidence

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


def _question_threads(openmp: bool):
    """Run a question with BLAS (and, with ``openmp``, torch and FAISS) on ``config.query_threads``
    threads (see :mod:`rag.threads`)."""
    def wrap(method):
        @functools.wraps(method)
        def run(self, *args, **kwargs):
            with question_threads(self.config.query_threads, openmp=openmp):
                return method(self, *args, **kwargs)

        return run

    return wrap


def _stamp(folder: Path) -> tuple[int, int] | None:
    """Which manifest file the folder holds now (a swapped-in index has a new one)."""
    try:
        st = (Path(folder) / "manifest.json").stat()
    except OSError:
        return None
    return st.st_ino, st.st_mtime_ns


class Index:
    """An open index: documents, passages, BM25 and FAISS parts and the encoder, loaded once."""

    def __init__(self, contents: Contents) -> None:
        """Answer from ``contents`` (``rag.contents``: what the index folder holds, open)."""
        self.contents = contents
        self.folder = contents.folder
        self.manifest = contents.manifest
        self.config = config = contents.config
        manifest = contents.manifest
        self._stamp = _stamp(self.folder)
        self._slots = contents.documents
        self._by_path = contents.by_path
        encoder = load_encoder(config.model, config.query_prompt, config.passage_prompt, config.threads,
                               config.int8_queries, config.query_runtime)
        # one vocabulary table and tokenizer in memory for retrieval and reading when the
        # reader's base is the retrieval model (bench/scale.py measures the resident memory)
        self._reader = (load_reader(config.reader_weights or None, config.reader_int8, encoder)
                        if config.reader == "model" else None)
        # the learned confidence weighs the reader's margin: without a reader the blend scores
        self._scorer = (load_confidence(config.confidence_model)
                        if config.confidence == "learned" and self._reader is not None else None)
        group_of = {}
        for group in manifest.get("duplicate_groups", []):
            ids = [self._by_path[p] for p in group if p in self._by_path]
            if len(ids) < 2:
                continue
            rep = ids[original_first([self._slots.meta(i) for i in ids])[0]]  # the copy cited
            for i in ids:
                group_of[i] = rep
        self._span_choice = (HAND if config.span_choice_model == "hand" else load_span_choice(
            None if config.span_choice_model == "fitted" else config.span_choice_model))
        self._answer_scorer = Scorer(self._span_choice, config.reader_min_margin, self._scorer, config.reader_weight)
        self._retriever = Retriever(self._slots, contents.passages, contents.lexical, contents.dense, encoder,
                                    config.dense_weight, config.candidates, group_of, contents.remote,
                                    config.query_threads,
                                    load_reranker(config.rerank_model or None) if config.rerank else None)

    @property
    def documents(self) -> tuple[Document, ...]:
        """The indexed documents (in slot order)."""
        return tuple(self._slots[i] for i in np.flatnonzero(self._slots.live))

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

    def scan_region(self, citation: Citation) -> ScanRegion | None:
        """Where a citation of a scanned document stands on its page: the region's image with the
        sentence painted, the OCR confidence, the low-confidence characters; None for text."""
        from rag.scan_view import scan_region

        key = str(Path(citation.path).absolute())
        if citation.field or key not in self._by_path:
            return None
        doc = self._slots[self._by_path[key]]
        if not doc.scan:
            return None
        return scan_region(doc, citation.start, citation.end, citation.passage_start, citation.passage_end)

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
        docs = [(self._slots.meta(i), int(counts[i])) for i in np.flatnonzero(self._slots.live)]
        return list_documents([d for d, _ in docs], [n for _, n in docs], self.manifest, query,
                              offset=offset, limit=limit)

    def sources(self) -> list[str]:
        """Distinct source names (来源) and, for articles without one, sites, sorted; what the cards show."""
        live = self._slots.live
        names = (s or t for s, t, ok in zip(self._slots.column("source"), self._slots.column("site"), live) if ok)
        return sorted({n for n in names if n})

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
        mask = self._slots.live.copy()
        for p in exclude:
            i = self._by_path.get(str(Path(p).absolute()))
            if i is not None:
                mask[i] = False
        if date_from or date_to or wanted:
            columns = zip(self._slots.column("date"), self._slots.column("source"), self._slots.column("site"))
            for i, (date, source, site) in enumerate(columns):
                day = (date or "")[:10]
                if date_from and (not day or day < date_from):
                    mask[i] = False
                if date_to and (not day or day > date_to):
                    mask[i] = False
                if wanted and (source or site) not in wanted:
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

    @_question_threads(openmp=True)
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

    def timeline_question(self, question: str, citation) -> str:
        """The question a "timeline" action on the card of ``citation`` (an answer to ``question``) asks,
        ``…的经过``: the question's words the cited sentence holds and other reports hold too
        (``rag.answer.frame.timeline_subject``), or "" when no other report shares them.

        >>> index.ask(index.timeline_question(answer.question, answer.citations[0]))   # doctest: +SKIP
        """
        subject = timeline_subject(question, f"{citation.title or ''} {citation.sentence}", self._slots)
        return f"{subject}的经过" if subject else ""

    @_question_threads(openmp=False)  # retrieval below is limited; the reader keeps every thread
    def ask(self, question: str, *, history: Sequence[str | Turn] = (), date_from: str | None = None,
            date_to: str | None = None, sources: Sequence[str] | None = None,
            exclude: Sequence[str | Path] = (), question_dates: bool | None = None) -> Answer:
        return self._answer(question, history=history, date_from=date_from, date_to=date_to, sources=sources,
                            exclude=exclude, question_dates=question_dates, alternatives=True)

    def _differing(self, answer: Answer, read: Question, scored: list, qvec: np.ndarray, context) -> Answer:
        """When other stories answer the question almost as surely and differently (a toll revised, a date
        moved, or a question too vague for the archive: 比赛的比分是多少？), all of them, latest first; the
        best answer stays the answer, except that 最新/目前/截至 questions take the latest report and
        最初/首次 questions the earliest. Only for dated reports (a news archive) with a short answer. The
        others are the answer stage run again on the passages retrieved, each time without the last story."""
        if (not answer.found or answer.short is None or not answer.citations or answer.citations[0].field
                or not answer.citations[0].date):
            return answer
        found = [answer]
        doc_of = self._retriever.chunks.doc_ids
        rest = list(scored)
        for _ in range(_ALTERNATIVES):
            doc_id = self._by_path.get(found[-1].citations[0].path)
            if doc_id is None:
                break
            story = {self._by_path[p] for p in self._retriever.copies(doc_id) if p in self._by_path}
            rest = [s for s in rest if int(doc_of[s.chunk_index]) not in story]
            if not rest:
                break
            other = self._sentence_answer(read, rest, qvec, context)
            if (not other.found or other.short is None or not other.citations or other.citations[0].field
                    or other.confidence < max(self.config.answer_threshold, _ALTERNATIVE_SHARE * answer.confidence)):
                break
            found.append(other)
        shorts = {fold(a.short.text) for a in found}
        if len(found) < 2 or len(shorts) < 2:
            return answer
        found.sort(key=lambda a: (a.citations[0].date or ""), reverse=True)
        # the best answer stays the answer (other stories may be other events); 最新 / 最初 choose by day
        pick = found[-1] if read.first else found[0] if read.latest else answer
        alternatives = tuple(Alternative(a.text, a.short.text, a.citations[0], a.confidence) for a in found)
        return dataclasses.replace(pick, alternatives=alternatives, message=pick.message or answer.message)

    def _sentence_answer(self, read: Question, scored: list, qvec: np.ndarray, context) -> Answer:
        """The answer stage over ``scored`` (``rag.answer.answer_question``), a when-answer's date resolved."""
        answer = answer_question(read, retriever=self._retriever, scored=scored, query_vector=qvec,
                                 scorer=self._answer_scorer, threshold=self.config.answer_threshold,
                                 sentence_dense=self.config.sentence_dense, pair_gap=self.config.pair_gap,
                                 pair_chars=self.config.pair_chars, reader=self._reader,
                                 reader_passages=self.config.reader_passages,
                                 avoid=self._spans(context.avoid), repeat=self._spans(context.repeat),
                                 bf16=self.config.bf16_answers, sentence_int8=self.config.int8_passages)
        return self._dated(answer, read)

    def _answer(self, question: str, *, history: Sequence[str | Turn] = (), date_from: str | None = None,
                date_to: str | None = None, sources: Sequence[str] | None = None,
                exclude: Sequence[str | Path] = (), question_dates: bool | None = None,
                alternatives: bool = False) -> Answer:
        """An extractive answer: the sentence that answers ``question``, with its citation.

        Date words in the question (去年8月, 上个月, 近三个月) filter on publication dates, read against
        ``Config.today`` (``Answer.dates``); ``question_dates=False`` (or explicit ``date_from``/``date_to``)
        keeps them as words. A question asking for several reports (有哪些报道, 多少篇, 经过) gets a list,
        count or timeline answer gathered from the index by the "articles" producer (``Answer.kind``,
        ``Answer.items``; rag.answer.many).

        ``history`` holds the earlier turns of a conversation, oldest first: ``Turn`` records
        (``Turn.of(answer)``), or bare earlier questions, which are answered again here to learn
        what was said. A follow-up (他还说了什么？ 那北京呢？) is read against them; see
        ``rag.conversation``. ``alternatives``: other stories' answers too, where they differ
        (``Answer.alternatives``; not for the earlier turns answered again).
        """
        if not question.strip():
            return Answer(question=question, found=False, text="", message="Type a question.",
                          reason="empty_question")
        if question_dates is None:
            question_dates = self.config.question_dates
        read = read_question(question, (), self._retriever.lexical.idf, today=self.config.today or None,
                             question_dates=question_dates and date_from is None and date_to is None)
        dates = read.date_filter
        if dates is not None:
            date_from, date_to = dates.start, dates.end
        allowed = self._mask(date_from, date_to, sources, exclude)
        if not self._retriever.chunks.live.any():
            return Answer(question=read.asked, found=False, text="",
                          message="The archive is empty: add files with `rag update`.", reason="empty_archive")
        if read.frame is not None:
            stories = producers.articles.candidates(read, documents=self._slots, retriever=self._retriever,
                                                    allowed=allowed)
            return answer_many(read, stories, scorer=self._answer_scorer, retriever=self._retriever,
                               limit=self.config.list_items, date_from=date_from, date_to=date_to)
        note = ""
        if dates is not None and allowed is not None and not allowed.any():
            # a one-sentence question: say so and answer from the whole archive rather than not at all
            note = (f"No article was {dates.label()} (read from {dates.text!r} against {dates.today}); "
                    "answered from the whole archive.")
            read = read.unfiltered(self._retriever.lexical.idf)  # the date words are words to match again
            dates, date_from, date_to = None, None, None
            allowed = self._mask(None, None, sources, exclude)
        if allowed is not None and not allowed.any():
            return Answer(question=read.asked, found=False, text="",
                          message="No article matches the date range or sources chosen; widen the filters.",
                          reason="no_match")
        turns: list[Turn] = []
        for item in list(history)[-_HISTORY_TURNS:]:
            if isinstance(item, Turn):
                turns.append(item)
            else:  # a bare earlier question: what was it answered?
                turns.append(Turn.of(self._answer(str(item), history=turns, date_from=date_from, date_to=date_to,
                                                 sources=sources, exclude=exclude)))
        context = resolve(read, turns)
        extra = list(context.terms)
        # the pronoun resolved: 他强调了什么？ -> 张勇强调了什么？ (everything below takes this reading)
        read = read.resolved(context.question or read.text, extra, self._retriever.lexical.idf)
        qvec = self._retriever.embed_query(context.query)  # on a worker thread, while BM25 scores here
        with openmp_threads(self.config.query_threads):
            scored = self._retriever.score_passages(read, allowed=allowed, extra_terms=extra, query_vector=qvec,
                                                    remote_filter=self._expr(date_from, date_to, sources, exclude))
        qvec = qvec.result()
        scored = self._lean(scored, context.articles)
        answer = self._sentence_answer(read, scored, qvec, context)
        if alternatives:
            answer = self._differing(answer, read, scored, qvec, context)
        answer = dataclasses.replace(answer, question=read.asked, dates=dates,
                                     message=" ".join(m for m in (answer.message, note) if m))
        return answer

    def _dated(self, answer: Answer, question: Question) -> Answer:
        """A when-question's short answer with the absolute date its words mean (27日晚 -> 2023-08-27)."""
        short = answer.short
        if not answer.found or short is None or short.by == "metadata" or question.kind != "when":
            return answer
        doc_id = self._by_path.get(answer.citations[0].path) if answer.citations else None
        if doc_id is None:
            return answer
        doc = self._slots[doc_id]
        when = resolve_in_article(doc.text, short.start, short.end, doc.date)
        if when is None:
            return answer
        return dataclasses.replace(answer, short=dataclasses.replace(short, date=when.value, date_how=when.how))

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
            self._become(*build(self.folder, _as_list(sources), self.config, previous=self.contents,
                                progress=progress))
        return self.last_report

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
            self._become(*build(self.folder, [], self.config, previous=self.contents, progress=None,
                                drop=set(wanted)))
        report = self.last_report
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
            self._become(*build(self.folder, wanted, self.config, previous=self.contents, progress=progress,
                                force={str(p) for p in wanted}))
        return self.last_report

    def _become(self, contents: Contents, report: BuildReport) -> None:
        """Answer from the version a write made (the same object: callers keep their reference)."""
        fresh = self if contents is self.contents else Index(contents)
        self.__dict__.update(fresh.__dict__)
        self.last_report = report

    last_report: BuildReport = BuildReport()


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
        contents, report = build(Path(folder), _as_list(sources), config or Config(), previous=None, progress=progress)
    index = Index(contents)
    index.last_report = report
    return index


def open_index(folder: str | Path, *, config: Config | None = None) -> Index:
    """Open an index folder written by :func:`build_index`.

    The model, tokenizer and chunking recorded in the manifest are used; an index
    built by another model or format is refused with a message saying what to do.
    """
    index = Index(open_contents(folder, config=config))
    manifest = index.manifest
    if index._retriever.encoder.dim != manifest["model"]["dim"]:
        raise IndexFormatError(f"{folder}: model dimension differs from the manifest; rebuild it with `rag build`")
    return index
