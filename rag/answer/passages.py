"""The passages the answer stage reads: each with its document, rank and sentences, split once."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from rag.answer.question import Question
from rag.answer.tuning import TUNING, Tuning
from rag.reader import Reader, Reading
from rag.records import Chunk, Document
from rag.retrieve import Retriever, Scored
from rag.span.typed import TYPED
from rag.text import fold, load_jieba, split_sentences, terms

__all__ = ["Passage", "Passages", "Ranked", "Sentence", "coverage", "fits", "gather", "rank_sentences", "read",
           "window_coverage"]

# A sentence that is nothing but a bracketed aside (a byline 检察日报社 巩宸宇, a photo credit,
# an editor's note) is never the answer.
ASIDE = re.compile(r"^\s*[（(【\[][^（()）【】\[\]]*[)）】\]]\s*$")


def rescale_cosine(cosine: float) -> float:
    """e5 cosines live in about 0.75 (unrelated) .. 0.95 (same content); map that to 0..1."""
    return min(1.0, max(0.0, (cosine - 0.75) / 0.2))


@dataclass(frozen=True)
class Sentence:
    start: int  # document offsets
    end: int
    text: str
    folded: str


@dataclass(frozen=True)
class Passage:
    """One retrieved passage: ``rank`` 0 is the best; ``relative`` its score over the best one's."""

    rank: int
    scored: Scored
    chunk: Chunk
    doc: Document
    sentences: tuple[Sentence, ...]
    relative: float

    @property
    def doc_id(self) -> int:
        return self.chunk.doc_id

    @property
    def text(self) -> str:
        return self.chunk.text

    @cached_property
    def title_terms(self) -> frozenset[str]:
        return frozenset(terms(self.doc.title or ""))

    def sentence_at(self, start: int, end: int) -> tuple[int, int]:
        """Document offsets of the sentence(s) holding document offsets [start, end)."""
        inside = [(s.start, s.end) for s in self.sentences if s.start < end and s.end > start] or [(start, end)]
        return inside[0][0], inside[-1][1]


def gather(retriever: Retriever, scored: Sequence[Scored], tuning: Tuning = TUNING) -> list[Passage]:
    """The best ``tuning.passages_read`` passages, their sentences split once (asides left out)."""
    top = list(scored[: tuning.passages_read])
    best = max((p.score for p in top), default=1.0) or 1.0
    out = []
    for rank, p in enumerate(top):
        chunk = retriever.chunks[p.chunk_index]
        doc = retriever.documents[chunk.doc_id]
        sentences = tuple(Sentence(s, e, doc.text[s:e], fold(doc.text[s:e]))
                          for s, e in split_sentences(doc.text, chunk.start, chunk.end)
                          if not ASIDE.match(doc.text[s:e]))
        out.append(Passage(rank, p, chunk, doc, sentences, p.score / best))
    return out


def coverage(question: Question, folded_text: str, given: frozenset[str] = frozenset(),
             terms_: Sequence[str] | None = None) -> float:
    """IDF-weighted share of the question's terms (or of ``terms_``, some of them) present in
    ``folded_text`` (or in ``given``)."""
    q = set(question.all_terms if terms_ is None else terms_)
    total = sum(question.idf.get(t, 0.0) for t in q)
    if total <= 0:
        return 0.0
    present = set(terms(folded_text)) | given
    return sum(question.idf.get(t, 0.0) for t in q if t in present) / total


def window_coverage(question: Question, folded_text: str, width: int, given: frozenset[str] = frozenset(),
                    leave_out: frozenset[str] = frozenset()) -> float:
    """Like :func:`coverage`, within the ``width`` characters that hold the most; terms in
    ``leave_out`` do not count at all, those in ``given`` count as present."""
    idf = question.idf
    q = [t for t in set(question.all_terms) if idf.get(t, 0.0) > 0 and t not in leave_out]
    total = sum(idf[t] for t in q)
    if total <= 0:
        return 0.0
    occ = sorted((m.start(), t) for t in q for m in re.finditer(re.escape(t), folded_text))
    base = sum(idf[t] for t in q if t in given)
    best = 0.0
    for i, (p, _) in enumerate(occ):
        seen = set()
        for pos, t in occ[i:]:  # sorted by position: stop at the window's end
            if pos >= p + width:
                break
            if t not in given:
                seen.add(t)
        best = max(best, sum(idf[t] for t in seen))
    return (base + best) / total


