"""Stage 5: ranked passages -> an extractive ``Answer`` with citations, or an honest abstention.

Sentence selection scores each sentence of the best passages against the question
(IDF-weighted term overlap on folded script, in the whole sentence and within a
short window, dense similarity, the passage's own rank, whether it holds the kind of
thing asked for). Confidence blends the passage's coverage of the question's
weighted terms, the sentence's coverage of its non-title terms within a window, and
the question's cosine to passage and sentence. Below the configured threshold the
answer is "not in the archive" with the nearest passages attached.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.confidence import ConfidenceModel, blend, rescale_cosine, squash_margin
from rag.config import Config
from rag.reader import Reader
from rag.records import Answer, Chunk, Citation, Document, ShortAnswer
from rag.retrieve import Retriever, Scored, passage_text
from rag.span import TYPED, question_kind, short_answer
from rag.span_choice import SpanChoice, load_span_choice
from rag.text import fold, load_jieba, query_terms, split_sentences, terms

__all__ = ["answer_question", "rank_sentences", "term_coverage"]

_PASSAGES_READ = 6
_WINDOW = 20
_SHORT_SENTENCE = 40  # characters: a sentence this short may need the next one to be an answer
_REFERS_BACK = re.compile(r"[它他她其该此这]|[^，。]{0,6}[它他她其该此这]")
# A quote that opens on a word pointing at the sentence before it (因此…, 赛后…, 他…) does not stand
# on its own: the reader's answer sentence takes in that earlier sentence (matched on folded text,
# so traditional 於是/這 count too).
_OPENS_ON_EARLIER = re.compile(
    r"^(?:因此|所以|因而|于是|但|然而|不过|而|此外|另外|同时|其后|此后|之后|随后|后来|其中|对此|为此|由此|故|则|并|且|又"
    r"|亦|也|还|这|那|该|此|其|他|她|它|上述|前者|后者|两者|二者|赛后|事后|会后|战后|当时|同年|次年|翌年|当天|最终|结果|即)")
_STAND_ALONE_CHARS = 150  # the two sentences together stay this short, or the quote stays one sentence
# A sentence that is nothing but a bracketed aside — a byline (检察日报社 巩宸宇), a photo credit,
# an editor's note — is never the answer.
_ASIDE = re.compile(r"^\s*[（(【\[][^（()）【】\[\]]*[)）】\]]\s*$")


@dataclass(frozen=True)
class _Candidate:
    doc_id: int
    start: int
    end: int
    passage: Scored
    lexical: float
    dense: float
    score: float


def _coverage(q_terms: Sequence[str], text: str, idf: dict[str, float], given: frozenset[str] = frozenset()) -> float:
    """IDF-weighted share of the question's terms present in ``text`` (or ``given``)."""
    q = set(q_terms)
    total = sum(idf.get(t, 0.0) for t in q)
    if total <= 0:
        return 0.0
    present = set(terms(text)) | given
    return sum(idf.get(t, 0.0) for t in q if t in present) / total


def _window_coverage(q_terms: Sequence[str], text: str, idf: dict[str, float], width: int,
                     given: frozenset[str] = frozenset()) -> float:
    """Like :func:`_coverage`, within the ``width`` characters of ``text`` that hold the most."""
    q = [t for t in set(q_terms) if idf.get(t, 0.0) > 0]
    total = sum(idf[t] for t in q)
    if total <= 0:
        return 0.0
    folded = fold(text)
    occ = sorted((m.start(), t) for t in q for m in re.finditer(re.escape(t), folded))
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


_WHERE = re.compile(r"哪里|哪儿|何处|何地|在哪|什么地方|哪个地方")
_PLACE = re.compile(r"位于|坐落|座落|地处|[省市县区州岛镇村乡]")


def _fits(kind: str | None, where: bool, text: str, question: str) -> bool:
    """Does the sentence hold the kind of thing the question asks for (a date, a number, a name, a place)?"""
    if where:
        return bool(_PLACE.search(text))
    if kind in TYPED:
        return bool(TYPED[kind].search(fold(text)))
    if kind == "who":
        jieba = load_jieba()

        return any(f.startswith("nr") and len(w) >= 2 and w not in question for w, f in jieba.posseg.cut(text))
    return False


