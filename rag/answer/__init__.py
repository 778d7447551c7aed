"""Stage 5: ranked passages -> an extractive ``Answer`` with citations, or an honest abstention.

The stage in its steps, one module each:

1. ``question``: the question read once (:class:`Question`: folded text, script, terms and IDF,
   the kind asked, the names it says, the terms borrowed from earlier turns);
2. ``passages``: the best passages, split into sentences once, ranked, and read by the reader;
3. ``producers``: named producers propose candidate spans (the reader, the span rules, dates
   and quantities, names and places, anchored gaps, whole sentences);
4. ``features`` and ``scorer``: every candidate gets the same features and one trained scorer
   ranks them; its probability for the best one decides between answering and "not in the
   archive" (``Config.answer_threshold``);
5. ``quote``: the best candidate's sentence, grown by what it cannot be read without, cited.

Every tuning number is in ``tuning.Tuning``; the scorer's weights in ``scorer.json``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from rag.answer.candidate import Candidate
from rag.answer.features import describe, merge
from rag.answer.passages import Passages, read
from rag.answer.producers import PRODUCERS
from rag.answer.question import Question, analyse
from rag.answer.quote import CHOICES, grow
from rag.answer.scorer import Scorer, load_scorer
from rag.answer.tuning import TUNING, Tuning
from rag.reader import Reader
from rag.records import Answer, Chunk, Citation, Document, ShortAnswer
from rag.retrieve import Retriever, Scored

__all__ = ["Candidate", "Question", "analyse", "answer_question", "candidates", "load_scorer"]


def candidates(question: Question, passages: Passages, *, producers: Collection[str] = tuple(PRODUCERS),
               avoid: Sequence[tuple[int, int, int]] = (), repeat: Sequence[tuple[int, int, int]] = (),
               tuning: Tuning = TUNING) -> list[Candidate]:
    """Every producer's candidates for ``question``, merged and described (not yet scored)."""
    found = merge([c for name in producers for c in PRODUCERS[name].candidates(question, passages)
                   if c.end - c.start <= tuning.max_short or not c.short])
    describe(question, passages, found, avoid=avoid, repeat=repeat, tuning=tuning)
    return found


def answer_question(question: Question, *, retriever: Retriever, scored: Sequence[Scored], scorer: Scorer,
                    threshold: float, reader: Reader | None = None, reader_passages: int = 3, related_k: int = 3,
                    avoid: Sequence[tuple[int, int, int]] = (), repeat: Sequence[tuple[int, int, int]] = (),
                    bf16: bool = False, quote_choices: Collection[str] = CHOICES,
                    producers: Collection[str] = tuple(PRODUCERS), tuning: Tuning = TUNING) -> Answer:
    """The best candidate for ``question`` among the ``scored`` passages, quoted and cited, or
    "not in the archive" when the scorer's probability for it is below ``threshold``.

    ``avoid`` holds (doc_id, start, end) already said in the conversation and ``repeat`` the latest
    quote (both features of the scorer: a candidate inside ``avoid`` is never chosen)."""
    related = tuple(retriever.hits(scored, related_k))
    passages = read(question, retriever, scored, reader, reader_passages, bf16=bf16, tuning=tuning)
    found = [c for c in candidates(question, passages, producers=producers, avoid=avoid, repeat=repeat,
                                   tuning=tuning) if not c.features["said_before"]]
    if not found:
        return Answer(question=question.text, found=False, text="", related=related, confidence=0.0,
                      message="The archive does not seem to answer this question; the closest passages are listed.",
                      reason="not_answered" if passages else "empty_archive")
    ranked = scorer.rank(found)
    best = ranked[0]
    parts = {"confidence": best.probability, "evidence": tuple(best.features.values()),
             "reader_margin": best.features["reader_best"] if passages.reading is not None else None}
    if best.probability < threshold:
        return Answer(question=question.text, found=False, text="", related=related, **parts,
                      message="The archive does not seem to answer this question; the closest passages are listed.",
                      reason="not_answered")
    return _quoted(question, retriever, scored, best, related, parts, quote_choices, tuning)


def _quoted(question: Question, retriever: Retriever, scored: Sequence[Scored], best: Candidate, related: tuple,
            parts: dict, quote_choices: Collection[str], tuning: Tuning) -> Answer:
    """The answer for ``best``: its grown quote and short answer, moved to the original of a repost."""
    doc, doc_id, chunk = best.passage.doc, best.doc_id, best.passage.chunk
    start, end = grow(doc, *best.sentence, choices=quote_choices, tuning=tuning)
    short = ShortAnswer(doc.text[best.start : best.end], best.start, best.end, best.producers[0]) if best.short else None
    doc_id, chunk, shift = _in_original(retriever, scored, doc_id, chunk, start, end)
    if shift is not None:  # a repost: the same words are quoted from the original copy of the story
        doc, start, end = retriever.documents[doc_id], start + shift, end + shift
        if short is not None:
            short = ShortAnswer(short.text, short.start + shift, short.end + shift, short.by)
    citation = _citation(retriever, doc, doc_id, start, end, chunk.start, chunk.end, best.passage.scored.score)
    copies = retriever.copies(doc_id)
    return Answer(question=question.text, found=True, text=doc.text[start:end], citations=(citation,),
                  related=tuple(h for h in related if h.path not in copies), short=short, **parts)


def _in_original(retriever: Retriever, scored: Sequence[Scored], doc_id: int, chunk: Chunk, start: int,
                 end: int) -> tuple[int, Chunk, int | None]:
    """The original copy of a repost's story, its passage, and how far the quote moves in it
    (None: stay, because the document is the original, the original lacks these words,
    or the filters excluded it)."""
    moved = retriever.copy_in_original(doc_id, start, end)
    if moved is None or moved[0] not in {retriever.chunks[p.chunk_index].doc_id for p in scored}:
        return doc_id, chunk, None
    original, at = moved
    original_chunk = retriever.chunk_at(original, at)
    if original_chunk is None:
        return doc_id, chunk, None
    return original, original_chunk, at - start


def _citation(retriever: Retriever, doc: Document, doc_id: int, start: int, end: int,
              p_start: int, p_end: int, score: float) -> Citation:
    p_start, p_end = min(p_start, start), max(p_end, end)
    return Citation(path=doc.path, title=doc.title, date=doc.date, source=doc.source, url=doc.url,
                    sentence=doc.text[start:end], start=start, end=end, passage=doc.text[p_start:p_end],
                    passage_start=p_start, passage_end=p_end, score=score,
                    also_published=retriever.also_published(doc_id), site=doc.site)
