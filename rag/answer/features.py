"""The features the scorer weighs, the same for every candidate whichever producer proposed it.

``FEATURES`` names them in the order of the scorer's weights. Producers that proposed the same
span are merged first (``merge``): their agreement is itself evidence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from rag.answer.candidate import Candidate
from rag.answer.passages import Passages, coverage, fits, rescale_cosine, window_coverage
from rag.answer.question import Question
from rag.answer.tuning import TUNING, Tuning

__all__ = ["FEATURES", "PRODUCER_NAMES", "describe", "merge"]

PRODUCER_NAMES = ("reader", "rules", "typed", "names", "gap", "sentence")

FEATURES = (
    *(f"by_{p}" for p in PRODUCER_NAMES),  # 1 when that producer proposed the span
    "producers",  # how many did
    "reader_span",  # the reader's score of this span over its window's "no answer" (logits, clipped)
    "reader_gap",  # ... minus the best span's: 0 for the reader's own best
    "reader_best",  # the reader's best span over "no answer": how sure it is there is an answer at all
    "reader_unread",  # 1 when the reader did not read the span's passage
    "retrieval",  # the passage's fused retrieval score relative to the best passage's
    "passage_rank",  # log(1 + rank)
    "passage_cosine",  # question . passage (e5), rescaled
    "passage_coverage",  # IDF-weighted share of the question's terms in the passage
    "title_coverage",  # ... in the article's title
    "sentence_coverage",  # ... in the span's sentence (title words present)
    "window_coverage",  # ... within a short window of the sentence (title words left out)
    "near_coverage",  # ... within a short window around the span itself
    "sentence_rank",  # log(1 + rank of the span's sentence among all sentences read)
    "sentence_score",  # that ranking's score
    "kind_fits",  # the span is the kind of thing asked (a date, a number, a name, a place)
    "span_chars",  # log(1 + length)
    "in_question",  # share of the span's characters that the question itself says
    "short",  # 0 for a whole sentence quoted without a short answer
    "traditional",  # the question is in traditional script
    "question_terms",  # log(1 + weighted terms in the question)
    "said_before",  # the span overlaps what the conversation already said
    "repeats",  # the span is inside the latest quote (a follow-up)
)


def merge(found: Sequence[Candidate]) -> list[Candidate]:
    """One candidate per distinct span; the producers of each in ``PRODUCER_NAMES`` order."""
    by_key: dict[tuple, Candidate] = {}
    for c in found:
        if c.key in by_key:
            kept = by_key[c.key]
            kept.producers = sorted(set(kept.producers) | set(c.producers), key=PRODUCER_NAMES.index)
        else:
            by_key[c.key] = c
    return list(by_key.values())


def _reader(c: Candidate, passages: Passages, clip: float) -> tuple[float, bool]:
    reading = passages.reading
    if reading is None or c.passage.rank >= len(reading.passages):
        return -clip, True
    scored = reading.span_score(c.passage.rank, c.start - c.passage.chunk.start, c.end - c.passage.chunk.start)
    if scored is None:
        return -clip, False
    return max(-clip, min(clip, scored[0] - scored[1])), False


def _overlaps(c: Candidate, spans: Sequence[tuple[int, int, int]]) -> float:
    return float(any(d == c.doc_id and c.start < b and a < c.end for d, a, b in spans))


def describe(question: Question, passages: Passages, found: Sequence[Candidate], *,
             avoid: Sequence[tuple[int, int, int]] = (), repeat: Sequence[tuple[int, int, int]] = (),
             tuning: Tuning = TUNING) -> None:
    """Fill every candidate's ``features`` (``FEATURES``)."""
    reader = [_reader(c, passages, -tuning.no_span) for c in found]
    best_reader = max((r for r, unread in reader if not unread), default=-(-tuning.no_span))
    ranks = passages.sentence_rank
    passage_cov: dict[int, float] = {}
    for c, (r_span, unread) in zip(found, reader):
        p = c.passage
        if p.rank not in passage_cov:
            passage_cov[p.rank] = coverage(question, _fold(p))
        sent_rank, ranked = ranks.get((p.doc_id, c.sentence[0]), (len(passages.ranked), None))
        folded_doc = _fold(p, whole=True)
        sentence = folded_doc[c.sentence[0] : c.sentence[1]]
        near = folded_doc[max(0, c.start - tuning.window_chars) : c.end + tuning.window_chars]
        span = folded_doc[c.start : c.end]
        f = {f"by_{name}": float(name in c.producers) for name in PRODUCER_NAMES}
        f.update(
            producers=float(len(c.producers)), reader_span=r_span, reader_gap=r_span - best_reader,
            reader_best=best_reader, reader_unread=float(unread), retrieval=p.relative,
            passage_rank=math.log1p(p.rank), passage_cosine=rescale_cosine(float(p.scored.dense)),
            passage_coverage=passage_cov[p.rank], title_coverage=coverage(question, "", p.title_terms),
            sentence_coverage=coverage(question, sentence, p.title_terms),
            window_coverage=window_coverage(question, sentence, tuning.window_chars, leave_out=p.title_terms),
            near_coverage=window_coverage(question, near, 2 * tuning.window_chars + len(span),
                                          leave_out=p.title_terms),
            sentence_rank=math.log1p(sent_rank), sentence_score=ranked.score if ranked is not None else 0.0,
            kind_fits=float(c.short and fits(question, span)), span_chars=math.log1p(len(span)),
            in_question=sum(ch in question.folded for ch in span) / max(1, len(span)), short=float(c.short),
            traditional=float(question.script == "traditional"), question_terms=math.log1p(question.weighted),
            said_before=_overlaps(c, avoid), repeats=_overlaps(c, repeat))
        c.features = f


def _fold(p, whole: bool = False) -> str:
    """The passage's (or with ``whole``, its document's) folded text, same offsets; folded once."""
    from rag.text import fold_aligned

    cache = p.__dict__.setdefault("_folded", {})
    if "doc" not in cache:
        cache["doc"] = fold_aligned(p.doc.text)
    return cache["doc"] if whole else cache["doc"][p.chunk.start : p.chunk.end]
