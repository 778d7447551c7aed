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
from rag.text import fold_aligned, strip_question_words

__all__ = ["TYPED", "question_kind", "short_answer", "warm_up"]

_NUM = r"(?:[0-9０-９][0-9０-９,，.]*[0-9０-９]|[0-9０-９]|[一二三四五六七八九十百千万亿两零〇]+)"
_UNIT = (
    r"(?:[%％]|(?:平方|立方)?(?:公里|千米|公尺|公分|公斤|公顷|厘米|毫米|英里|英尺|英寸|米|呎|吋)|亿元|万元|美元|港元|元"
    r"|小时|分钟|秒|个月|周年|年|天|日|周|岁|倍|[亩克吨人名位件次个家项条批轮层级股门辆种类所座只头匹部本场届期份张栋艘架台户集首篇章卷枚颗])"
)
_NUMBER = re.compile(
    r"(?:大约|将近|超过|约|近|逾)?(?:百分之|[一二三四五六七八九十]+分之)[一二三四五六七八九十百零〇0-9.]+"
    rf"|(?:大约|将近|超过|约|近|逾)?{_NUM}(?:\s*[:：比]\s*{_NUM})?"
    rf"(?:\s*(?:至|到|-|－|~|～)\s*{_NUM})?[多余]?[万亿]?\s*{_UNIT}?"
)
_DATE = re.compile(
    r"(?:公元前?|西元前?)?(?:\d{2,4}|[一二三四五六七八九〇零]{4})年(?:\d{1,2}月(?:\d{1,2}日)?(?:[上下]午)?)?"
    r"(?:\s*(?:至|到|-|－)\s*\d{2,4}年)?"
    r"|\d{1,2}月\d{1,2}日(?:[上下]午)?|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}世纪(?:\d{1,2}年代)?(?:[初中末])?"
)
TYPED = {"when": _DATE, "number": _NUMBER}  # question kinds whose answer has a recognisable form
_KINDS = [
    ("when", re.compile(r"哪天|哪一天|何时|何年|什么时候|哪年|哪一年|几月|几日|什么时间|什么年代|哪个年代|哪一个年代|日期")),
    ("who", re.compile(r"由谁|是谁|谁|哪位|什么人|何人")),
    ("number", re.compile(r"多少|几个|几次|几年|几|多久|多长|多高|多大|多重|多远|多深|多宽|多厚")),
    ("why", re.compile(r"为什么|为何|什么原因|原因是")),
    ("what", re.compile(r"什么|甚么|哪些|哪个|哪里|哪儿|哪|何地|何处|如何|怎样|怎么|何")),
    # no interrogative, the question stops where the answer would go: 李白描写秦岭山路的作品是？
    ("what", re.compile(r"(?:是|为|称为|称之为|叫|叫做|或是|是指|指的是|包括)$")),
]
_KIND_RE = dict(_KINDS[:-1])
_TRAILING = _KINDS[-1][1]
_OPEN, _CLOSE = "（(《「『“【〈[", "）)》」』”】〉]"
_CLAUSE_END = "，,；;：:。！？!?\n"
_FILLER = set("的是了在和与及有为于也而其之这那该此")
_LEAD = "是为了在于，,、：:“\"'‘ "
_TRAIL = "，,。；;：:”\"'’ 的"
_REASON = re.compile(r"^(?:因为|由于|以便|以防|以免|为了|以|因)")
_MAX_SPAN = 60  # characters: an anchored gap longer than this is not trusted
_MAX_SHORT = 100  # characters: no short answer is longer


def warm_up() -> None:
    """Load jieba's dictionary now rather than on the first question."""
    import jieba

    jieba.initialize()


def question_kind(question: str) -> str | None:
    """when / who / number / why / what, from the interrogative the question uses."""
    q = fold_aligned(question.strip().rstrip("？?。!！/ "))
    for name, pat in _KINDS:
        if pat.search(q):
            return name
    return None


