"""Reading a question in its conversation: what a follow-up refers to, and what was already said.

Three kinds of question, told apart by their own words:

- ``new``: says enough on its own (中央第七督导组组长是谁？ after anything) — the history is
  left out, so earlier turns cannot drown it;
- ``follow-up``: refers back (他/她/该/此/这次/那次), or is an ellipsis (那北京呢？ 为什么？) —
  it borrows the latest question's terms (at reduced weight) and leans towards the
  article the latest answer came from;
- ``more``: asks for something else (他还强调了什么？ 还有哪些？ 另外呢？) — a follow-up whose
  answer must differ from what was already said: earlier short answers (or quotes without one)
  are left out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from rag.about import asked_field
from rag.records import Turn
from rag.text import fold, load_jieba, query_terms, strip_question_words

if TYPE_CHECKING:
    from rag.answer.question import Question

__all__ = ["Context", "resolve", "MORE", "REFERS"]

# on folded (simplified) text
REFERS = re.compile(r"[他她它其该此这那]|上述|前述|本次|此前|他们|她们|对方|为什么|为何|怎么回事|呢[？?]?$|吗[？?]?$")
MORE = re.compile(r"还[^，。？?]{0,8}(?:什么|哪些|哪个|哪|谁|几|呢|吗)|还有|另外|此外|其他|其它|别的|除此|除了这|再说|更多")
_SELF_CONTAINED = 6  # characters of content: a question with this many and no reference back stands alone
_FUNCTION = re.compile(r"[的了是在由于与和及把被对从向为吗呢吧啊要有]")
_SAME_ARTICLE = 0.15  # added to a passage's fused score when it is from the article the last answer quoted
_SAME_ARTICLE_MORE = 0.3


@dataclass(frozen=True)
class Context:
    """How to read a question given its conversation.

    ``terms``: earlier words to add to the lexical query; ``query``: the text to embed;
    ``articles``: paths the conversation was about, with the bonus their passages get;
    ``avoid``: spans (path, start, end) already given — short answers, or quotes without one — that
    the answer must not repeat; ``repeat``: the latest quote, which a follow-up should repeat only
    when nothing else answers;
    ``question``: the question with its pronoun replaced by what it stands for (他 -> 张勇), for
    the reader.
    """

    kind: Literal["new", "follow-up", "more"]
    terms: tuple[str, ...] = ()
    query: str = ""
    articles: tuple[tuple[str, float], ...] = ()
    avoid: tuple[tuple[str, int, int], ...] = ()
    question: str = ""
    repeat: tuple[tuple[str, int, int], ...] = ()


def _content_chars(folded: str) -> int:
    """Characters of a question that name things: no interrogatives, particles or punctuation."""
    return sum(1 for ch in _FUNCTION.sub("", strip_question_words(folded)) if ch.isalnum())


def resolve(read: Question, history: Sequence[Turn]) -> Context:
    """The context the question (``read``: as the answer stage read it, ``rag.answer.question``) is read
    in, given the earlier turns (oldest first)."""
    question = read.text
    if not history:
        return Context("new", query=question, question=question)
    q = read.folded
    own = set(read.terms)
    more = bool(MORE.search(q))
    if not more and not REFERS.search(q) and _content_chars(q) >= _SELF_CONTAINED:
        return Context("new", query=question, question=question)
    last = history[-1]
    # the latest question that was about something (a bare 还有呢？ chain points further back; a
    # question about an article's date or source names no topic of its own)
    anchor = next((t for t in reversed(history)
                   if len(set(query_terms(t.question))) >= 4 and asked_field(t.question) is None), last)
    borrowed: list[str] = []
    for t in query_terms(anchor.question):
        if t not in own and t not in borrowed:
            borrowed.append(t)
    cited = next((t.path for t in reversed(history) if t.path), None)
    bonus = _SAME_ARTICLE_MORE if more else _SAME_ARTICLE
    articles = ((cited, bonus),) if cited else ()
    # what was already said: each earlier short answer, or the quote when there was none
    avoid = tuple((t.path, t.short_start, t.short_end) if t.short_start is not None else (t.path, t.start, t.end)
                  for t in history if more and t.path and t.start is not None and t.end is not None)
    rewritten = _substitute(question, anchor, last)
    repeat = ((last.path, last.start, last.end),) if last.path and last.start is not None else ()
    return Context("more" if more else "follow-up", tuple(borrowed), f"{anchor.question} {rewritten}", articles,
                   avoid, rewritten, repeat)


_PERSON = re.compile(r"(?<![其吉])[他她](?![们人])")
_THING = re.compile(r"它们|它|该(?=[\w])|这里|那里|当地")
_ASKS_WHO = re.compile(r"谁|哪位|何人|什么人")
# where a question's subject ends: the first verb-like or question word after it
_SUBJECT_END = re.compile(r"是|的|由|在|位于|被|于|有|成立|兴建|出身|生存|现任|要|把|对|哪|什么|谁|几|多少|何|如何|怎么")


def _subject(question: str) -> str:
    """The words a question is about: what stands before its first verb or question word."""
    m = _SUBJECT_END.search(question, 2)
    head = question[: m.start()] if m else ""
    return head.strip(" 《》“”\"") if 2 <= len(head) <= 20 else ""


def _person(short: str) -> str:
    """The person a who-answer names: the first personal name jieba tags in it (张勇主持并讲话 -> 张勇),
    or the whole answer when it is short and untagged."""
    if not short:
        return ""
    jieba = load_jieba()

    for word in jieba.posseg.cut(short):
        if word.flag == "nr" and len(word.word) >= 2:
            return word.word
    return short if len(short) <= 6 else ""


def _substitute(question: str, anchor: Turn, last: Turn) -> str:
    """``question`` with its first pronoun replaced: 他/她 by the person the latest who-question
    was answered with, 它/该/那里 by the subject of the question the conversation is about."""
    person = _person(last.short) if _ASKS_WHO.search(fold(last.question)) else ""
    if _PERSON.search(question) and person:
        return _PERSON.sub(person, question, count=1)
    subject = _subject(anchor.question)
    if subject and _THING.search(question):
        return _THING.sub(subject, question, count=1)
    if subject and _PERSON.search(question) and not _ASKS_WHO.search(fold(anchor.question)):
        return _PERSON.sub(subject, question, count=1)
    return question