def _weights(question: str, history_terms: Sequence[str], retriever: Retriever) -> tuple[list[str], dict[str, float]]:
    """The question's terms (with any borrowed from earlier turns, at a third of their weight) and their IDF."""
    q_all = query_terms(question) + list(history_terms)
    idf = retriever.lexical.idf(q_all)
    for t in history_terms:
        idf[t] = idf.get(t, 0.0) * 0.3
    return q_all, idf


def _sentence_says(q_all: Sequence[str], idf: dict[str, float], doc: Document, sentence: str) -> tuple[float, float]:
    """How much of the question ``sentence`` of ``doc`` says: the IDF-weighted share of its terms in the
    whole sentence (the title's words count as present) and within the best short window (the
    title's words left out: a sibling paragraph shares the title, not the question's specific words)."""
    title = frozenset(terms(doc.title or ""))
    own = [t for t in q_all if t not in title]
    return _coverage(q_all, sentence, idf, title), (_window_coverage(own, sentence, idf, _WINDOW) if own else 0.0)


def term_coverage(terms_: Sequence[str], text: str, retriever: Retriever) -> float:
    """IDF-weighted share of ``terms_`` found in ``text`` (0 when none has weight)."""
    return _coverage(terms_, text, retriever.lexical.idf(list(terms_)))


def rank_sentences(question: str, *, retriever: Retriever, scored: Sequence[Scored], query_vector: np.ndarray,
                   history_terms: Sequence[str] = (), sentence_dense: bool = False, bf16: bool = False) -> list[_Candidate]:
    """Every sentence of the best passages, scored against ``question``, best first."""
    q_all, idf = _weights(question, history_terms, retriever)

    top = list(scored[:_PASSAGES_READ])
    spans: list[tuple[int, int, int, Scored]] = []
    for p in top:
        c = retriever.chunks[p.chunk_index]
        doc = retriever.documents[c.doc_id]
        spans.extend((c.doc_id, s, e, p) for s, e in split_sentences(doc.text, c.start, c.end)
                     if not _ASIDE.match(doc.text[s:e]))
    texts = [retriever.documents[d].text[s:e] for d, s, e, _ in spans]
    kind, where = question_kind(question), bool(_WHERE.search(fold(question)))
    # A sentence speaks about its article's subject without naming it (本鱼体呈银灰色):
    # question words in the title count as present in every sentence of the article.
    titles = {d: frozenset(terms(retriever.documents[d].title or "")) for d, *_ in spans}
    if sentence_dense and texts:
        cos = retriever.encoder.encode_passages(texts, bf16=bf16) @ query_vector
    else:
        cos = np.array([p.dense for *_, p in spans], dtype=np.float32)
    best_p = max((p.score for p in top), default=1.0) or 1.0
    cands = []
    for (doc_id, s, e, p), text, c in zip(spans, texts, cos):
        lex = _coverage(q_all, text, idf, titles[doc_id])
        lex = 0.5 * lex + 0.5 * _window_coverage(q_all, text, idf, _WINDOW, titles[doc_id])
        score = 0.45 * lex + 0.35 * rescale_cosine(float(c)) + 0.20 * (p.score / best_p)
        if _fits(kind, where, text, question):
            score += 0.1  # a when/how-many/who/where question wants a date/number/name/place
        cands.append(_Candidate(doc_id, s, e, p, lex, float(c), score))
    cands.sort(key=lambda c: -c.score)
    return cands