def short_answer(question: str, sentence: str, offset: int) -> ShortAnswer | None:
    """The span of ``sentence`` that answers a when/who/how-many/why/what question."""
    q = fold_aligned(question.strip().rstrip("？?。!！/ "))
    kind = question_kind(q)
    if kind is None or not sentence.strip():
        return None
    s = fold_aligned(sentence)
    clauses = _clauses(s)
    m = _KIND_RE[kind].search(q) or _TRAILING.search(q)
    equated: list[str] = []
    if m.re is _TRAILING:
        # 韩国的领导者为？ asks for a person as 领导者 does; the answer follows the whole question
        equated = _equated_noun(q, m.start())
        m = re.search("$", q)
    left, right = q[: m.start()], q[m.end() :]
    anchored = _anchored(s, left, right, clauses)
    home = _home_clause(s, clauses, q, TYPED.get(kind))

    if kind in TYPED:
        for lo, hi in (anchored, home, (0, len(s))):
            typed = _typed(kind, sentence, lo, hi, q) if hi > lo else None
            if typed is not None:
                return _span(sentence, *typed, offset, q)
    if kind in ("what", "who") and _LIST_HINT.search(q):
        rest = _list_rest(s, q, clauses)
        if rest is not None:
            return _span(sentence, *rest, offset, q)
    head = _head_words(q, m.start(), m.end()) if kind == "what" and m.group() != "哪些" else []
    gap = anchored[1] - anchored[0]
    settled = 0 < gap <= 12 and _informative(s, *anchored, q)  # the gap between anchors is a short answer
    if equated and _head_category(equated) is not None and not settled:
        head = equated
    if kind == "who" or head:
        best = _best_phrase(s, q, kind, head, anchored)
        if best is not None:
            return _span(sentence, *best[:2], offset, q)
    if kind == "what" and _WHERE.match(q, m.start()) and not settled:
        best = _best_phrase(s, q, kind, [], anchored, wanted="place")
        if best is not None and best[2] == "place":
            return _span(sentence, *best[:2], offset, q)
    if kind == "why" and not _REASON.match(s[anchored[0] : anchored[1]]):
        reason = _reason_clause(s, clauses, home)
        if reason is not None:
            return _span(sentence, *reason, offset, q)
    whole = kind == "why" or _MANNER.search(q) is not None  # a reason or a manner is said in full
    lo, hi = anchored
    if not _informative(s, lo, hi, q):
        # 有什么特点 <- 该制度的特点是…: the asked-for noun is followed by what it is
        after = _after_noun(s, right, clauses)
        lo, hi = after if after and _informative(s, *after, q) else home
    if not whole:
        lo, hi = _drop_restated(s, lo, hi, q)
    return _span(sentence, lo, hi, offset, q)


def _drop_restated(s: str, a: int, b: int, q: str) -> tuple[int, int]:
    """A clause without the words at its end that only restate the question:
    经济发展则可通过减贫而降低自杀率 -> 经济发展 for 可通过减贫而降低自杀率的方法为哪一种.
    (Dropping a restated start as well cost CMRC, whose answers keep their subject.)"""
    import jieba

    words = list(jieba.cut(s[a:b]))
    j = len(words)
    while j > 0 and all(ch in q or ch in _FILLER or not ch.strip() for ch in words[j - 1]):
        j -= 1
    if j < len(words) and words[j] in ("的", "之"):
        return a, b  # 矩形的表格: the noun a 的 leads to stays
    cut = sum(map(len, words[j:]))
    if cut < 3 or b - a - cut < 3:
        return a, b
    return _trim(s, a, b - cut)


# the question itself lists: A、B和哪一个 / 除了A还有哪 / 一种是A，另一种是
_MANNER = re.compile(r"怎么|怎样|如何|因何")
_WHERE = re.compile(r"哪里|哪儿|哪边|何地|何处")
_LIST_HINT = re.compile(r"(?:和|与|及|跟|同|、|或)(?:哪|什么|谁|何)|还有|另一|另外一|除了")
_CONJ = frozenset("和 与 及 以及 或 或者 跟 同 、".split())
_ITEM = ("n", "nr", "ns", "nt", "nz", "j", "eng", "m", "q", "b", "t")


