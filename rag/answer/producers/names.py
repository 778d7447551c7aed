"""Every person (who), place (where) or name of either kind or of an organisation (which) that
jieba tags in the best sentences and the question does not say."""

from __future__ import annotations

from rag.answer.candidate import Candidate
from rag.answer.passages import Passages
from rag.answer.question import Question
from rag.text import load_jieba

__all__ = ["TAGS", "candidates"]

TAGS = {"who": ("nr", "nt"), "where": ("ns",), "which": ("nr", "ns", "nt", "nz")}


def candidates(question: Question, passages: Passages) -> list[Candidate]:
    tags = TAGS.get(question.kind)
    if tags is None:
        return []
    jieba = load_jieba()
    out = []
    for p, s, _ in passages.best_sentences():
        at = 0
        for word, flag in jieba.posseg.cut(s.folded):
            a, at = at, at + len(word)
            if flag.startswith(tags) and len(word) >= 2 and word not in question.folded:
                out.append(Candidate(p, s.start + a, s.start + at, (s.start, s.end), ["names"]))
    return out