@dataclass(frozen=True)
class Ranked:
    passage: Passage
    sentence: Sentence
    score: float
    lexical: float  # the sentence's coverage of the question (whole and window, title words present)


@dataclass(frozen=True)
class Passages(Sequence):
    """The passages read for one question: ``items`` best first, the reader's ``reading`` of the
    first of them (None without a reader), and every sentence ranked against the question."""

    items: tuple[Passage, ...]
    reading: Reading | None
    ranked: tuple[Ranked, ...]
    tuning: Tuning

    def __getitem__(self, i):
        return self.items[i]

    def __len__(self) -> int:
        return len(self.items)

    def best_sentences(self) -> list[tuple[Passage, Sentence, float]]:
        """The ``Tuning.rule_sentences`` best sentences, as (passage, sentence, score)."""
        return [(r.passage, r.sentence, r.score) for r in self.ranked[: self.tuning.rule_sentences]]

    @cached_property
    def sentence_rank(self) -> dict[tuple[int, int], tuple[int, Ranked]]:
        """(doc_id, sentence start) -> (rank, its ranking)."""
        out: dict[tuple[int, int], tuple[int, Ranked]] = {}
        for i, r in enumerate(self.ranked):
            out.setdefault((r.passage.doc_id, r.sentence.start), (i, r))
        return out


_PLACE = re.compile(r"位于|坐落|座落|地处|[省市县区州岛镇村乡]")


def fits(question: Question, folded_text: str) -> bool:
    """Does the text hold the kind of thing asked for (a date, a number, a name, a place)?"""
    if question.kind == "where":
        return bool(_PLACE.search(folded_text))
    pattern = TYPED.get(question.rule_kind or "")
    if pattern is not None:
        return bool(pattern.search(folded_text))
    if question.rule_kind == "who":
        jieba = load_jieba()
        return any(f.startswith("nr") and len(w) >= 2 and w not in question.folded
                   for w, f in jieba.posseg.cut(folded_text))
    return False


def rank_sentences(question: Question, items: Sequence[Passage], tuning: Tuning = TUNING) -> tuple[Ranked, ...]:
    """Every sentence of ``items`` scored against the question, best first: its coverage of the
    question (whole and within a window; the title's words count as present), the passage's
    cosine to the question and its retrieval score, and whether it holds the kind asked."""
    out = []
    for p in items:
        for s in p.sentences:
            lex = 0.5 * coverage(question, s.folded, p.title_terms) + 0.5 * window_coverage(
                question, s.folded, tuning.window_chars, p.title_terms)
            score = (tuning.sentence_lexical * lex + tuning.sentence_dense * rescale_cosine(float(p.scored.dense))
                     + tuning.sentence_passage * p.relative + tuning.sentence_fits * fits(question, s.folded))
            out.append(Ranked(p, s, score, lex))
    out.sort(key=lambda r: -r.score)
    return tuple(out)


def read(question: Question, retriever: Retriever, scored: Sequence[Scored], reader: Reader | None,
         reader_passages: int, *, bf16: bool = False, tuning: Tuning = TUNING) -> Passages:
    """The passages of one question, split, ranked and (the first ``reader_passages``) read."""
    items = gather(retriever, scored, tuning)
    reading = None
    if reader is not None and items:
        reading = reader.reading(question.simplified, [p.text for p in items[:reader_passages]], bf16=bf16,
                                 simplified=True)
    return Passages(tuple(items), reading, rank_sentences(question, items, tuning), tuning)
