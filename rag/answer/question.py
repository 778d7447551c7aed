"""The question, read once per ``ask``: everything later stages need to know about it.

``analyse`` folds, tokenises and classifies the question; everything downstream takes the
``Question`` it returns and never does that again (tests/test_answer_stage.py counts the calls).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from rag.about import asked_field, topic_text
from rag.answer.tuning import TUNING, Tuning
from rag.span import question_kind
from rag.span.typed import TYPED
from rag.text import fold_aligned, load_jieba, query_terms, simplified_aligned

__all__ = ["KINDS", "Question", "analyse"]

Kind = Literal["who", "when", "number", "where", "which", "why", "what", "yes-no", "field", "list", "other"]
KINDS: tuple[str, ...] = ("who", "when", "number", "where", "which", "why", "what", "yes-no", "field", "list", "other")

_WHERE = re.compile(r"哪里|哪儿|何处|何地|在哪|什么地方|哪个地方|哪边")
_WHICH = re.compile(r"哪[一个家所座条种位部项]|哪\w")
_LIST = re.compile(r"哪些|分别|有什么|有哪|各自|哪几")
_YES_NO = re.compile(r"是否|是不是|有没有|能否|可否|吗$")
_SEVERAL = re.compile("分别|哪些|哪几|各自")
_ONE_CLAUSE_KINDS = ("who", "when", "number")
_NAME_TAGS = ("nr", "ns", "nt", "nz")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Question:
    """One question as the answer stage reads it.

    ``text``: as asked (a follow-up's pronoun resolved); ``raw``: as typed; ``folded``: script and
    width folded, closing punctuation off (same length as ``text`` stripped); ``simplified``: the
    text in simplified script, aligned, for the reader; ``script``: which script it was typed in;
    ``terms``: its own lexical terms, ``borrowed``: those of earlier turns, ``idf``: the weight of
    each (borrowed ones at ``Tuning.borrowed_weight``); ``rule_kind``: the interrogative's kind as the
    span rules use it (when/who/number/why/what or None); ``kind``: the finer kind asked;
    ``field``: the metadata field asked about (author, date, source, site, url) or None;
    ``names``: the names and numbers it says; ``one_clause``: its answer sits within one clause;
    ``topic``: for a question about an article's metadata, the terms that name the article.
    """

    text: str
    raw: str
    folded: str
    simplified: str
    script: Literal["simplified", "traditional"]
    terms: tuple[str, ...]
    borrowed: tuple[str, ...]
    idf: Mapping[str, float] = field(repr=False)
    rule_kind: str | None
    kind: str
    field: str | None
    names: tuple[str, ...]
    one_clause: bool
    topic: tuple[str, ...] = ()

    @property
    def all_terms(self) -> list[str]:
        return list(self.terms) + list(self.borrowed)

    @property
    def weighted(self) -> int:
        """How many distinct terms carry weight: how much coverage can say."""
        return sum(1 for t in set(self.all_terms) if self.idf.get(t, 0.0) > 0)

    @property
    def normalised(self) -> str:
        """The folded question as the span rules read it (a closing X为何 reads as X是)."""
        q = self.folded
        return q[:-2] + "是" if q.endswith(("为何", "是何")) else q


def _kind(rule_kind: str | None, folded: str, field_: str | None) -> str:
    if field_ is not None:
        return "field"
    if rule_kind in ("who", "when", "number", "why"):
        return rule_kind
    if _WHERE.search(folded):
        return "where"
    if _LIST.search(folded):
        return "list"
    if _WHICH.search(folded):
        return "which"
    if rule_kind == "what":
        return "what"
    return "yes-no" if _YES_NO.search(folded) else "other"


def _names(text: str) -> tuple[str, ...]:
    """The proper names jieba tags in the question, and its numbers."""
    jieba = load_jieba()
    found = [w for w, f in jieba.posseg.cut(text) if f.startswith(_NAME_TAGS) and len(w) >= 2]
    return tuple(dict.fromkeys(found + _NUMBER.findall(text)))


def analyse(text: str, *, idf: Callable[[list[str]], dict[str, float]], raw: str | None = None,
            borrowed: Sequence[str] = (), tuning: Tuning = TUNING) -> Question:
    """Read ``text`` once. ``idf(terms)`` gives the archive's weight of each term (the lexical
    index's IDF); ``borrowed`` are the terms a follow-up takes from earlier turns."""
    stripped = text.strip()
    folded = fold_aligned(stripped.rstrip("？?。!！/ "))
    own = query_terms(stripped)
    field_ = asked_field(raw if raw is not None else text)
    topic = query_terms(topic_text(raw if raw is not None else text)) + list(borrowed) if field_ else []
    weights = idf(own + list(borrowed) + topic)
    for t in borrowed:
        if t not in own:
            weights[t] = weights.get(t, 0.0) * tuning.borrowed_weight
    rule_kind = question_kind(stripped)
    simplified = simplified_aligned(stripped)
    script = "simplified" if simplified == stripped else "traditional"
    return Question(
        text=text, raw=raw if raw is not None else text, folded=folded, simplified=simplified,
        script=script, terms=tuple(own), borrowed=tuple(t for t in borrowed if t not in own),
        idf=MappingProxyType(weights), rule_kind=rule_kind, kind=_kind(rule_kind, folded, field_), field=field_,
        names=_names(folded), one_clause=rule_kind in _ONE_CLAUSE_KINDS and not _SEVERAL.search(folded),
        topic=tuple(topic))


def typed_pattern(question: Question):
    """The form the answer has (a date for when, a quantity for how many), or None."""
    return TYPED.get(question.rule_kind or "")
