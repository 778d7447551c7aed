"""Clauses of a sentence and the gap between the question's anchors in them.

All functions take the folded sentence ``s`` and return ``(start, end)`` offsets into it.
"""

from __future__ import annotations

import re

from rag.text import load_jieba, strip_question_words

_OPEN, _CLOSE = "（(《「『“【〈[", "）)》」』”】〉]"
_CLAUSE_END = "，,；;：:。！？!?\n"
FILLER = set("的是了在和与及有为于也而其之这那该此")
LEAD = "是为了在于，,、：:“\"'‘ "
TRAIL = "，,。；;：:”\"'’ 的"
REASON = re.compile(r"^(?:因为|由于|以便|以防|以免|为了|以(?![致后前上下来及])|因(?![此而]))")
_MAX_SPAN = 60  # characters: an anchored gap longer than this is not trusted


def split_clauses(s: str) -> list[tuple[int, int]]:
    """Clause spans: cut at commas, semicolons, colons and stops outside brackets and quotes."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(s):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in _CLAUSE_END and depth == 0:
            out.append((start, i))
            start = i + 1
    out.append((start, len(s)))
    return [(a, b) for a, b in (trim(s, a, b, " \t", " \t") for a, b in out) if b > a]


def trim(s: str, a: int, b: int, lead: str = LEAD, trail: str = TRAIL) -> tuple[int, int]:
    while a < b and s[a] in lead:
        a += 1
    while b > a and s[b - 1] in trail:
        b -= 1
    # a bracket or quote left open at one end is closed or dropped
    if a < b and s[b - 1] in _OPEN:
        b -= 1
    if a < b and s[a] in _CLOSE:
        a += 1
    return a, b


def clause_of(clauses: list[tuple[int, int]], pos: int, *, before: bool) -> tuple[int, int]:
    """The clause holding ``pos``; at a clause break, the one ``before`` it or the one after."""
    for a, b in clauses:
        if a <= pos <= b:
            return a, b
    if before:
        return max(((a, b) for a, b in clauses if b <= pos), default=(0, pos))
    return min(((a, b) for a, b in clauses if a >= pos), default=(pos, pos))


_CLOSERS = set("，。；！？,.;!?：: \u3000")


def anchored_gap(s: str, left: str, right: str, clauses: list[tuple[int, int]]) -> tuple[int, int]:
    """The gap between the question's words before and after its interrogative, in ``s``.

    The words just after the interrogative mark the end, the words just before it
    the start. When an anchor occurs several times, the occurrence preceded by the
    most of the question's other characters wins. The answer does not leave the
    clause the anchor is in. ``(0, 0)`` when neither anchor is found.
    """

    def longest(part: str, suffix: bool) -> str:
        for n in range(min(len(part), 12), 1, -1):
            piece = part[-n:] if suffix else part[:n]
            if piece in s:
                return piece
        return ""

    # 部署了|什么: an aspect particle before the interrogative is not in the statement (研究部署加强…)
    left = left.rstrip("了过過着著") or left
    context = set(left) - FILLER

    def context_score(end_of_left: int, n: int) -> int:
        window = s[max(0, end_of_left - n - 15) : end_of_left - n]
        return sum(ch in context for ch in window)

    rpiece = longest(right, False)
    rights = [m.start() for m in re.finditer(re.escape(rpiece), s)] if rpiece else []

    def right_end(after: list[int]) -> int:
        # 部署了什么工作？ <- 部署A、推进B工作法治化等工作。: when the question ends with the
        # anchor, the occurrence that ends its clause closes the answer, not the first one.
        first = after[0]
        if rpiece != right:
            return first
        _, b = clause_of(clauses, first, before=False)
        closing = [r for r in after if r + len(rpiece) <= b and (r + len(rpiece) == len(s) or s[r + len(rpiece)] in _CLOSERS)]
        return closing[-1] if closing else first
    start = end = None
    for n in range(min(len(left), 12), 1, -1):
        piece = left[-n:]
        pairs = []
        for m in re.finditer(re.escape(piece), s):
            after = [r for r in rights if r >= m.end()]
            if not rights:
                pairs.append((context_score(m.end(), n), 0, m.end(), None))
            elif after:
                r = right_end(after)
                pairs.append((context_score(m.end(), n), -(r - m.end()), m.end(), r))
        if pairs:
            _, _, start, end = max(pairs)
            break
    else:
        end = rights[0] if rights else None
    if start is None and end is None:
        return (0, 0)
    if end is not None:  # the clause before the right anchor, from the left anchor on
        a, _ = clause_of(clauses, end, before=True)
        start = max(start or 0, a)
    else:
        while start < len(s) and s[start] in "“\"'‘「『 ":
            start += 1  # an answer in quotes: 任务是“两个维护”
        _, end = clause_of(clauses, start, before=False)
    return trim(s, start, max(start, end))


def informative(s: str, a: int, b: int, q: str) -> bool:
    """A span that says something the question does not."""
    new = [ch for ch in s[a:b] if ch not in q and not ch.isspace()]
    return 0 < b - a <= _MAX_SPAN and 2 * len(new) >= b - a


def home_clause(s: str, clauses: list[tuple[int, int]], q: str, typed: re.Pattern | None) -> tuple[int, int]:
    """The clause that restates the question the most (its words and word pairs)."""
    content = strip_question_words(q)
    chars = {ch for ch in content if not ch.isspace() and ch not in FILLER}
    pairs = {content[i : i + 2] for i in range(len(content) - 1)}

    def score(c: tuple[int, int]) -> float:
        text = s[c[0] : c[1]]
        overlap = sum(p in text for p in pairs) + 0.5 * len(chars & set(text))
        new = sum(ch not in q for ch in text)
        fits = typed is not None and typed.search(text) is not None
        return overlap + (2.0 if fits else 0.0) + (0.0 if new >= 2 else -3.0)

    if not clauses:
        return (0, 0)
    a, b = max(clauses, key=score)
    return trim(s, a, b)


_RESULT = re.compile(r"^(?:已|也|才|则|并|便)?(?:因此|所以|故此|故而|故|因而|于是|从而|以致|导致|使得|遂)")
_PURPOSE = re.compile(r"(?:是|乃)为了|以便|以免|以防")


def reason_clause(s: str, clauses: list[tuple[int, int]], home: tuple[int, int]) -> tuple[int, int] | None:
    """For a why-question: the X of 以X为由; nearest the home clause, a clause opened by 因为/由于/以/为了 …;
    else the clause before one that draws a result (…，因此/所以/导致 …); else what
    follows 是为了 (这是为了防止…)."""
    pretext = re.search(r"以([^，,。；]{1,12}?)为(?:由|借口|理由)", s)  # 以患病为由
    if pretext:
        return pretext.start(1), pretext.end(1)
    marked = [c for c in clauses if REASON.match(s[c[0] : c[1]])]
    if marked:
        a, b = min(marked, key=lambda c: abs(c[0] - home[0]))
        return trim(s, a, b, lead=" ")
    results = [i for i, (a, b) in enumerate(clauses) if i > 0 and _RESULT.match(s[a:b])]
    if results:
        i = min(results, key=lambda i: abs(clauses[i][0] - home[0]))
        return trim(s, *clauses[i - 1])
    m = _PURPOSE.search(s)
    if m:
        _, end = clause_of(clauses, m.end(), before=False)
        return trim(s, m.end(), end)
    return None


def after_noun(s: str, right: str, clauses: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The rest of the clause after the question's words that follow its interrogative
    (特点) when the sentence goes on with 是/为/包括/在于 …"""
    for n in range(min(len(right), 8), 1, -1):
        m = re.search(re.escape(right[:n]) + r"(?:主要)?(?:是|为|包括|在于|有|：|:)", s)
        if m:
            _, end = clause_of(clauses, m.end(), before=False)
            return trim(s, m.end(), end)
    return None


