"""Producer "metadata": a question about the article itself (who wrote it, when and where it was published,
its link; ``Question.field``) answered from the metadata read at ingestion, quoting the line it came from.

At most one candidate: the field of the story retrieval ranks first (its original copy for a repost), when the
article records it (``rag.about.field_value``). Its quote is the metadata line (``Candidate.quote``; the short
answer's offsets are in it), and its feature ``topic_coverage`` says how surely the question names this
article: the IDF-weighted share of the question's topic words (``Question.topic_terms``, with words borrowed
from earlier turns) in the article's title and passage. The scorer lets it answer at the answer threshold or
more (``Scorer.field_answers``); otherwise the sentence producers answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

from rag.about import field_value, metadata_line
from rag.answer.candidate import Candidate
from rag.answer.coverage import coverage
from rag.answer.passages import Passage
from rag.answer.question import Question
from rag.records import ShortAnswer
from rag.retrieve import Retriever, Scored

__all__ = ["NAME", "candidates"]

NAME = "metadata"


def candidates(question: Question, scored: Sequence[Scored], *, retriever: Retriever) -> list[Candidate]:
    """The metadata line answering ``question.field`` for the first story of ``scored`` (none when the
    question asks for no field, nothing was retrieved or the article lacks the field)."""
    field = question.field
    first = next(retriever.stories(scored), None) if field else None
    if first is None:
        return []
    s, chunk = first
    doc = retriever.documents[chunk.doc_id]
    value = field_value(doc, field)
    if not value:
        return []
    line, a, b = metadata_line(doc, field, value)
    topic = list(question.topic_terms) + list(question.borrowed)
    cover = coverage(topic, f"{doc.title or ''} {chunk.text}", retriever.lexical.idf(topic)) if topic else 0.0
    return [Candidate(Passage(0, s, chunk, doc), (chunk.start, chunk.end), NAME,
                      MappingProxyType({"topic_coverage": round(cover, 4)}), ShortAnswer(line[a:b], a, b, NAME),
                      quote=line)]
