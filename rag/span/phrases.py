"""Noun phrases of a sentence and the one a which/who/where question asks for.

The asked-for noun of the question (哪一座山脉 -> 山脉) says what kind of phrase answers:
one ending in that noun, or a name of the person / place / organisation / period it
stands for (jieba's part-of-speech tags, else the phrase's suffix).
"""

from __future__ import annotations

import re

from rag.span.clauses import FILLER
from rag.span.typed import DATE
from rag.text import load_jieba, strip_question_words

LIST_HINT = re.compile(r"(?:和|与|及|跟|同|、|或)(?:哪|什么|谁|何)|还有|另一|另外一|除了|(?:和|与|及)$")
_CONJ = frozenset(["和", "与", "及", "以及", "或", "或者", "跟", "同", "、"])
_ITEM = ("n", "nr", "ns", "nt", "nz", "j", "eng", "m", "q", "b", "t")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split(" "))


_MEASURE = re.compile(r"^(?:一|几)?[个座间种条位场家本部项类所支届只门次样名件首份位处]|^一(?=.)")
_DESCRIPTIVE = _words(
    "意思 含义 水平 味道 程度 美誉 名声 形式 特点 特征 特色 特性 用途 用处 作用 功能 "
    "功效 区别 差别 不同 差异 方面 影响 意义 危害 好处 坏处 优点 缺点 内容 变化 措施 "
    "原因 理由 方法 办法 方式 手段 成就 成绩 贡献 情况 状况 态度 评价 结果 后果 问题 "
    "要求 经历 事情 事 工作 关系 目的 目标 条件 过程 规定 政策 职务 职位 地位 角色 身份 "
    "性质 形状 样子 症状 习性 习惯 表现 风格"
)
_NOUNISH = ("n", "eng", "j", "vn", "m", "q", "i", "l")
_CATEGORY = {"nr": "person", "ns": "place", "nt": "org"}
_PERSON_HEADS = _words(
    "人 人物 作者 将领 将军 皇帝 君主 总统 主席 领袖 领导人 学者 作家 画家 诗人 球员 演员 歌手 导演 教练 总理 首相 宰相 创始人 创办人 科学家 官员 女性 男性 国王 女王 太子 皇后 儿子 女儿 妻子 丈夫 父亲 母亲 老师"
)
_PLACE_HEADS = _words("地方 地区 区域 城市 国家 地点 位置 港口 首都 省份 城镇 村庄 岛屿 大陆 半岛 流域 地带")
_TIME_HEADS = _words("时代 朝代 时期 年代 世纪 年间 时候 年份 季节 月份 日子 时间 时节 阶段")
_ORG_HEADS = _words("公司 机构 单位 组织 政府 军队 部队 政党 学校 大学 团体 企业 银行 球队 俱乐部 部门 机关 集团")


def head_words(q: str, start: int, after: int) -> list[str]:
    """The noun a which-question asks for: 哪一座山脉 -> [山脉], 什么制度 -> [制度],
    哪一条位处长江中游左岸的河流 -> [河流], 核心都市是哪一个 -> [都市]; [] when none."""
    jieba = load_jieba()

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
        if (nounish or closing) and word not in FILLER:
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

    for i, (word, flag) in enumerate(words[:10]):
        if flag in ("x", "w") or word in "，,":
            break
        if flag == "uj" and i + 1 < len(words) and words[i + 1][1][0] in "nv" and words[i + 1][0] not in FILLER:
            return [words[i + 1][0]]
    if words and words[0][1] not in ("x", "p", "d", "uj", "r") and words[0][0] not in FILLER:
        return [words[0][0]]
    if not words and re.search(r"(?:是|为)$", q[:start]):
        return equated_noun(q, start - 1)
    return []


