"""Stage 6: the short answer inside a chosen sentence (``Answer.short``).

No reader model ships through PyPI for Chinese, so the span comes from the
question's own shape. A factoid question is usually its answer sentence with the
answer swapped for an interrogative (X于哪一年成立 <- X于1998年成立), so:

1. the question is cut at its interrogative; the words just before it are looked
   up in the sentence (the answer follows them) and the words just after it (the
   answer precedes them): the gap between the two anchors is the answer;
2. questions asking when / how many want a date / quantity, who wants a name:
   the first such expression near the anchors, else in the clause that restates the
   question the most;
3. a question that lists items of an enumeration in the sentence (除了A、B，还有
   哪个 / A和哪一种) is answered by the item it does not name;
4. which-questions (哪一座山脉, 哪个组织, 哪一条…的河流, 核心都市是哪一个) and where-
   questions want a noun phrase: one ending in the asked-for noun, or naming a
   person / place / organisation / period as that noun requires (jieba's tags, else
   the phrase's suffix: …学会 is an organisation), or a 《title》 for a work;
5. otherwise the anchored gap or the clause that says what the question asks
   about, without words at its end that only repeat the question.

Offsets are into the document: ``offset`` is the sentence's start there.
"""

from __future__ import annotations

import re

from rag.records import ShortAnswer
from rag.span.clauses import (
    LEAD,
    REASON,
    TRAIL,
    after_noun,
    anchored_gap,
    drop_restated,
    home_clause,
    informative,
    named_as,
    noun_then,
    reason_clause,
    split_clauses,
    subject_of,
    trim,
)
from rag.span.phrases import (
    LIST_HINT,
    best_phrase,
    equated_noun,
    head_category,
    head_words,
    leading_phrase,
    list_rest,
    nation_word,
)
from rag.span.typed import TYPED, typed_span
from rag.text import fold_aligned, load_jieba

__all__ = ["TYPED", "normalise_question", "question_kind", "short_answer", "warm_up"]

_KINDS = [
    (
        "when",
        re.compile(r"哪天|哪一天|何时|何年|什么时候|哪年|哪一年|几月|几日|什么时间|什么年代|哪个年代|哪一个年代|日期"),
    ),
    ("who", re.compile(r"由谁|是谁|谁|哪位|什么人|何人")),
    ("number", re.compile(r"多少|几个|几次|几年|几|多久|多长|多高|多大|多重|多远|多深|多宽|多厚|多快|百分比")),
    # 为什么/为何 asks why, except as 称为什么 (called what)
    ("why", re.compile(r"(?<![称名成作改视叫])(?:为什么|为何)|什么原因|原因是")),
    ("what", re.compile(r"什么|甚么|哪些|哪个|哪里|哪儿|哪|何地|何处|如何|怎样|怎么|何")),
    # no interrogative, the question stops where the answer would go: 李白描写秦岭山路的作品是？
    ("what", re.compile(r"(?:是|为|称为|称之为|叫|叫做|或是|是指|指的是|包括|以及|和|与|及|记成|定义于)$")),
]
_KIND_RE = dict(_KINDS[:-1])
_TRAILING = _KINDS[-1][1]
_MAX_SHORT = 100  # characters: no short answer is longer


def warm_up() -> None:
    """Load jieba's dictionary and its tagger now rather than on the first question."""
    jieba = load_jieba()

    jieba.posseg.lcut("检察机关")


def normalise_question(question: str) -> str:
    """Folded, without the closing punctuation; a closing X为何 (X is what) reads as X是."""
    q = fold_aligned(question.strip().rstrip("？?。!！/ "))
    return q[:-2] + "是" if q.endswith(("为何", "是何")) else q


def question_kind(question: str, normalised: bool = False) -> str | None:
    """when / who / number / why / what, from the interrogative the question uses
    (``normalised``: ``question`` is already :func:`normalise_question`'s)."""
    q = question if normalised else normalise_question(question)
    for name, pat in _KINDS:
        if pat.search(q):
            return name
    return None