def _list_rest(s: str, q: str, clauses: list[tuple[int, int]]) -> tuple[int, int] | None:
    """In an enumeration of the sentence (A、B和C) of which the question names some
    items (除了A、B，还有哪一个), the item it does not name."""
    import jieba.posseg

    for a, b in clauses:
        words = [tuple(p) for p in jieba.posseg.cut(s[a:b])]
        items, cur, pos = [], [], a
        for word, flag in words:
            if word in _CONJ and (word == "、" or flag in ("c", "p")):
                items.append(cur)
                cur = []
            else:
                cur.append((pos, word, flag))
            pos += len(word)
        items.append(cur)
        items = [it for it in items if it]
        if len(items) < 2:
            continue
        # the first item starts after its lead-in (包括了…), the last ends before what follows (…并列为)
        first = items[0]
        while len(first) > 1 and not all(f.startswith(_ITEM) for _, _, f in first):
            first = first[1:]
        last, k = items[-1], 0
        while k < len(last) and (
            last[k][2].startswith(_ITEM)  # 审计/v 科/n: a verb and a one-character noun make a name
            or last[k][2] in ("v", "vn") and k + 1 < len(last) and len(last[k + 1][1]) == 1 and last[k + 1][2] == "n"
        ):
            k += 1
        items[0], items[-1] = first, last[: max(k, 1)]
        spans = [(it[0][0], it[-1][0] + len(it[-1][1])) for it in items]
        named = [sp for sp in spans if s[sp[0] : sp[1]] in q]
        unnamed = [sp for sp in spans if s[sp[0] : sp[1]] not in q]
        if named and len(unnamed) == 1 and unnamed[0][1] - unnamed[0][0] <= 20:
            return unnamed[0]
    return None


def _after_noun(s: str, right: str, clauses: list[tuple[int, int]]) -> tuple[int, int] | None:
    """The rest of the clause after the question's words that follow its interrogative
    (特点) when the sentence goes on with 是/为/包括/在于 …"""
    for n in range(min(len(right), 8), 1, -1):
        m = re.search(re.escape(right[:n]) + r"(?:主要)?(?:是|为|包括|在于|有|：|:)", s)
        if m:
            _, end = _clause_of(clauses, m.end(), before=False)
            return _trim(s, m.end(), end)
    return None


def _clauses(s: str) -> list[tuple[int, int]]:
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
    return [(a, b) for a, b in (_trim(s, a, b, " \t", " \t") for a, b in out) if b > a]


def _trim(s: str, a: int, b: int, lead: str = _LEAD, trail: str = _TRAIL) -> tuple[int, int]:
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


def _clause_of(clauses: list[tuple[int, int]], pos: int, *, before: bool) -> tuple[int, int]:
    """The clause holding ``pos``; at a clause break, the one ``before`` it or the one after."""
    for a, b in clauses:
        if a <= pos <= b:
            return a, b
    if before:
        return max(((a, b) for a, b in clauses if b <= pos), default=(0, pos))
    return min(((a, b) for a, b in clauses if a >= pos), default=(pos, pos))


def _anchored(s: str, left: str, right: str, clauses: list[tuple[int, int]]) -> tuple[int, int]:
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

    context = set(left) - _FILLER

    def context_score(end_of_left: int, n: int) -> int:
        window = s[max(0, end_of_left - n - 15) : end_of_left - n]
        return sum(ch in context for ch in window)

    rpiece = longest(right, False)
    rights = [m.start() for m in re.finditer(re.escape(rpiece), s)] if rpiece else []
    start = end = None
    for n in range(min(len(left), 12), 1, -1):
        piece = left[-n:]
        pairs = []
        for m in re.finditer(re.escape(piece), s):
            after = [r for r in rights if r >= m.end()]
            if not rights:
                pairs.append((context_score(m.end(), n), 0, m.end(), None))
            elif after:
                pairs.append((context_score(m.end(), n), -(after[0] - m.end()), m.end(), after[0]))
        if pairs:
            _, _, start, end = max(pairs)
            break
    else:
        end = rights[0] if rights else None
    if start is None and end is None:
        return (0, 0)
    if end is not None:  # the clause before the right anchor, from the left anchor on
        a, _ = _clause_of(clauses, end, before=True)
        start = max(start or 0, a)
    else:
        while start < len(s) and s[start] in "“\"'‘「『 ":
            start += 1  # an answer in quotes: 任务是“两个维护”
        _, end = _clause_of(clauses, start, before=False)
    return _trim(s, start, max(start, end))