def equated_noun(q: str, end: int) -> list[str]:
    """The noun just before ``end`` (where 是/为 starts): 核心都市是… -> [都市]."""
    jieba = load_jieba()

    before = [tuple(p) for p in jieba.posseg.cut(q[max(0, end - 12) : end])]
    if before and before[-1][1].startswith("n"):
        return [before[-1][0]]
    return []


def question_hits(s: str, q: str) -> list[int]:
    """Where the question's character pairs (interrogatives removed) occur in ``s``."""
    content = strip_question_words(q)
    pairs = {content[i : i + 2] for i in range(len(content) - 1) if not content[i : i + 2].isspace()}
    return [m.start() for p in pairs for m in re.finditer(re.escape(p), s)]


def nation_word(s: str, q: str, people: bool) -> tuple[int, int] | None:
    """The country (or, when ``people``, the people: 芬兰民族, 羌族) that a 哪国/哪一民族 question asks
    for: a place name jieba tags ns, or a word ending in 族, that the question does not name;
    one ending in 国 / 族 first, then the one nearest the question's other words."""
    jieba = load_jieba()

    hits = question_hits(s, q)
    words = [tuple(p) for p in jieba.posseg.cut(s)]
    best, best_key, pos = None, None, 0
    for i, (word, flag) in enumerate(words):
        a, b = pos, pos + len(word)
        pos = b
        if people and flag.startswith("ns") and i + 1 < len(words) and words[i + 1][0] in ("民族", "族", "人"):
            b += len(words[i + 1][0])  # 芬兰|民族
        elif not (flag.startswith("ns") or word.endswith("族") and len(word) >= 2):
            continue
        text = s[a:b]
        if len(text) < 2 or text in q:
            continue
        suffix = text.endswith("族" if people else "国")
        distance = min((min(abs(h - a), abs(h - b)) for h in hits), default=99)
        key = (suffix, -distance)
        if best_key is None or key > best_key:
            best, best_key = (a, b), key
    return best


_BARE_DATE = re.compile(r"(?:公元前?|西元前?)?[\d-]+年(?:\d+月(?:\d+日)?)?|\d+月\d+日")


def leading_phrase(s: str) -> tuple[int, int] | None:
    """The longest noun phrase that opens the sentence (its topic), if one does."""
    spans = [(a, b) for a, b, _ in noun_phrases(s) if a == 0]
    return max(spans, key=lambda x: x[1], default=None)


def noun_phrases(s: str) -> list[tuple[int, int, str | None]]:
    """Noun phrases of folded sentence ``s`` with what they name (person / place / org / None):
    runs of nouns, names, numbers and Latin words; each name, place and organisation on
    its own as well (names joined across a middle dot); whole 《…》「…」“…” titles."""
    jieba = load_jieba()

    out: list[tuple[int, int, str | None]] = []
    words = [tuple(p) for p in jieba.posseg.cut(s)]
    pos, start = 0, None
    for i, (word, flag) in enumerate(words):
        joins = start is not None and word in "·•・.-"
        if (flag.startswith(_NOUNISH) and word not in FILLER) or joins:
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
    out.extend((m.start(), m.end(), "time") for m in DATE.finditer(s))
    dotted = _dotted_names(words)
    # a tagged part of a dotted name (尔德·阿蒙森 of 罗尔德·阿蒙森) is not a name of its own
    out = [
        p for p in out if p[2] != "person" or not any(a <= p[0] and p[1] <= b and p[:2] != (a, b) for a, b, _ in dotted)
    ]
    return out + dotted


