"""Stage 5: ranked passages -> an extractive ``Answer`` with citations, or an honest abstention.

The steps, one file each:

1. ``question.py``: the question read once (:class:`Question`: folded forms, terms and IDF, kind, names);
2. ``passages.py``: the best passages, split into sentences once;
3. ``producers/``: candidates from named producers (``reader``: the span reader's spans; ``rules``: the
   sentences scored without it, the span from ``rag.span``; ``metadata``: the article's own line for a
   question about the article; ``articles``: the stories a list, count or timeline is about, assembled
   by ``many.py``);
4. ``scorer.py``: which candidate answers, and the confidence that decides between answering and "not in
   the archive" (``Config.answer_threshold``);
5. ``quote.py``: how the chosen sentence grows into the quote (it refers back, it only introduces, two
   sentences split the answer);
6. ``cite.py``: the citation, in the original copy of a reposted story.
Every tuning number is in ``tuning.py``; the learned weights in their own files (``rag/span_choice.json``,
``rag/confidence.json``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rag.answer import producers
from rag.answer.candidate import Candidate
from rag.answer.cite import citation, field_answer, in_original
from rag.answer.coverage import coverage
from rag.answer.passages import read_passages
from rag.answer.question import Question, read_question
from rag.answer.quote import extend, pair_with_rival, stand_alone
from rag.answer.scorer import Scorer, evidence
from rag.answer.tuning import RELATED_PASSAGES, REPEAT_SPANS, SENTENCE_PASSAGES
from rag.config import Config
from rag.confidence import blend
from rag.reader import Reader
from rag.records import Answer, ShortAnswer
from rag.retrieve import Retriever, Scored
from rag.span import short_answer

__all__ = ["Candidate", "Question", "Scorer", "answer_question", "read_question"]


def answer_question(question: Question | str, *, retriever: Retriever, scored: Sequence[Scored],
                    query_vector: np.ndarray, scorer: Scorer, threshold: float, history_terms: Sequence[str] = (),
                    sentence_dense: bool = False, pair_gap: float = Config.pair_gap,
                    pair_chars: int = Config.pair_chars, related_k: int = RELATED_PASSAGES, reader: Reader | None = None,
                    reader_passages: int = Config.reader_passages, avoid: Sequence[tuple[int, int, int]] = (),
                    repeat: Sequence[tuple[int, int, int]] = (), bf16: bool = False,
                    sentence_int8: bool = False) -> Answer:
    """The answer to ``question`` (a :class:`Question`, or its text read here with ``history_terms``)
    from the ranked passages.

    A question about the article itself (``Question.field``) is answered by the "metadata" producer's line
    when the scorer trusts it. Otherwise the reader's best span answers when ``scorer`` says its margin
    decides, else the best sentence of the rules producer, its span from the span rules (``ShortAnswer.by``
    names the producer).
    ``avoid`` holds (doc_id, start, end) of sentences already quoted: no answer repeats them; ``repeat``
    the latest quote of a follow-up: repeated only when it still clearly answers best. ``bf16``: the
    reader and the sentence embeddings multiply in bfloat16 where the CPU does it natively;
    ``sentence_int8``: the quoted sentence is embedded for the confidence by the int8 passage model.
    """
    q = question if isinstance(question, Question) else read_question(question, history_terms, retriever.lexical.idf)
    for c in producers.metadata.candidates(q, scored, retriever=retriever):
        if scorer.field_answers(c, threshold):
            return field_answer(q.text, q.field, c, retriever, c.features["topic_coverage"])
    related = tuple(retriever.hits(scored, related_k))
    passages = read_passages(retriever, scored, max(SENTENCE_PASSAGES, reader_passages))
    best_span = None
    if reader is not None:
        spans = producers.reader.candidates(q, passages[:reader_passages], reader=reader, bf16=bf16,
                                            spans=max(scorer.choice.spans_per_window, REPEAT_SPANS if repeat else 1))
        best_span = scorer.best_span(spans, repeat)
        if best_span is not None and best_span[0].overlaps(avoid):
            best_span = None  # already said: the sentences look further
    margin = best_span[1] if best_span is not None else None
    if best_span is not None and scorer.decides(margin):  # the reader's span decides
        best = best_span[0]
        start, end = stand_alone(best.passage.doc, *best.sentence)
        typed = scorer.prefers_typed(producers.typed.candidates(q, best, start, end))
        short, cosine, score = (typed or best).short, best.passage.scored.dense, best.passage.scored.score
    else:
        sentences = producers.sentences.candidates(q, passages[:SENTENCE_PASSAGES],
                                                   cosines=_sentence_cosines(retriever, passages, query_vector, bf16)
                                                   if sentence_dense else None)
        ranked = scorer.rank_sentences(sentences, avoid, repeat)
        if not ranked:
            return Answer(question=q.text, found=False, text="", related=related,
                          message="The archive is empty: add files with `rag update`.", reason="empty_archive")
        best = ranked[0]
        start, end, short = _rules_quote(q, ranked, pair_gap, pair_chars)
        cosine, score = best.features["cosine"], best.features["sentence_score"]
    features = evidence(q, retriever, best, cosine, query_vector, margin, bf16, sentence_int8)
    confidence = scorer.probability(features)
    parts = {"confidence": confidence, "rules_confidence": blend(features, 0.0), "reader_margin": margin,
             "evidence": features}
    if confidence < threshold:
        return Answer(question=q.text, found=False, text="", related=related, **parts,
                      message="The archive does not seem to answer this question; the closest passages are listed.",
                      reason="not_answered")
    return _cited(q, retriever, scored, best, start, end, short, score, related, parts)


def _rules_quote(q: Question, ranked: Sequence[Candidate], pair_gap: float,
                 pair_chars: int) -> tuple[int, int, ShortAnswer | None]:
    """The rules' quote (the best sentence, grown where it only introduces or is continued, else paired
    with a close runner-up next to it) and its short answer (from the grown sentence, else the pair)."""
    best = ranked[0]
    doc = best.passage.doc
    start, end = extend(doc, best, ranked)
    own = short_answer(q, doc.text[start:end], start)
    if (start, end) == best.sentence:
        start, end = pair_with_rival(doc, best, ranked, pair_gap, pair_chars)
    return start, end, own or short_answer(q, doc.text[start:end], start)


def _cited(q: Question, retriever: Retriever, scored: Sequence[Scored], best: Candidate, start: int, end: int,
           short: ShortAnswer | None, score: float, related: tuple, parts: dict) -> Answer:
    """The found answer quoting ``[start, end)`` of ``best``'s document, moved to the original copy of a repost."""
    doc = best.passage.doc
    doc_id, chunk, shift = in_original(retriever, scored, best.doc_id, best.passage.chunk, start, end)
    if shift is not None:  # a repost: the same words are quoted from the original copy of the story
        doc, start, end = retriever.documents[doc_id], start + shift, end + shift
        if short is not None:
            short = ShortAnswer(short.text, short.start + shift, short.end + shift, short.by)
    cited = citation(retriever, doc, doc_id, start, end, chunk.start, chunk.end, score)
    copies = retriever.copies(doc_id)
    return Answer(question=q.text, found=True, text=doc.text[start:end], citations=(cited,),
                  related=tuple(h for h in related if h.path not in copies), short=short, **parts)


def _sentence_cosines(retriever: Retriever, passages, query_vector: np.ndarray, bf16: bool) -> np.ndarray | None:
    """Each sentence's own cosine to the question, in the sentence producer's order (``sentence_dense``)."""
    texts = [p.doc.text[s:e] for p, (s, e) in producers.sentences.sentences_of(passages[:SENTENCE_PASSAGES])]
    if not texts:
        return None
    return retriever.encoder.encode_passages(texts, bf16=bf16) @ query_vector
