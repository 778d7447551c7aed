"""Stage 5: ranked passages -> an extractive ``Answer`` with citations, or an honest abstention.

Sentence selection scores each sentence of the best passages against the question
(IDF-weighted term overlap on folded script, dense similarity, the passage's own
rank); confidence is the share of the question's weighted terms that the answer's
passage covers, blended with the sentence's dense similarity. Below the configured
threshold the answer is "not in the archive" with the nearest passages attached.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from rag.records import Answer, Citation, Document, ShortAnswer
from rag.retrieve import Retriever, Scored, passage_text
from rag.text import fold_aligned, query_terms, split_sentences, terms

__all__ = ["answer_question", "followup_terms", "short_answer"]

_PASSAGES_READ = 6
_ANAPHORA = re.compile(r"[他她它其该此这那]|上述|此次|这次|那次|该会|本次|此前|他们|她们|还有|另外|此外|呢$|吗$")
_PUNCT_STOP = re.compile(r"[，。；：！？,;:!?“”\"「」『』（）()\n]")
_NUMBER = re.compile(
    r"[0-9０-９一二三四五六七八九十百千万亿两几]+(?:\.[0-9]+)?\s*(?:[%％]|(?:平方)?(?:公里|公尺|公分|公斤|千米|米|厘米|毫米|克|吨|元|美元"
    r"|亿|万)|[个名位件次年月日天人家项条批轮层级股发门辆种所座只头匹部本场届期岁倍份张栋艘架台户])?"
)
_DATE = re.compile(r"(?:\d{2,4}年)?\d{1,2}月\d{1,2}日(?:[上下]午)?|\d{4}年(?:\d{1,2}月)?|\d{4}-\d{1,2}-\d{1,2}")
_TYPED = {"when": _DATE, "number": _NUMBER}  # question kinds whose answer has a recognisable form
_QTYPE = [
    ("when", re.compile(r"哪天|哪一天|何时|什么时候|哪年|哪一年|几月|几日|什么时间|日期")),
    ("who", re.compile(r"由谁|是谁|谁|哪位|什么人|何人")),
    ("number", re.compile(r"多少|几个|几次|几年|几|多久|多长|多高|多大|多重|多远|多深|多宽|多厚")),
    ("why", re.compile(r"为什么|为何|什么原因|原因是")),
    ("what", re.compile(r"什么|哪些|哪个|哪里|何地|如何|怎样|怎么")),
]


@dataclass(frozen=True)
class _Candidate:
    doc_id: int
    start: int
    end: int
    passage: Scored
    lexical: float
    dense: float
    score: float


def followup_terms(question: str, history: Sequence[str]) -> list[str]:
    """Terms of earlier questions that a follow-up needs to be understood.

    A question that refers back (他/这次/那次 …) or says little on its own borrows
    the terms of the latest earlier question, once each, so they cannot outweigh
    the new question's own terms.
    """
    if not history:
        return []
    own = query_terms(question)
    if not _ANAPHORA.search(question) and len(set(own)) >= 8:
        return []
    mine = set(own)
    borrowed: list[str] = []
    for t in query_terms(history[-1]):
        if t not in mine and t not in borrowed:
            borrowed.append(t)
    return borrowed


def _coverage(q_terms: Sequence[str], text: str, idf: dict[str, float]) -> float:
    """IDF-weighted share of the question's terms present in ``text``."""
    q = set(q_terms)
    total = sum(idf.get(t, 0.0) for t in q)
    if total <= 0:
        return 0.0
    present = set(terms(text))
    return sum(idf.get(t, 0.0) for t in q if t in present) / total


def _qtype(question: str) -> str | None:
    for name, pat in _QTYPE:
        if pat.search(question):
            return name
    return None