def answer_question(question: str, *, retriever: Retriever, scored: Sequence[Scored], query_vector: np.ndarray,
                    history_terms: Sequence[str], threshold: float, sentence_dense: bool = False,
                    pair_gap: float = Config.pair_gap, pair_chars: int = Config.pair_chars, related_k: int = 3,
                    reader: Reader | None = None, reader_passages: int = Config.reader_passages,
                    reader_weight: float = Config.reader_weight,
                    reader_min_margin: float = Config.reader_min_margin, avoid: Sequence[tuple[int, int, int]] = (),
                    repeat: Sequence[tuple[int, int, int]] = (), bf16: bool = False,
                    sentence_int8: bool = False, scorer: ConfidenceModel | None = None,
                    span_choice: SpanChoice | None = None) -> Answer:
    """Choose the sentence that answers ``question`` from the ranked passages.

    With a ``reader``, the best span it finds in the top ``reader_passages`` passages is the
    short answer and its sentence the quote; without one, or when its span beats "no answer"
    by less than ``reader_min_margin``, the rules choose the sentence and the span inside it
    (the reader's margin still joins the confidence). ``ShortAnswer.by`` records which.
    ``avoid`` holds (doc_id, start, end) of sentences already quoted: no answer repeats them;
    ``repeat`` the latest quote of a follow-up: repeated only when it still clearly answers best.
    ``bf16``: the reader and the sentence embeddings multiply in bfloat16 where the CPU does it natively.
    ``sentence_int8``: the quoted sentence is embedded (for the confidence) by the int8 model the
    archive's passages were embedded with: about 20 ms instead of 30-600 ms for the float model
    (bench/ask_latency.py; docs/experiments.md).
    """
    related = tuple(retriever.hits(scored, related_k))
    span = (_read(question, history_terms, retriever, scored, reader, reader_passages, repeat, bf16, span_choice)
            if reader is not None else None)
    if span is not None and _overlaps(span.doc_id, span.short.start, span.short.end, avoid):
        span = None  # already said: the rules look further
    if span is not None and span.margin >= reader_min_margin:  # the reader's span decides
        best = _sentence_of(span)
        start, end = _stand_alone(retriever.documents[best.doc_id], best.start, best.end)
        short: ShortAnswer | None = span.short
    else:
        cands = rank_sentences(question, retriever=retriever, scored=scored, query_vector=query_vector,
                               history_terms=history_terms, sentence_dense=sentence_dense, bf16=bf16)
        cands = [c for c in cands if not _overlaps(c.doc_id, c.start, c.end, avoid)]
        if repeat:
            cands = sorted(cands, key=lambda c: -(c.score - _REPEAT_RULES * _overlaps(c.doc_id, c.start, c.end,
                                                                                        repeat)))
        if not cands:
            return Answer(question=question, found=False, text="", related=related,
                          message="The archive is empty: add files with `rag update`.", reason="empty_archive")
        best = cands[0]
        start, end, short = _rules_quote(question, retriever.documents[best.doc_id], best, cands, pair_gap,
                                         pair_chars)
    features = _evidence(question, history_terms, retriever, best, query_vector, span, bf16, sentence_int8)
    rules_confidence = blend(features, 0.0)
    margin = span.margin if span is not None else None  # also when the rules answered: its doubt is evidence too
    confidence = scorer(features) if scorer is not None else blend(features, reader_weight)
    parts = {"confidence": confidence, "rules_confidence": rules_confidence, "reader_margin": margin,
             "evidence": features}
    if confidence < threshold:
        return Answer(question=question, found=False, text="", related=related, **parts,
                      message="The archive does not seem to answer this question; the closest passages are listed.",
                      reason="not_answered")
    doc = retriever.documents[best.doc_id]
    chunk = retriever.chunks[best.passage.chunk_index]
    doc_id, chunk, shift = _in_original(retriever, scored, best.doc_id, chunk, start, end)
    if shift is not None:  # a repost: the same words are quoted from the original copy of the story
        doc, start, end = retriever.documents[doc_id], start + shift, end + shift
        if short is not None:
            short = ShortAnswer(short.text, short.start + shift, short.end + shift, short.by)
    citation = _citation(retriever, doc, doc_id, start, end, chunk.start, chunk.end, best.score)
    copies = retriever.copies(doc_id)
    return Answer(question=question, found=True, text=doc.text[start:end], citations=(citation,),
                  related=tuple(h for h in related if h.path not in copies), short=short, **parts)


def _overlaps(doc_id: int, start: int, end: int, spans: Sequence[tuple[int, int, int]]) -> bool:
    return any(d == doc_id and start < b and a < end for d, a, b in spans)


def _rules_quote(question: str, doc: Document, best: _Candidate, cands: Sequence[_Candidate], pair_gap: float,
                 pair_chars: int) -> tuple[int, int, ShortAnswer | None]:
    """The rules' quote (the best sentence, joined by a neighbour where it helps) and short answer."""
    start, end = _extend(doc, best, cands)
    own = short_answer(question, doc.text[start:end], start)
    if (start, end) == (best.start, best.end):
        start, end = _pair_with_rival(doc, best, cands, pair_gap, pair_chars)
    return start, end, own or short_answer(question, doc.text[start:end], start)