def short_answer(question, sentence: str, offset: int) -> ShortAnswer | None:
    """The span of ``sentence`` that answers a when/who/how-many/why/what question
    (``question``: its text, or a ``rag.answer.Question`` read once)."""
    if isinstance(question, str):
        q = normalise_question(question)
        kind = question_kind(q, normalised=True)
    else:
        q, kind = question.normal, question.kind
    if kind is None or not sentence.strip():
        return None
    s = fold_aligned(sentence)
    clauses = split_clauses(s)
    m = _KIND_RE[kind].search(q) or _TRAILING.search(q)
    equated: list[str] = []
    if m.re is _TRAILING:
        # 韩国的领导者为？ asks for a person as 领导者 does; the answer follows the whole question
        equated = equated_noun(q, m.start())
        m = re.search("$", q)
    left, right = q[: m.start()], q[m.end() :]
    anchored = anchored_gap(s, left, right, clauses)
    home = home_clause(s, clauses, q, TYPED.get(kind))

    if kind in TYPED:
        typed = typed_span(kind, s, [r for r in (anchored, home, (0, len(s))) if r[1] > r[0]], q)
        if typed is not None:
            return _span(sentence, *typed, offset, q)
    if kind in ("what", "who") and LIST_HINT.search(q):
        rest = list_rest(s, q, clauses)
        if rest is not None:
            return _span(sentence, *rest, offset, q)
    nation = _NATION.search(q)
    if kind == "what" and nation is not None:
        # 是哪国人 / 由哪国协助 / 哪一民族的作品: a country or a people, often as a modifier (德国著名作家)
        found = nation_word(s, q, people="族" in nation.group())
        if found is not None:
            return _span(sentence, *found, offset, q)
    head = head_words(q, m.start(), m.end()) if kind == "what" and m.group() != "哪些" else []
    gap = anchored[1] - anchored[0]
    settled = 0 < gap <= 12 and informative(s, *anchored, q)  # the gap between anchors is a short answer
    if equated and head_category(equated) is not None and not settled:
        head = equated
    if head and len(head[-1]) >= 2 and not settled:
        said = re.search(re.escape(head[-1]) + r"[：:]", s)  # 哪一句格言 <- 沙特的格言：存在先于本质
        told = noun_then(s, head[-1], clauses) if said else None
        if told is not None and informative(s, *told, q):
            return _span(sentence, *told, offset, q)
    if kind == "who" or head:
        best = best_phrase(s, q, kind, head, anchored)
        if best is not None:
            return _span(sentence, *best[:2], offset, q)
    if kind == "what" and _WHERE.match(q, m.start()) and not settled:
        best = best_phrase(s, q, kind, [], anchored, wanted="place")
        if best is not None and best[2] == "place":
            return _span(sentence, *best[:2], offset, q)
    subject = _defined(q, m, left, right) if kind == "what" else None
    if subject and subject in s:
        called = named_as(s, subject)
        if called is not None and informative(s, *called, q):
            return _span(sentence, *called, offset, q)
    if kind == "why" and not REASON.match(s[anchored[0] : anchored[1]]):
        reason = reason_clause(s, clauses, home)
        if reason is not None:
            return _span(sentence, *reason, offset, q)
    if kind == "what" and not settled and not right and re.search(r"(?:是|为)$", left):
        subject = subject_of(s, left[:-1], clauses)  # Y是 <what the question describes>
        if subject == (0, 0) or subject is not None and _PRONOUN.match(sentence[subject[0] : subject[1]]):
            subject = leading_phrase(s)  # …，是X / 其定位为X: the sentence's topic is the subject
        if subject is not None and informative(s, *subject, q):
            return _span(sentence, *subject, offset, q)
        noun = equated_noun(q, len(left) - 1)  # 林郁智的艺名是什么 <- 艺名纳豆
        told = noun_then(s, noun[0], clauses) if noun and len(noun[0]) >= 2 else None
        if told is not None and informative(s, *told, q):
            return _span(sentence, *told, offset, q)
    whole = kind == "why" or _MANNER.search(q) is not None  # a reason or a manner is said in full
    lo, hi = anchored
    named = False  # the sentence names the asked-for noun and says what it is (特点是…)
    if not informative(s, lo, hi, q):
        # 有什么特点 <- 该制度的特点是…: the asked-for noun is followed by what it is
        after = after_noun(s, right, clauses)
        named = bool(after and informative(s, *after, q))
        lo, hi = after if named else home
    if not whole:
        lo, hi = drop_restated(s, lo, hi, q)
    if _FEATURES.search(q) and not named and hi < len(s):
        # 有什么特点 / 分布在哪些地区: a description goes on to the sentence's end (叶较小，不裂，两面被毛)
        end = trim(s, lo, len(s))[1]
        if end - lo <= _MAX_SHORT:
            hi = end
    return _span(sentence, lo, hi, offset, q)


_FEATURES = re.compile(r"(?:什么|哪些)(?:样的)?(?:特点|特征|特色|特性|样子|外观|形态)|什么样子|长什么样|分布(?:在|于)?(?:哪些|哪里|什么)")
_PRONOUN = re.compile(r"^(?:其|它|他|她|该|此|这|本)")
_NATION = re.compile(r"哪一?个?国(?:家|人)?(?![王度旗歌花会内外土都君号际营企])|什么国家|哪一?个?民族|什么民族|哪一?族|国籍")
_MANNER = re.compile(r"怎么|怎样|如何|因何")
_WHERE = re.compile(r"哪里|哪儿|哪边|何地|何处")


def _defined(q: str, m: re.Match, left: str, right: str) -> str | None:
    """The term a definition question asks about: 什么是X / X是什么 / X指的是什么 -> X."""
    if m.group() == "什么" and right.startswith("是"):
        subject = right[1:]
    elif not right and re.search(r"(?:指的是|是指|是|指)$", left):
        subject = re.sub(r"(?:指的是|是指|是|指)$", "", left)
    else:
        return None
    return subject if len(subject) >= 2 else None


def _span(sentence: str, a: int, b: int, offset: int, q: str) -> ShortAnswer | None:
    """The trimmed span as a ``ShortAnswer``; ``None`` when empty, too long to be short, or
    nothing but the question's own words."""
    a, b = trim(sentence, a, b, lead=" ，,、：:", trail=TRAIL.replace("的", "").replace("”", ""))
    if b > a and fold_aligned(sentence[a:b]) in q:
        # only the question's own subject (什么是冠夫姓 <- 冠夫姓，指…): the rest of the sentence says what it is
        a, b = trim(sentence, b, len(sentence), lead=LEAD + "）)」』》", trail=TRAIL)
        if b <= a or fold_aligned(sentence[a:b]) in q:
            return None
    if b <= a or b - a > _MAX_SHORT:
        return None
    return ShortAnswer(sentence[a:b], offset + a, offset + b)