def short_answer(question: str, sentence: str, offset: int) -> ShortAnswer | None:
    """The span of ``sentence`` that answers a when/who/how-many/what question.

    The question is cut at its interrogative word; the words just before it are
    looked up in the sentence (the answer follows them), and the words just after
    it (the answer precedes them). Offsets are into the document: ``offset`` is the
    sentence's start.
    """
    kind = _qtype(fold_aligned(question))
    if kind is None:
        return None
    q = fold_aligned(question.strip().rstrip("？?。!！"))
    s = fold_aligned(sentence)
    m = dict(_QTYPE)[kind].search(q)
    left, right = q[: m.start()], q[m.end() :]
    start, end = _anchor(s, left, right)
    if start is None and end is None:
        return _typed_span(kind, sentence, 0, len(sentence), offset)
    # The answer never crosses punctuation: it is the clause next to the anchor
    # that was found (the one after the interrogative is the more reliable).
    if end is not None:
        stops = [mm.end() for mm in _PUNCT_STOP.finditer(s, 0, end)]
        start = max(start or 0, stops[-1] if stops else 0)
    else:
        while start < len(s) and s[start] in "“\"'‘「『 ":
            start += 1  # an answer in quotes: 任务是“两个维护”
        mm = _PUNCT_STOP.search(s, start)
        end = mm.start() if mm else len(s)
    while start < end and (s[start] in "是为了在于，,、：:“\"'‘ " ):
        start += 1
    while end > start and s[end - 1] in "，,。；;：:”\"'’ 的":
        end -= 1
    if end <= start and kind == "why":
        # the question's own words open this clause; the reason is the clause before it
        stops = [mm.end() for mm in _PUNCT_STOP.finditer(s, 0, max(0, start - 1))]
        start, end = (stops[-1] if stops else 0), max(0, start - 1)
    if end <= start:
        return _typed_span(kind, sentence, 0, len(sentence), offset)
    typed = _typed_span(kind, sentence, start, end, offset) or _typed_span(kind, sentence, 0, len(sentence), offset)
    if typed is not None or kind in ("when", "number"):
        return typed
    if kind == "who":
        a, b = _name_span(sentence[start:end])
        start, end = start + a, start + b
    if end - start > 40:
        return None
    return ShortAnswer(sentence[start:end], offset + start, offset + end)


def _anchor(s: str, left: str, right: str) -> tuple[int | None, int | None]:
    """Where the answer starts and ends in folded sentence ``s``.

    The words just after the interrogative mark the end, the words just before it
    the start. When an anchor occurs several times, the occurrence preceded by the
    most of the question's other characters wins (驻院纪检监察组要履行好 picks the
    要履行好 that follows 驻院纪检监察组).
    """
    def longest(part: str, suffix: bool) -> str:
        for n in range(min(len(part), 12), 1, -1):
            piece = part[-n:] if suffix else part[:n]
            if piece in s:
                return piece
        return ""

    context = set(left) - set("的是了在和与要")

    def context_score(end_of_left: int, n: int) -> int:
        window = s[max(0, end_of_left - n - 15) : end_of_left - n]
        return sum(ch in context for ch in window)

    rpiece = longest(right, False)
    rights = [m.start() for m in re.finditer(re.escape(rpiece), s)] if rpiece else []
    for n in range(min(len(left), 12), 1, -1):
        piece = left[-n:]
        pairs = []
        for m in re.finditer(re.escape(piece), s):
            if not rights:
                pairs.append((context_score(m.end(), n), 0, m.end(), None))
                continue
            after = [r for r in rights if r >= m.end()]
            if after:
                pairs.append((context_score(m.end(), n), -(after[0] - m.end()), m.end(), after[0]))
        if pairs:
            _, _, start, end = max(pairs)
            return start, end
    return None, (rights[0] if rights else None)


def _name_span(span: str) -> tuple[int, int]:
    """The person named in ``span`` (jieba tag nr), else the noun phrase opening it."""
    import jieba.posseg

    words = list(jieba.posseg.cut(span))
    pos = 0
    for i, (word, flag) in enumerate(words):
        if flag.startswith("nr") and len(word) >= 2:
            end = pos + len(word)
            # 保罗·皮尔斯, 耶律金山: a name continues across a middle dot or a second name token
            for nxt, nflag in words[i + 1 :]:
                if nxt in "·•・." or nflag.startswith(("nr", "ns")) and end - pos < 8:
                    end += len(nxt)
                else:
                    break
            return pos, end
        pos += len(word)
    length = 0
    for word, flag in words:
        if not (flag.startswith(("nr", "nt", "ns", "nz", "n")) or flag in ("j", "eng")):
            break
        length += len(word)
    return 0, length or len(span)


