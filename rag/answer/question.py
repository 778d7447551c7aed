"""The question, read once per ``ask``: everything downstream takes a :class:`Question`.

Nothing after :func:`read_question` folds, tokenises or classifies the question's text again: the
retriever takes its terms, the producers its kind, terms and IDF, the quote and the dates its kind
(tests/test_answer_stage.py counts the calls during one ``ask``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from rag.about import asked_field
from rag.answer.tuning import BORROWED_WEIGHT, ONE_CLAUSE_KINDS
from rag.span import normalise_question, question_kind
from rag.text import fold, load_jieba, simplified_aligned, strip_question_words, terms

__all__ = ["Question", "read_question"]

_WHERE = re.compile(r"哪里|哪儿|何处|何地|在哪|什么地方|哪个地方")
_SEVERAL = re.compile("分别|哪些|哪几|各自")  # asks for several: the answer is a list of clauses, not one
_TITLE = re.compile(r"《[^《》]{1,40}》")
_NAME_TAGS = ("nr", "ns", "nt", "nz")


@dataclass(frozen=True)
class Question:
    """A question as the answer stage reads it.

    ``text``: as asked (the date words that became a filter taken out); ``folded``: script and width
    folded for matching; ``simplified``: traditional characters made simplified one for one (what the
    reader reads); ``normal``: folded without its closing punctuation (what the span rules read);
    ``terms``: its own lexical terms, interrogatives removed; ``borrowed``: terms taken from earlier
    turns of a conversation; ``idf``: the weight of each (borrowed ones at ``BORROWED_WEIGHT``);
    ``kind``: when / who / number / why / what / None; ``where``: asks for a place; ``several``: asks
    for several things (分别, 哪些); ``names``: the people, places, organisations and titles it names;
    ``field``: the article's metadata field it asks for (author, date, source, site, url; ``rag.about``).
    """

    text: str
    folded: str
    simplified: str
    normal: str
    traditional: bool
    terms: tuple[str, ...]
    borrowed: tuple[str, ...] = ()
    idf: Mapping[str, float] = field(default_factory=dict, compare=False)
    kind: str | None = None
    where: bool = False
    several: bool = False
    field: str | None = None

    @property
    def all_terms(self) -> list[str]:
        """The question's terms and those borrowed from earlier turns, as retrieval and coverage count them."""
        return list(self.terms) + list(self.borrowed)

    @property
    def one_clause(self) -> bool:
        """A person, a date or a quantity is read within one clause, unless several are asked for."""
        return self.kind in ONE_CLAUSE_KINDS and not self.several

    @cached_property
    def names(self) -> tuple[str, ...]:
        """People, places, organisations and titles the question names (jieba's tags; 《…》), tagged
        only when asked for: nothing on the way to a sentence answer needs them."""
        jieba = load_jieba()
        words = [w for w, f in jieba.posseg.cut(self.simplified) if f.startswith(_NAME_TAGS) and len(w) >= 2]
        return tuple(dict.fromkeys(words + _TITLE.findall(self.simplified)))

    def chars(self) -> frozenset[str]:
        """The folded question's characters (how much a span only echoes the question)."""
        return frozenset(self.folded)


def read_question(text: str, borrowed: Sequence[str] = (),
                  idf: Callable[[list[str]], dict[str, float]] | None = None) -> Question:
    """Read ``text`` once: folded forms, terms, their IDF (``idf``: the archive's, e.g.
    ``retriever.lexical.idf``; none, every term weighs 1), kind, names.

    >>> q = read_question("黄河发源于哪里？")
    >>> q.kind, q.where, q.terms[:3]
    ('what', True, ('黄', '河', '发'))
    """
    folded = fold(text)
    own = terms(strip_question_words(folded))  # rag.text.query_terms, from the one folding
    borrowed = tuple(borrowed)
    weights = idf(own + list(borrowed)) if idf is not None else {t: 1.0 for t in own + list(borrowed)}
    for t in borrowed:
        weights[t] = weights.get(t, 0.0) * BORROWED_WEIGHT
    normal = normalise_question(text)
    simplified = simplified_aligned(text)
    return Question(text=text, folded=folded, simplified=simplified, normal=normal,
                    traditional=simplified != text, terms=tuple(own), borrowed=borrowed,
                    idf=MappingProxyType(weights), kind=question_kind(normal, normalised=True),
                    where=bool(_WHERE.search(folded)), several=bool(_SEVERAL.search(folded)),
                    field=asked_field(folded, folded=True))