@dataclass(frozen=True)
class _Span:
    """The reader's best span: document offsets, the passage it was read in, its margin over 'no answer'."""

    doc_id: int
    passage: Scored
    short: ShortAnswer
    margin: float
    sentence: tuple[int, int]  # document offsets of the sentence(s) holding the span


SPANS_PER_WINDOW = 3  # spans the reader proposes in each window; the fit collects them all (a choice sets its own)


@dataclass(frozen=True)
class SpanCandidate:
    """One span the reader proposes, trimmed, in document offsets, with its choice features
    (``rag.span_choice.FEATURES``) and the window's "no answer" score."""

    doc_id: int
    passage: int  # index into the passages read
    start: int
    end: int
    sentence: tuple[int, int]
    features: tuple[float, ...]
    margin: float
    null: float


def reader_candidates(question: str, history_terms: Sequence[str], retriever: Retriever, scored: Sequence[Scored],
                      reader: Reader, n: int, bf16: bool = False,
                      spans: int = SPANS_PER_WINDOW) -> tuple[list[Scored], list[SpanCandidate]]:
    """Read the ``n`` best passages: every span the reader proposes (``spans`` a window), each with
    the features its choice weighs (``rag.span_choice``). The fit (``python -m rag.span_choice_fit``) asks
    this same function, so what it learns is what ``ask`` sees."""
    top = list(scored[:n])
    if not top:
        return top, []
    chunks = [retriever.chunks[p.chunk_index] for p in top]
    kind = question_kind(question)
    guesses = reader.read(question, [c.text for c in chunks], top=spans, bf16=bf16,
                          one_clause=_one_clause(question), slack=_CLAUSE_SLACK)
    if not guesses:
        return top, []
    q_all, idf = _weights(question, history_terms, retriever)
    asked = set(fold(question))
    split: dict[int, list[tuple[int, int]]] = {}  # each passage's sentences, split once
    said: dict[tuple[int, int], tuple[float, float]] = {}
    best_in: dict[int, float] = {}
    for g in guesses:  # sorted best first: the first of each passage is its best
        best_in.setdefault(g.passage, g.score)

    def sentence(passage: int, a: int, b: int) -> tuple[int, int]:
        """Document offsets of the sentence(s) of ``passage`` that hold document offsets [a, b)."""
        c = chunks[passage]
        if passage not in split:
            split[passage] = split_sentences(retriever.documents[c.doc_id].text, c.start, c.end)
        inside = [(s, e) for s, e in split[passage] if s < b and e > a] or [(a, b)]
        return inside[0][0], inside[-1][1]

    out = []
    for g in guesses:
        c = chunks[g.passage]
        doc = retriever.documents[c.doc_id]
        a, b = _trim_span(doc.text, c.start + g.start, c.start + g.end)
        if b <= a:
            continue
        s, e = sentence(g.passage, a, b)
        if (g.passage, s) not in said:
            said[g.passage, s] = _sentence_says(q_all, idf, doc, doc.text[s:e])
        whole, window = said[g.passage, s]
        span = doc.text[a:b]
        folded = fold(span)
        fits = float(bool(TYPED[kind].search(folded))) if kind in TYPED else 0.0
        features = (g.score - g.null, top[g.passage].score, whole, window, 1.0 / (1 + g.passage),
                    float(g.score >= best_in[g.passage]), math.log1p(len(span)), fits,
                    float(bool(_CLAUSE_END.search(span))), sum(ch in asked for ch in folded) / len(folded))
        out.append(SpanCandidate(c.doc_id, g.passage, a, b, (s, e), features, g.score - g.null, g.null))
    return top, out