def _typed_span(kind: str, sentence: str, lo: int, hi: int, offset: int) -> ShortAnswer | None:
    pat = _TYPED.get(kind)
    if pat is None:
        return None
    m = pat.search(sentence, lo, hi)
    if not m or not m.group().strip():
        return None
    m = pat.match(sentence, m.start())  # the unit may lie past the span's end (3|股调查组)
    return ShortAnswer(m.group(), offset + m.start(), offset + m.end())


def answer_question(question: str, *, retriever: Retriever, scored: Sequence[Scored], query_vector: np.ndarray,
                    history_terms: Sequence[str], threshold: float, sentence_dense: bool = False,
                    related_k: int = 3) -> Answer:
    """Choose the sentence that answers ``question`` from the ranked passages."""
    related = tuple(retriever.hits(scored, related_k))
    if not scored:
        return Answer(question=question, found=False, text="", related=related,
                      message="The archive is empty: add files with `rag update`.")
    q_terms = query_terms(question)
    idf = retriever.lexical.idf(q_terms + list(history_terms))
    for t in history_terms:
        idf[t] = idf.get(t, 0.0) * 0.3
    q_all = q_terms + list(history_terms)

    top = [s for s in scored[:_PASSAGES_READ]]
    spans: list[tuple[int, int, int, Scored]] = []
    for p in top:
        c = retriever.chunks[p.chunk_index]
        doc = retriever.documents[c.doc_id]
        spans.extend((c.doc_id, s, e, p) for s, e in split_sentences(doc.text, c.start, c.end))
    texts = [retriever.documents[d].text[s:e] for d, s, e, _ in spans]
    qvec = query_vector
    kind = _qtype(fold_aligned(question))
    typed = _TYPED.get(kind)
    if sentence_dense and texts:
        cos = retriever.encoder.encode_passages(texts) @ qvec
    else:
        cos = np.array([p.dense for *_, p in spans], dtype=np.float32)
    best_p = max(p.score for p in top) or 1.0
    cands = []
    for (doc_id, s, e, p), text, c in zip(spans, texts, cos):
        lex = _coverage(q_all, text, idf)
        score = 0.45 * lex + 0.35 * float(np.clip((c - 0.75) / 0.2, 0, 1)) + 0.20 * (p.score / best_p)
        if typed is not None and typed.search(text):
            score += 0.1  # a when/how-many question wants a sentence with a date/number
        cands.append(_Candidate(doc_id, s, e, p, lex, float(c), score))
    best = max(cands, key=lambda c: c.score)
    doc = retriever.documents[best.doc_id]
    chunk = retriever.chunks[best.passage.chunk_index]
    passage_cov = _coverage(q_all, passage_text(doc, chunk), idf)
    confidence = 0.6 * passage_cov + 0.4 * float(np.clip((best.dense - 0.75) / 0.2, 0, 1))
    if confidence < threshold:
        return Answer(question=question, found=False, text="", related=related, confidence=confidence,
                      message="The archive does not seem to answer this question; the closest passages are listed.")
    start, end = _extend(doc, best, cands)
    citation = _citation(retriever, doc, best.doc_id, start, end, chunk.start, chunk.end, best.score)
    short = short_answer(question, doc.text[start:end], start)
    return Answer(question=question, found=True, text=doc.text[start:end], citations=(citation,),
                  related=tuple(h for h in related if h.path != doc.path), short=short, confidence=confidence)


def _extend(doc: Document, best: _Candidate, cands: Sequence[_Candidate]) -> tuple[int, int]:
    """One sentence, or two adjacent ones when the first only introduces the second."""
    start, end = best.start, best.end
    text = doc.text[start:end]
    if text.endswith(("：", ":")) or len(text) < 12:
        following = [c for c in cands if c.doc_id == best.doc_id and c.start > end]
        if following:
            nxt = min(following, key=lambda c: c.start)
            if doc.text[end : nxt.start].strip() == "":
                end = nxt.end
    return start, end


def _citation(retriever: Retriever, doc: Document, doc_id: int, start: int, end: int,
              p_start: int, p_end: int, score: float) -> Citation:
    p_start, p_end = min(p_start, start), max(p_end, end)
    return Citation(path=doc.path, title=doc.title, date=doc.date, source=doc.source, url=doc.url,
                    sentence=doc.text[start:end], start=start, end=end, passage=doc.text[p_start:p_end],
                    passage_start=p_start, passage_end=p_end, score=score,
                    also_published=retriever.also_published(doc_id))


