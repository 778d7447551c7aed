"""The records passed between pipeline stages: file -> Document -> Chunk -> Hit -> Answer.

Every record that quotes text carries ``start``/``end`` character offsets into the
cleaned article text (``Document.text``), so ``doc.text[start:end]`` is exactly what
the user sees quoted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

__all__ = [
    "ScanLine",
    "ScanRegion",
    "Document",
    "Chunk",
    "Hit",
    "Citation",
    "ShortAnswer",
    "DateRange",
    "AnswerKind",
    "Alternative",
    "Answer",
    "Skipped",
    "BuildReport",
    "DocumentInfo",
    "DocumentList",
    "Turn",
    "NOT_FOUND_REASONS",
    "NotFoundReason",
]


@dataclass(frozen=True)
class ScanLine:
    """One line of a scanned page as OCR read it, placed in the article.

    Its characters are ``Document.text[start:start + len(conf)]``, verbatim. Positions are in
    ten-thousandths of the page's width (x) and height (y), so a page rendered at any size maps them.
    """

    page: int
    start: int
    box: tuple[int, int, int, int]  # x0, y0, x1, y1
    left: tuple[int, ...]           # each character's left edge
    right: tuple[int, ...]          # ... and right edge
    conf: tuple[int, ...]           # each character's recognition confidence, in percent

    @property
    def end(self) -> int:
        return self.start + len(self.conf)


@dataclass(frozen=True)
class ScanRegion:
    """The scanned page region of a citation, for its card.

    ``image`` is a JPEG of the passage's region with the sentence painted and low-confidence
    characters underlined; empty when it cannot be shown, and ``note`` says why: ``"missing"`` (the
    file is no longer where it was read), ``"changed"`` (update the archive), ``"unreadable"``. ``confidence`` is
    the document's mean OCR confidence (0–1); ``low`` the document offsets of the passage's
    characters read with low confidence.
    """

    page: int
    image: bytes
    confidence: float
    low: tuple[int, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Document:
    """One cleaned article.

    Attributes:
        path: absolute path of the source file.
        title: headline, or None when the file has none that can be told apart.
        date: publish date as ISO ``YYYY-MM-DD`` (with `` HH:MM[:SS]`` when the page gives a time).
        source: the publishing organisation (来源), not the site that reposted it.
        author: 作者, None when absent or anonymous (佚名).
        url: original link (原文链接).
        text: the cleaned article body that is indexed, shown and quoted.
        site: the site the file was scraped from, when the page names it.
        content_hash: sha256 of the file's bytes; an update re-reads a file only when it changes.
        meta_lines: the lines of the file the metadata was read from (发布时间：… 来源：…), as
            they stand there; fields read from HTML tags have no line.
        scan: the OCR-read lines of a scanned file (an image, a PDF page without a text layer),
            in text order; empty for text.
    """

    path: str
    title: str | None
    date: str | None
    source: str | None
    author: str | None
    url: str | None
    text: str
    site: str | None = None
    content_hash: str = ""
    meta_lines: tuple[str, ...] = ()
    scan: tuple[ScanLine, ...] = ()

    @property
    def ocr_confidence(self) -> float | None:
        """The mean recognition confidence of a scanned document's characters (0–1); None for text."""
        n = sum(len(s.conf) for s in self.scan)
        return sum(sum(s.conf) for s in self.scan) / n / 100 if n else None


@dataclass(frozen=True)
class Chunk:
    """A sentence-aligned passage of one document: ``doc.text[start:end] == text``."""

    doc_id: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Hit:
    """One retrieved document with its best passage, best first in a result list."""

    path: str
    title: str | None
    date: str | None
    source: str | None
    url: str | None
    text: str
    start: int
    end: int
    score: float
    also_published: tuple[str, ...] = ()