def _read(question: str, history_terms: Sequence[str], retriever: Retriever, scored: Sequence[Scored],
          reader: Reader, n: int, repeat: Sequence[tuple[int, int, int]] = (), bf16: bool = False,
          choice: SpanChoice | None = None) -> _Span | None:
    """Read the ``n`` best passages; the best span across them, or None when there is none.

    Every span the reader proposes competes on one linear score over its features
    (``rag.span_choice``: its margin over its window's "no answer", the passage's retrieval score
    and rank, how much of the question the span's sentence says, whole and within a short window,
    the span's length and form), with the weights ``choice`` gives (``Config.span_choice_model``: the
    hand-set 1, 5, 8, 8 by default, or a fit's, ``rag/span_choice.json``). The reader alone
    misses that a sibling sentence or passage answers a different meeting, date or person than the
    one asked about. A span inside ``repeat`` (the quote a follow-up came after) loses ``_REPEAT_READER``."""
    choice = choice or load_span_choice()
    # a follow-up may need the runner-up of a window when the best repeats the previous quote
    spans = max(choice.spans_per_window, 3 if repeat else 1)
    top, cands = reader_candidates(question, history_terms, retriever, scored, reader, n, bf16, spans)
    if not cands:
        return None
    g = max(cands, key=lambda x: choice.score(x.features)
            - (_REPEAT_READER if repeat and _overlaps(x.doc_id, x.start, x.end, repeat) else 0.0))
    null = min(x.null for x in cands)
    doc = retriever.documents[g.doc_id]
    return _Span(g.doc_id, top[g.passage], ShortAnswer(doc.text[g.start:g.end], g.start, g.end, "reader"),
                 g.margin + g.null - null, g.sentence)


# A person, a date or a quantity is read within one clause: the reader alone runs on past the
# comma (1991年10月，波赫國會通過了主權宣言 for 於西元幾年所宣布). docs/experiments.md, "One clause".
# Not when the question asks for several (分别, 哪些, 哪几): the answer is then a list of clauses.
_ONE_CLAUSE_KINDS = ("who", "when", "number")
_CLAUSE_SLACK = 1.0  # logits: a span past the comma stays when the reader is this much surer of it
_SEVERAL = re.compile("分别|哪些|哪几|各自")


def _one_clause(question: str) -> bool:
    return question_kind(question) in _ONE_CLAUSE_KINDS and not _SEVERAL.search(fold(question))


_REPEAT_READER = 2.0  # logits: a follow-up's span inside the previous quote must beat others by this much
_REPEAT_RULES = 0.08  # the same for the rules' sentence score (0..1)
_CLAUSE_END = re.compile(r"[，,；;。]")
_EDGE_OPEN = "“‘「『《（(【"
_EDGE_CLOSE = "”’」』》）)】"


def _trim_span(text: str, a: int, b: int) -> tuple[int, int]:
    """A span without the spaces and punctuation at its edges that tokens drag in, nor quotation
    marks around it or unpaired; a title's 《》 stays (《红楼梦》)."""
    while a < b and (text[a].isspace() or text[a] in "，。、；：！？,.;:!?" or
                     (text[a] in _EDGE_OPEN and _EDGE_CLOSE[_EDGE_OPEN.index(text[a])] not in text[a:b])):
        a += 1
    while b > a and (text[b - 1].isspace() or text[b - 1] in "，。、；：！？,.;:!?" or
                     (text[b - 1] in _EDGE_CLOSE and _EDGE_OPEN[_EDGE_CLOSE.index(text[b - 1])] not in text[a:b])):
        b -= 1
    if b - a > 2 and text[a] in "“‘「『" and text[b - 1] == _EDGE_CLOSE[_EDGE_OPEN.index(text[a])]:
        return a + 1, b - 1  # quotation marks around the whole answer (a title's 《》 stays)
    for q in "\"'":  # straight quotes open and close alike: one at an edge is unpaired when the span holds an odd number
        if b - a > 2 and text[a] == q == text[b - 1] and text.count(q, a, b) == 2:
            a, b = a + 1, b - 1
        if b > a and text[a] == q and text.count(q, a, b) % 2:
            a += 1
        if b > a and text[b - 1] == q and text.count(q, a, b) % 2:
            b -= 1
    return a, b


def _sentence_of(span: _Span) -> _Candidate:
    """The sentence(s) of the document that hold the span, as a candidate scored by its passage."""
    p = span.passage
    return _Candidate(span.doc_id, span.sentence[0], span.sentence[1], p, p.lexical, p.dense, p.score)


def _stand_alone(doc: Document, start: int, end: int, max_chars: int = _STAND_ALONE_CHARS) -> tuple[int, int]:
    """The reader's answer sentence, with what it cannot be read without: the sentence before it
    (same paragraph) when it opens by pointing back at it, the next one when it only introduces
    it (ends with a colon, or is a fragment), within ``max_chars``. The short answer and the confidence stay the
    sentence's own (docs/experiments.md)."""
    text = doc.text
    # Sentences from the start of the paragraph (what comes before must be in it) to past the
    # longest quote allowed (a colon may introduce the next line); one cut short there is too long.
    sentences = split_sentences(text, text.rfind("\n", 0, start) + 1, min(len(text), end + max_chars))
    before = [s for s in sentences if s[1] <= start]
    after = [s for s in sentences if s[0] >= end]
    quote = text[start:end]
    a, b = start, end
    if before and _OPENS_ON_EARLIER.match(fold(quote[:4])) and end - before[-1][0] <= max_chars:
        a = before[-1][0]
    if after and (quote.endswith(("：", ":")) or len(quote) < 12) and after[0][1] - a <= max_chars:
        b = after[0][1]
    return a, b


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