def noun_then(s: str, noun: str, clauses: list[tuple[int, int]]) -> tuple[int, int] | None:
    """What follows the asked-for noun in the sentence, to its clause's end: 艺名纳豆 and
    分子式为CHCONH answer 林郁智的艺名是什么 and 乙酰胺的分子式是什么."""
    m = re.search(re.escape(noun) + r"(?:是|为|叫做|叫|称为|：|:)?", s)
    if m is None or m.end() >= len(s) or s[m.end()] in "的之，,。":
        return None
    _, end = clause_of(clauses, m.end(), before=False)
    return trim(s, m.end(), end)


_NAMED_AS = r"(?:被|又|亦|也)?(?:称为|称作|称之为|叫做|叫作|名为|简称为?|统称为?|通称为?)(?:是)?[「“\"]?"


def named_as(s: str, subject: str) -> tuple[int, int] | None:
    """What the sentence calls ``subject``: 由独裁体制转变成民主体制的过程，称为民主化 answers
    什么是民主化 with the words before 称为, back to the sentence's start or a semicolon."""
    m = re.search(_NAMED_AS + re.escape(subject), s)
    if m is None:
        return None
    a = max(s.rfind("；", 0, m.start()), s.rfind(";", 0, m.start())) + 1
    return trim(s, a, m.start())


def drop_restated(s: str, a: int, b: int, q: str) -> tuple[int, int]:
    """A clause without the words at its end that only restate the question:
    经济发展则可通过减贫而降低自杀率 -> 经济发展 for 可通过减贫而降低自杀率的方法为哪一种.
    (Dropping a restated start as well cost CMRC, whose answers keep their subject.)"""
    jieba = load_jieba()

    words = list(jieba.cut(s[a:b]))
    j = len(words)
    while j > 0 and all(ch in q or ch in FILLER or not ch.strip() for ch in words[j - 1]):
        j -= 1
    if j < len(words) and words[j] in ("的", "之"):
        return a, b  # 矩形的表格: the noun a 的 leads to stays
    cut = sum(map(len, words[j:]))
    if cut < 3 or b - a - cut < 3:
        return a, b
    return trim(s, a, b - cut)


def subject_of(s: str, described: str, clauses: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The thing a sentence says *is* what the question describes: 使用同源重组改变内源基因的技术是什么
    <- 基因靶向是使用同源重组来改变内源基因的不同技术. The longest piece of ``described`` found in
    ``s`` (at least half of it, four characters or more) must follow 是/为/即 by at most four
    characters (一种, 全国); the answer is what comes before that 是 in its clause, or ``(0, 0)``
    when that clause starts with the 是 (the subject is the sentence's, before its first comma)."""
    if len(described) < 4:
        return None
    for n in range(len(described), max(4, (len(described) + 1) // 2) - 1, -1):
        for i in range(len(described) - n + 1):
            at = s.find(described[i : i + n])
            if at < 0:
                continue
            a, _ = clause_of(clauses, at, before=True)
            m = re.search(r"(?:是|为|即)[^，,；;。]{0,4}$", s[a:at])
            if m is None:
                return None
            if m.start() == 0:  # …，是加拿大最繁忙的机场: the clause has no subject of its own
                return (0, 0) if a > 0 else None
            return trim(s, a, a + m.start())
    return None