def _informative(s: str, a: int, b: int, q: str) -> bool:
    """A span that says something the question does not."""
    new = [ch for ch in s[a:b] if ch not in q and not ch.isspace()]
    return 0 < b - a <= _MAX_SPAN and 2 * len(new) >= b - a


def _home_clause(s: str, clauses: list[tuple[int, int]], q: str, typed: re.Pattern | None) -> tuple[int, int]:
    """The clause that restates the question the most (its words and word pairs)."""
    content = strip_question_words(q)
    chars = {ch for ch in content if not ch.isspace() and ch not in _FILLER}
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
    return _trim(s, a, b)


def _reason_clause(s: str, clauses: list[tuple[int, int]], home: tuple[int, int]) -> tuple[int, int] | None:
    """For a why-question: a clause opened by 因为/由于/以/为了 …, nearest the home clause."""
    marked = [c for c in clauses if _REASON.match(s[c[0] : c[1]])]
    if not marked:
        return None
    a, b = min(marked, key=lambda c: abs(c[0] - home[0]))
    return _trim(s, a, b, lead=" ")


_YEAR = re.compile(r"^(?:公元前?|西元前?)?\d{3,4}年$")
_BARE_CHINESE_NUMBER = re.compile(r"^[一二三四五六七八九十百千万亿两零〇]+$")


def _typed(kind: str, sentence: str, lo: int, hi: int, q: str) -> tuple[int, int] | None:
    """The first date / quantity starting in ``sentence[lo:hi]`` that the question does not
    itself mention; it may run past ``hi`` (3|股调查组). A year or a bare 十 is no answer to
    how many (2007年的人口有多少 -> 91606人)."""
    pat = TYPED[kind]
    for m in pat.finditer(sentence, lo, hi):
        full = pat.match(sentence, m.start())
        text = fold_aligned(full.group()).strip()
        if not text or text in q:
            continue
        if kind == "number" and (_BARE_CHINESE_NUMBER.match(text) or _YEAR.match(text) and "年" not in q):
            continue
        return full.start(), full.end()
    return None


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split(" "))


_MEASURE = re.compile(r"^(?:一|几)?[个座间种条位场家本部项类所支届只门次样名件首份位处]|^一(?=.)")
_DESCRIPTIVE = _words("特点 特征 特色 特性 用途 用处 作用 功能 功效 区别 差别 不同 差异 方面 影响 意义 危害 好处 坏处 优点 缺点 内容 变化 措施 原因 理由 方法 办法 方式 手段 成就 成绩 贡献 情况 状况 态度 评价 结果 后果 问题 要求 经历 事情 事 工作 关系 目的 目标 条件 过程 规定 政策 职务 职位 地位 角色 身份 性质 形状 样子 症状 习性 习惯 表现 风格")
_NOUNISH = ("n", "eng", "j", "vn", "m", "q", "i", "l")
_CATEGORY = {"nr": "person", "ns": "place", "nt": "org"}
_PERSON_HEADS = _words("人 人物 作者 将领 将军 皇帝 君主 总统 主席 领袖 领导人 学者 作家 画家 诗人 球员 演员 歌手 导演 教练 总理 首相 宰相 创始人 创办人 科学家 官员 女性 男性 国王 女王 太子 皇后 儿子 女儿 妻子 丈夫 父亲 母亲 老师")
_PLACE_HEADS = _words("地方 地区 区域 城市 国家 地点 位置 港口 首都 省份 城镇 村庄 岛屿 大陆 半岛 流域 地带")
_TIME_HEADS = _words("时代 朝代 时期 年代 世纪 年间 时候 年份 季节 月份 日子 时间 时节 阶段")
_ORG_HEADS = _words("公司 机构 单位 组织 政府 军队 部队 政党 学校 大学 团体 企业 银行 球队 俱乐部 部门 机关 集团")


