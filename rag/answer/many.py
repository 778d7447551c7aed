"""A list, count or timeline answer from the "articles" producer's stories, every item quoted and cited.

The scorer ranks the stories (``Scorer.rank_stories``); the first ``limit`` are quoted (a timeline's by
the dated sentence, then put in date order); the count is of every story matched, and the answer says
what was counted (``Answer.counted``), so that a reader can check it against ``Answer.items``.
"""

from __future__ import annotations

from rag.answer.candidate import Candidate
from rag.answer.producers import articles
from rag.answer.question import Question
from rag.answer.scorer import Scorer
from rag.records import Answer, Citation
from rag.retrieve import Retriever

__all__ = ["answer_many"]


def answer_many(question: Question, stories: articles.Stories, *, scorer: Scorer, retriever: Retriever, limit: int,
                date_from: str | None = None, date_to: str | None = None) -> Answer:
    """The ``question.frame.kind`` answer over ``stories`` (``date_from``/``date_to``: the filter applied)."""
    kind, dates = question.frame.kind, question.date_filter
    if not stories.words:
        return Answer(question=question.asked, found=False, text="", kind=kind, dates=dates, reason="not_answered",
                      message="Say what the reports should be about (for example 关于巡视的报道有哪些).")
    timeline = kind == "timeline"
    ranked = scorer.rank_stories(stories, timeline=timeline, limit=limit)
    listed = [articles.quoted(c, stories.forms, retriever, dated=timeline) for c in (ranked if timeline else ranked[:limit])]
    items = [_item(c, scorer.story_score(c), retriever) for c in listed]
    if timeline:
        items.sort(key=lambda c: ((c.event_date or c.date or "9999")[:10], (c.date or "")[:10], c.path))
        items = items[:limit]
    published = (dates.start or "", dates.end or "") if dates is not None else (date_from or "", date_to or "")
    where = _range_words(*published)
    counted = (f"articles{where} whose title or text holds " + " + ".join(stories.words) +
               " (in either script; reposts of one story counted once)")
    total = len(stories)
    basis = {"counted": counted, "words": tuple(stories.words), "published": published, "dates": dates}
    if not total:
        return Answer(question=question.asked, found=False, text="", kind=kind, reason="no_match", total=0,
                      message=f"No article{where} holds " + " + ".join(stories.words)
                      + "; widen the dates or change the words.", **basis)
    text = f"{total} stor{'y' if total == 1 else 'ies'}: {counted}"
    return Answer(question=question.asked, found=True, text=text, citations=tuple(items[:1]), kind=kind,
                  items=tuple(items), total=total, confidence=1.0, **basis)


def _item(c: Candidate, score: float, retriever: Retriever) -> Citation:
    doc, (s, e), chunk = c.passage.doc, c.sentence, c.passage.chunk
    ps, pe = min(chunk.start, s), max(chunk.end, e)
    return Citation(path=doc.path, title=doc.title, date=doc.date, event_date=c.when.value if c.when else None,
                    event_how=c.when.how if c.when else "", source=doc.source, url=doc.url, sentence=doc.text[s:e],
                    start=s, end=e, passage=doc.text[ps:pe], passage_start=ps, passage_end=pe, score=round(score, 4),
                    also_published=retriever.also_published(c.doc_id), site=doc.site)


def _range_words(a: str, b: str) -> str:
    if a and b:
        return f" published {a} to {b}"
    if a:
        return f" published from {a}"
    if b:
        return f" published up to {b}"
    return ""
