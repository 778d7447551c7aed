"""The citation of a quote, moved to the original copy of a reposted story where it has the same words;
the citation of an article's metadata line (``field_answer``)."""

from __future__ import annotations

from collections.abc import Sequence

from rag.answer.candidate import Candidate
from rag.records import Answer, Chunk, Citation, Document
from rag.retrieve import Retriever, Scored

__all__ = ["citation", "field_answer", "in_original"]


def in_original(retriever: Retriever, scored: Sequence[Scored], doc_id: int, chunk: Chunk, start: int,
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


def citation(retriever: Retriever, doc: Document, doc_id: int, start: int, end: int,
             p_start: int, p_end: int, score: float) -> Citation:
    """The card of the quote ``doc.text[start:end]`` inside its passage [p_start, p_end)."""
    p_start, p_end = min(p_start, start), max(p_end, end)
    return Citation(path=doc.path, title=doc.title, date=doc.date, source=doc.source, url=doc.url,
                    sentence=doc.text[start:end], start=start, end=end, passage=doc.text[p_start:p_end],
                    passage_start=p_start, passage_end=p_end, score=score,
                    also_published=retriever.also_published(doc_id), site=doc.site)


def field_answer(question: str, field: str, c: Candidate, retriever: Retriever, confidence: float) -> Answer:
    """The answer quoting the metadata line of ``c`` (producer "metadata") for ``field``: its card names the
    field, and its sentence and passage are the line (offsets 0: the line is not in the article's text)."""
    doc, line = c.passage.doc, c.quote
    cited = Citation(path=doc.path, title=doc.title, date=doc.date, source=doc.source, url=doc.url,
                     sentence=line, start=0, end=0, passage=line, passage_start=0, passage_end=0,
                     score=c.passage.scored.score, also_published=retriever.also_published(c.doc_id), site=doc.site,
                     field=field)
    return Answer(question=question, found=True, text=line, citations=(cited,), short=c.short,
                  confidence=confidence, rules_confidence=confidence)