def _head_words(q: str, start: int, after: int) -> list[str]:
    """The noun a which-question asks for: 哪一座山脉 -> [山脉], 什么制度 -> [制度],
    哪一条位处长江中游左岸的河流 -> [河流], 核心都市是哪一个 -> [都市]; [] when none."""
    import jieba.posseg

    measured = q[start:after].startswith("哪") and _MEASURE.match(q[after:]) is not None
    rest = _MEASURE.sub("", q[after : after + 24], count=1)
    words = [tuple(p) for p in jieba.posseg.cut(rest)]
    head: list[str] = []
    for i, (word, flag) in enumerate(words[:4]):
        if len(head) == 2 or head and flag.startswith(("nr", "ns", "nt", "vn")):
            break
        nounish = flag.startswith("n") or flag in ("t", "l", "vn", "j", "eng")
        # a noun jieba tags as a verb when it closes the phrase (跨政府组织/v 为)
        closing = flag == "v" and head and (i + 1 == len(words) or words[i + 1][1] in ("p", "uj", "x", "f"))
        if (nounish or closing) and word not in _FILLER:
            head.append(word)
        elif head or i >= 1 or flag.startswith("v"):
            break  # 什么是X: a verb follows the interrogative, X is the subject, not the asked-for noun
    if not head and measured:
        head = _measured_head(q, start, words)
    # 有什么特点/用途/影响: the answer is a description, not a thing to point at
    return [] if head and head[-1] in _DESCRIPTIVE else head


def _measured_head(q: str, start: int, words: list[tuple[str, str]]) -> list[str]:
    """哪 + a measure word promises a noun: the one after a describing clause's 的
    (哪一条位处…左岸的河流), the word itself (哪个组织/v), or, when the question ends
    there, the noun the question equates it with (核心都市是哪一个)."""
    import jieba.posseg

    for i, (word, flag) in enumerate(words[:10]):
        if flag in ("x", "w") or word in "，,":
            break
        if flag == "uj" and i + 1 < len(words) and words[i + 1][1][0] in "nv" and words[i + 1][0] not in _FILLER:
            return [words[i + 1][0]]
    if words and words[0][1] not in ("x", "p", "d", "uj", "r") and words[0][0] not in _FILLER:
        return [words[0][0]]
    if not words and re.search(r"(?:是|为)$", q[:start]):
        return _equated_noun(q, start - 1)
    return []


def _equated_noun(q: str, end: int) -> list[str]:
    """The noun just before ``end`` (where 是/为 starts): 核心都市是… -> [都市]."""
    import jieba.posseg

    before = [tuple(p) for p in jieba.posseg.cut(q[max(0, end - 12) : end])]
    if before and before[-1][1].startswith("n"):
        return [before[-1][0]]
    return []


def _phrases(s: str) -> list[tuple[int, int, str | None]]:
    """Noun phrases of folded sentence ``s`` with what they name (person / place / org / None):
    runs of nouns, names, numbers and Latin words; each name, place and organisation on
    its own as well (names joined across a middle dot); whole 《…》「…」“…” titles."""
    import jieba.posseg

    out: list[tuple[int, int, str | None]] = []
    words = [tuple(p) for p in jieba.posseg.cut(s)]
    pos, start = 0, None
    for i, (word, flag) in enumerate(words):
        joins = start is not None and word in "·•・.-"
        if (flag.startswith(_NOUNISH) and word not in _FILLER) or joins:
            if start is None:
                start = pos
        elif start is not None:
            out.append((start, pos, None))
            start = None
        category = _CATEGORY.get(flag[:2]) or ("time" if flag == "t" else None)
        if category and len(word) >= 2:
            end = pos + len(word)
            for nxt, nflag in words[i + 1 :]:  # 保罗·皮尔斯, 耶律金山
                if category == "person" and (nxt in "·•・.-" or nflag.startswith(("nr", "ns")) and end - pos < 8):
                    end += len(nxt)
                elif category == "place" and nflag.startswith(("ns", "n", "vn")) and end - pos < 10:
                    end += len(nxt)  # 河北省平山县银行, 漳州府府城
                else:
                    break
            out.append((pos, end, category))
        pos += len(word)
    if start is not None:
        out.append((start, pos, None))
    out.extend((m.start(), m.end(), None) for m in re.finditer(r"《[^》]{1,30}》|「[^」]{1,30}」|“[^”]{1,30}”", s))
    out.extend((m.start(), m.end(), "time") for m in _DATE.finditer(s))
    return out