@dataclass(frozen=True)
class Citation:
    """Where a quoted sentence comes from.

    ``sentence`` is ``document.text[start:end]``; ``passage`` is
    ``document.text[passage_start:passage_end]`` and contains the sentence.
    ``also_published`` names other sources that carried the same story.
    ``field`` is set (``"author"``, ``"date"``, ``"source"``, ``"site"``, ``"url"``) when the
    quote is the article's metadata, not its text: then ``sentence`` and ``passage`` are the
    metadata line (or ``field：value`` when the page's HTML tags gave it) and the offsets are 0.
    ``event_date`` (a timeline's items) is the day the sentence's own date words mean (27日 in an
    article of 2023-08-28: 2023-08-27), ``event_how`` how it was read; ``date`` stays the publication day.
    """

    path: str
    title: str | None
    date: str | None
    source: str | None
    url: str | None
    sentence: str
    start: int
    end: int
    passage: str
    passage_start: int
    passage_end: int
    score: float = 0.0
    also_published: tuple[str, ...] = ()
    site: str | None = None
    field: str | None = None
    event_date: str | None = None
    event_how: str = ""


@dataclass(frozen=True)
class ShortAnswer:
    """The span inside the quoted sentence that answers a when/who/how-many/what question.

    ``by`` names what found it: ``"reader"`` (the trained span reader), ``"rules"``, or
    ``"metadata"`` (a question about the article; then the offsets are into ``Answer.text``).
    """

    text: str
    start: int
    end: int
    by: str = "rules"
    date: str | None = None
    date_how: str = ""


@dataclass(frozen=True)
class DateRange:
    """The publication days a question's date words name (``rag.dates.read_dates``).

    ``start``/``end`` are ISO days, inclusive (None: open on that side, as in 截至8月3日); ``text`` is
    the words as typed and ``span`` their offsets in the question; ``relative`` is true when the words
    are read against ``today`` (上个月, 近三个月) rather than written as calendar dates (2023年8月).
    """

    start: str | None
    end: str | None
    text: str
    span: tuple[int, int] = (0, 0)
    relative: bool = False
    today: str = ""

    def label(self) -> str:
        """'published 2023-08-01 to 2023-08-31' (the page words it in its own language)."""
        if self.start and self.end:
            return f"published {self.start} to {self.end}"
        return f"published from {self.start}" if self.start else f"published up to {self.end}"


@dataclass(frozen=True)
class Alternative:
    """Another report's answer to the same question, when reports of different days disagree
    (a death toll revised, a forecast moved): its quote, short answer and citation."""

    text: str
    short: str
    citation: Citation
    confidence: float = 0.0


# What an answer is: one quoted sentence, or several articles gathered from the index.
AnswerKind = Literal["sentence", "list", "count", "timeline"]


# Why an answer was not found (``Answer.reason``).
NotFoundReason = Literal["empty_question", "empty_archive", "no_match", "not_answered"]


@dataclass(frozen=True)
class Answer:
    """The reply to a question.

    When ``found`` is false, ``text`` is empty, ``citations`` is empty, ``message``
    says why (in English, for the API and the CLI), ``reason`` names that case for a page that
    speaks another language (``NOT_FOUND_REASONS``), and ``related`` holds the closest passages. ``confidence`` is the answer
    stage's scorer applied to ``evidence`` (the values named by ``rag.confidence.FEATURES``:
    term coverage, cosines, retrieval score, the reader's margin); ``rules_confidence`` is
    the part without the reader, ``reader_margin`` the reader's best span's score over
    "no answer here" in logits (None without a reader).

    ``kind`` says what the answer is: ``"sentence"`` (one quote, ``text`` and ``citations``), or
    ``"list"`` / ``"count"`` / ``"timeline"`` (``rag.answer.many``): then ``items`` holds one citation per
    story (reposts once), best first or in date order, ``total`` how many stories match (the count a
    count question asks for) and ``counted`` what was counted, in words a reader can check (English, for
    the CLI and logs); ``words`` and ``published`` are the same in parts (the words every story holds, the
    publication range applied, "" for an open end), which the page writes in its own language.
    ``alternatives`` holds other stories' answers when reports of different days disagree (latest first,
    this answer among them); ``text`` stays the best answer's, the latest report's for 最新/目前/截至 and
    the earliest's for 最初/首次.
    ``dates`` is the publication range read from the question's date words (None: none read, or the
    caller's date_from/date_to were used).
    """

    question: str
    found: bool
    text: str
    citations: tuple[Citation, ...] = ()
    related: tuple[Hit, ...] = ()
    short: ShortAnswer | None = None
    confidence: float = 0.0
    message: str = ""
    rules_confidence: float = 0.0
    reader_margin: float | None = None
    evidence: tuple[float, ...] = ()
    reason: NotFoundReason | Literal[""] = ""
    kind: AnswerKind = "sentence"
    items: tuple[Citation, ...] = ()
    total: int = 0
    counted: str = ""
    words: tuple[str, ...] = ()
    published: tuple[str, str] = ("", "")
    dates: DateRange | None = None
    alternatives: tuple[Alternative, ...] = ()
    archive: str | None = None  # the archive that answered, when a rag.Library was asked