def _evidence(question: str, history_terms: Sequence[str], retriever: Retriever, best: _Candidate,
              query_vector: np.ndarray, span: _Span | None, bf16: bool = False, int8: bool = False) -> tuple[float, ...]:
    """What the confidence weighs (``rag.confidence.FEATURES``, in that order) for quoting ``best``.
    Window coverage leaves title words out: a sibling paragraph of the right article shares the
    title, not the question's specific words."""
    q_all, idf = _weights(question, history_terms, retriever)
    doc = retriever.documents[best.doc_id]
    chunk = retriever.chunks[best.passage.chunk_index]
    sentence = doc.text[best.start : best.end]
    title = frozenset(terms(doc.title or ""))
    said, window = _sentence_says(q_all, idf, doc, sentence)
    sentence_cos = float(retriever.encoder.encode_passages([sentence], bf16=bf16, int8=int8)[0] @ query_vector)
    weighted = sum(1 for t in set(q_all) if idf.get(t, 0.0) > 0)
    return (_coverage(q_all, passage_text(doc, chunk), idf), said, window,
            _coverage(q_all, "", idf, title), float(best.dense), sentence_cos, float(best.passage.score),
            squash_margin(span.margin) if span is not None else 0.5, float(span is not None),
            math.log1p(weighted))


def _extend(doc: Document, best: _Candidate, cands: Sequence[_Candidate]) -> tuple[int, int]:
    """One sentence, or two adjacent ones when the answer spans them.

    The next sentence joins when the first only introduces it (ends with a colon,
    or is a fragment), or when the first is short and the next one, which refers
    back to it (它/他/其/该/此/这…), scores almost as well.
    """
    start, end = best.start, best.end
    text = doc.text[start:end]
    following = [c for c in cands if c.doc_id == best.doc_id and c.start >= end]
    if not following:
        return start, end
    nxt = min(following, key=lambda c: c.start)
    if doc.text[end : nxt.start].strip():
        return start, end
    introduces = text.endswith(("：", ":")) or len(text) < 12
    continues = (len(text) < _SHORT_SENTENCE and _REFERS_BACK.match(doc.text[nxt.start : nxt.end])
                 and nxt.score >= best.score - 0.1)
    if introduces or continues:
        end = nxt.end
    return start, end


def _pair_with_rival(doc: Document, best: _Candidate, cands: Sequence[_Candidate], gap: float = 0.1,
                     max_chars: int = 100) -> tuple[int, int]:
    """The best sentence and the runner-up next to it, when the two score almost alike.

    Two adjacent sentences of one article that both match the question nearly equally
    well usually split the answer between them (the event in one, its date or agent
    in the other). Only the next two candidates are considered, and the pair stays
    short enough to read as one answer (see ``Config.pair_gap`` for the measured effect).
    """
    for rival in cands[1:3]:
        if best.score - rival.score > gap:
            break
        if rival.doc_id != best.doc_id:
            continue
        start, end = min(best.start, rival.start), max(best.end, rival.end)
        between = doc.text[best.end : rival.start] if rival.start >= best.end else doc.text[rival.end : best.start]
        if not between.strip() and end - start <= max_chars and (rival.start >= best.end or rival.end <= best.start):
            return start, end
    return best.start, best.end


def _citation(retriever: Retriever, doc: Document, doc_id: int, start: int, end: int,
              p_start: int, p_end: int, score: float) -> Citation:
    p_start, p_end = min(p_start, start), max(p_end, end)
    return Citation(path=doc.path, title=doc.title, date=doc.date, source=doc.source, url=doc.url,
                    sentence=doc.text[start:end], start=start, end=end, passage=doc.text[p_start:p_end],
                    passage_start=p_start, passage_end=p_end, score=score,
                    also_published=retriever.also_published(doc_id), site=doc.site)