def _head_category(head: list[str]) -> str | None:
    """What a which-question's noun asks for: 哪一位将领 -> person, 哪个城市 -> place, 哪家公司 -> org."""
    if not head:
        return None
    h = head[-1]
    if h in _TIME_HEADS:
        return "time"
    if h in _PLACE_HEADS or h[-1] in "省市县州国岛洲":
        return "place"
    if h in _ORG_HEADS:
        return "org"
    if h in _PERSON_HEADS or h[-1] in "者王帝师员手官相":
        return "person"
    return None


_ORG_SUFFIX = re.compile(r"(?:委员会|学会|协会|基金会|联盟|联合会|公司|集团|银行|大学|学院|中心|政府|议会|法院|检察院|党|部|局|署|厅|社|团|队|军)$")
_PLACE_SUFFIX = re.compile(r"(?:[省市县州岛河江湖港城镇村乡]|地区|半岛|群岛|山脉|平原|盆地|高原)$")


def _suffix_category(text: str) -> str | None:
    """What a noun phrase jieba did not tag names, from how it ends: 美国工业工程师学会 -> org."""
    if len(text) < 3:
        return None
    if _ORG_SUFFIX.search(text):
        return "org"
    if _PLACE_SUFFIX.search(text):
        return "place"
    return None


def _best_phrase(
    s: str, q: str, kind: str, head: list[str], anchored: tuple[int, int], wanted: str | None = None
) -> tuple[int, int, str | None] | None:
    """The noun phrase of ``s`` that best fills the question's gap.

    It must say something the question does not; it scores for ending in the noun
    the question asks for (山脉, 制度) or naming what that noun stands for (哪位将领
    -> a person's name), for lying between the anchors, and for standing close to
    the question's other words. Returns its span and what it names.
    """
    content = strip_question_words(q)
    pairs = [content[i : i + 2] for i in range(len(content) - 1) if not content[i : i + 2].isspace()]
    hits = [m.start() for p in set(pairs) for m in re.finditer(re.escape(p), s)]
    wanted = wanted or ("person" if kind == "who" else _head_category(head))
    best, best_score = None, 0.0
    for a, b, category in _phrases(s):
        text = s[a:b]
        category = category or _suffix_category(text)
        new = sum(ch not in q for ch in text)
        if new < max(1, len(text) // 2) or category == "time" and wanted != "time":
            continue
        score = 1.0
        if head and any(text.endswith(h) and len(text) > len(h) for h in head):
            score += 3.0
        elif head and text[-1] == head[-1][-1]:
            score += 1.5
        if text.startswith("《") and wanted is None and kind == "what":
            score += 2.0  # a title names the work, law or paper asked for
        if wanted and category == wanted:
            score += 2.0 if wanted == "time" else 3.0
        if anchored[1] > anchored[0] and anchored[0] <= a and b <= anchored[1]:
            score += 2.0
        near = sum(1 for h in hits if -12 <= h - b <= 12 or -12 <= a - h <= 12)
        score += min(near, 6) * 0.4
        if hits:
            score -= 0.05 * min(min(abs(h - a), abs(h - b)) for h in hits)
        if score > best_score:
            best, best_score = (a, b, category), score
    return best


def _span(sentence: str, a: int, b: int, offset: int, q: str) -> ShortAnswer | None:
    """The trimmed span as a ``ShortAnswer``; ``None`` when empty, too long to be short, or
    nothing but the question's own words."""
    a, b = _trim(sentence, a, b, lead=" ，,、：:", trail=_TRAIL.replace("的", "").replace("”", ""))
    if b > a and fold_aligned(sentence[a:b]) in q:
        # only the question's own subject (什么是冠夫姓 <- 冠夫姓，指…): the rest of the sentence says what it is
        a, b = _trim(sentence, b, len(sentence), lead=_LEAD + "）)」』》", trail=_TRAIL)
        if b <= a or fold_aligned(sentence[a:b]) in q:
            return None
    if b <= a or b - a > _MAX_SHORT:
        return None
    return ShortAnswer(sentence[a:b], offset + a, offset + b)