# (ui/i18n.py has each case's words in every page language, keys ``reason_<name>``.)
NOT_FOUND_REASONS: tuple[NotFoundReason, ...] = get_args(NotFoundReason)


@dataclass(frozen=True)
class Skipped:
    """A file that was not indexed (or indexed with a warning), and what to do about it."""

    path: str
    reason: str
    fatal: bool = True


@dataclass(frozen=True)
class BuildReport:
    """What a build or update did, in counts and paths."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[Skipped, ...] = ()
    documents: int = 0
    chunks: int = 0
    duplicate_groups: tuple[tuple[str, ...], ...] = field(default=())
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for people: counts of what changed."""
        return (
            f"{self.documents} documents, {self.chunks} chunks; "
            f"added {len(self.added)}, updated {len(self.updated)}, removed {len(self.removed)}, "
            f"unchanged {len(self.unchanged)}, skipped {len(self.skipped)}, "
            f"duplicate groups {len(self.duplicate_groups)} ({self.seconds:.1f} s)"
        )


@dataclass(frozen=True)
class DocumentInfo:
    """One indexed document as the archive's list shows it (no body text).

    ``group`` numbers the repost group the document belongs to (1-based, as listed by
    ``Index.stats()``/the build report), None when no other file carries the same story.
    """

    path: str
    title: str | None
    date: str | None
    source: str | None
    site: str | None
    author: str | None
    url: str | None
    chars: int
    passages: int
    group: int | None = None


@dataclass(frozen=True)
class DocumentList:
    """A page of the archive's documents: ``items`` from ``offset`` of ``total`` matching ``query``."""

    items: tuple[DocumentInfo, ...]
    total: int
    offset: int
    query: str = ""


@dataclass(frozen=True)
class Turn:
    """One earlier turn of a conversation: the question and, when one was given, the quoted
    answer, where it stands (``path``, ``start``, ``end`` as in its citation) and its short answer
    (``short_start``/``short_end``: offsets into the same document)."""

    question: str
    answer: str = ""
    path: str | None = None
    start: int | None = None
    end: int | None = None
    short: str = ""
    short_start: int | None = None
    short_end: int | None = None

    @classmethod
    def of(cls, answer: Answer) -> Turn:
        """The turn an ``Answer`` makes (its first citation locates the quote)."""
        c = answer.citations[0] if answer.found and answer.citations else None
        short = answer.short.text if answer.found and answer.short else ""
        if c is None or c.field:
            return cls(answer.question, answer.text if answer.found else "", c.path if c else None, short=short)
        if answer.short is not None and answer.short.by != "metadata":
            return cls(answer.question, answer.text, c.path, c.start, c.end, short, answer.short.start,
                       answer.short.end)
        return cls(answer.question, answer.text, c.path, c.start, c.end, short)