def _dotted_names(words: list[tuple[str, str]]) -> list[tuple[int, int, str]]:
    """Transliterated names are written with a middle dot (罗尔德·阿蒙森); jieba rarely tags
    them, so the words on either side of each dot make a person's name."""
    starts, pos = [], 0
    for word, _ in words:
        starts.append(pos)
        pos += len(word)
    out, i = [], 1
    while i < len(words) - 1:
        if words[i][0] in "·•・" and words[i - 1][0].isalpha() and words[i + 1][0].isalpha():
            k = i - 1  # jieba may split off the name's first character: 罗/j 尔德/nrt
            while k > 0 and len(words[k - 1][0]) == 1 and words[k - 1][1] in ("j", "nr", "nrt", "ng", "nz"):
                k -= 1
            a, j = starts[k], i
            while j < len(words) - 1 and words[j][0] in "·•・" and words[j + 1][0].isalpha():
                j += 2
            out.append((a, starts[j - 1] + len(words[j - 1][0]), "person"))
            i = j
        i += 1
    return out


def head_category(head: list[str]) -> str | None:
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


_ORG_SUFFIX = re.compile(
    r"(?:委员会|学会|协会|基金会|联盟|联合会|公司|集团|银行|大学|学院|中心|政府|议会|法院|检察院|党|部|局|署|厅|社|团|队|军)$"
)
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


_SUBJECT_BONUS = 1.2  # a phrase that opens its clause is often what the clause is about


def best_phrase(
    s: str, q: str, kind: str, head: list[str], anchored: tuple[int, int], wanted: str | None = None
) -> tuple[int, int, str | None] | None:
    """The noun phrase of ``s`` that best fills the question's gap.

    It must say something the question does not; it scores for ending in the noun
    the question asks for (山脉, 制度) or naming what that noun stands for (哪位将领
    -> a person's name), for lying between the anchors, and for standing close to
    the question's other words. Returns its span and what it names.
    """
    hits = question_hits(s, q)
    wanted = wanted or ("person" if kind == "who" else head_category(head))
    best, best_score = None, 0.0
    for a, b, category in noun_phrases(s):
        text = s[a:b]
        category = category or _suffix_category(text)
        new = sum(ch not in q for ch in text)
        if new < max(1, len(text) // 2) or category == "time" and wanted != "time":
            continue
        if wanted != "time" and _BARE_DATE.fullmatch(text):
            continue  # 哪一教宗 / 哪个单位 is not answered by 1927年6月2日
        score = 1.0
        if head and any(text.endswith(h) and len(text) > len(h) for h in head):
            score += 3.0
        elif head and text[-1] == head[-1][-1]:
            score += 1.5
        if text.startswith("《") and wanted is None and kind == "what":
            score += 2.0  # a title names the work, law or paper asked for
        if wanted and category == wanted:
            score += {"time": 2.0, "person": 4.0}.get(wanted, 3.0)
        if anchored[1] > anchored[0] and anchored[0] <= a and b <= anchored[1]:
            score += 2.0
        near = sum(1 for h in hits if -12 <= h - b <= 12 or -12 <= a - h <= 12)
        score += min(near, 6) * 0.4
        if hits:
            score -= 0.05 * min(min(abs(h - a), abs(h - b)) for h in hits)
        if a == 0 or s[a - 1] in "，,；;：:":
            score += _SUBJECT_BONUS
        if score > best_score:
            best, best_score = (a, b, category), score
    return best


def list_rest(s: str, q: str, clauses: list[tuple[int, int]]) -> tuple[int, int] | None:
    """In an enumeration of the sentence (A、B和C) of which the question names some
    items (除了A、B，还有哪一个), the item it does not name."""
    jieba = load_jieba()

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
            or last[k][2] in ("v", "vn")
            and k + 1 < len(last)
            and len(last[k + 1][1]) == 1
            and last[k + 1][2] == "n"
        ):
            k += 1
        items[0], items[-1] = first, last[: max(k, 1)]
        spans = [(it[0][0], it[-1][0] + len(it[-1][1])) for it in items]
        named = [sp for sp in spans if s[sp[0] : sp[1]] in q]
        unnamed = [sp for sp in spans if s[sp[0] : sp[1]] not in q]
        if named and len(unnamed) == 1 and unnamed[0][1] - unnamed[0][0] <= 20:
            return unnamed[0]
    return None
