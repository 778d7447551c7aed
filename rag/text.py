"""Text utilities shared by every stage: script folding, sentences with offsets, BM25 terms.

Folding (traditional -> simplified with OpenCC, NFKC, lower case) is used for
matching only; what is shown and quoted is always the original text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "fold",
    "split_sentences",
    "terms",
    "query_terms",
    "strip_question_words",
    "is_cjk",
    "load_jieba",
]

# Sentence ends: Chinese and Western full stops, question and exclamation marks,
# ellipses; a closing quote or bracket right after them stays with the sentence.
_SENT_END = re.compile(r"(?:[。！？!?]|……|…)+[”’」』\"')）】]*|\n+|(?:(?<=[a-z]{3})|(?<=[0-9)]))\.(?=\s+[A-Z])")
MAX_SENTENCE = 300  # characters; longer runs without a full stop are cut (see _cap)
_ENCLOSED = re.compile(r"《[^《》\n]{1,60}》|（[^（）\n]{1,60}）|「[^「」\n]{1,60}」")
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
_TOKEN = re.compile(
    r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+|[a-z0-9]+(?:\.[0-9]+)?",
)
# Interrogative words carry no content for lexical matching; longest first.
_QUESTION_WORDS = sorted(
    "什么时候 什么样 为什么 是什么 有什么 有哪些 是哪些 是哪个 是多少 是谁 是否 哪一年 哪一天 哪些 哪个 哪里 哪儿 哪天 哪年 哪位 何时 何地 "
    "何人 什么 多少 多久 多长 几个 几年 几月 几日 几次 如何 怎么样 怎样 怎么 由谁 为何 谁 吗 呢 请问".split(),
    key=len,
    reverse=True,
)
# Personal pronouns in a question point back to an earlier turn (他还说了什么？);
# they match no article words that matter. 其他 keeps its 他.
_PRONOUNS = r"(?<!其)(?:他们|她们|它们|他|她|它)"
_QW_RE = re.compile("|".join(map(re.escape, _QUESTION_WORDS)) + "|" + _PRONOUNS)


@lru_cache(maxsize=1)
def load_jieba():
    """jieba with its tagger (``jieba.posseg``), its dictionary loaded once.

    jieba hands its start-up notes to a stderr handler of its own and also to the root logger, so
    an application logging at DEBUG saw each twice; its own handler goes, and the application's
    logging configuration decides alone (a library prints nothing).
    """
    import logging

    import jieba
    import jieba.posseg

    for handler in list(jieba.default_logger.handlers):
        if isinstance(handler, logging.StreamHandler):
            jieba.default_logger.removeHandler(handler)
    jieba.initialize()
    return jieba


@lru_cache(maxsize=1)
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """Fold script and width for matching: traditional -> simplified, NFKC, lower case.

    The result has the same length as the input wherever OpenCC converts character
    for character, which it does for all but a few phrase rules; callers that need
    aligned offsets use :func:`fold_aligned`.
    """
    return _t2s().convert(unicodedata.normalize("NFKC", text)).lower()


def fold_aligned(text: str) -> str:
    """Like :func:`fold` but guaranteed to keep ``len`` and character positions."""
    folded = fold(text)
    if len(folded) == len(text):
        return folded
    out = []
    for ch in text:
        f = fold(ch)
        out.append(f if len(f) == 1 else ch.lower())
    return "".join(out)


def simplified_aligned(text: str) -> str:
    """Traditional characters -> simplified, one for one, nothing else changed (punctuation,
    width and case stay): what the reader, trained mostly on simplified text, reads best."""
    conv = _t2s().convert(text)
    if len(conv) == len(text):
        return conv
    out = []
    for ch in text:
        c = _t2s().convert(ch)
        out.append(c if len(c) == 1 else ch)
    return "".join(out)


def is_cjk(ch: str) -> bool:
    return bool(_CJK.match(ch))


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans ``(s, e)`` of ``text[start:end]``, trimmed of surrounding blanks.

    Splits after 。！？!?… (with any closing quote) and at line breaks, but not inside
    a short 《title》, （aside） or 「term」; semicolons and enumerations (一是…；二是…)
    stay inside one sentence.

    >>> t = "他唱了《你好！世界》。然后走了。"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['他唱了《你好！世界》。', '然后走了。']
    """
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    pos = start
    inside = [(m.start(), m.end()) for m in _ENCLOSED.finditer(text, start, end)]
    for m in _SENT_END.finditer(text, start, end):
        if inside and any(a < m.start() and m.end() < b for a, b in inside):
            continue  # 《卡拉OK.LIVE！‧台北‧我》 is one title, not two sentences
        spans.append((pos, m.end()))
        pos = m.end()
    if pos < end:
        spans.append((pos, end))
    out = []
    for s, e in spans:
        for s, e in _cap(text, s, e):
            while s < e and text[s].isspace():
                s += 1
            while e > s and text[e - 1].isspace():
                e -= 1
            if e > s:
                out.append((s, e))
    return out


def _cap(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """A run longer than ``MAX_SENTENCE`` (text without full stops: a flattened page, a
    list of keywords) cut at its last ；/，/space before the limit, else at the limit."""
    pieces = []
    while e - s > MAX_SENTENCE:
        window = text[s + MAX_SENTENCE // 2 : s + MAX_SENTENCE]
        cut = next((s + MAX_SENTENCE // 2 + i + 1 for marks in ("；;", "，,、", " \u3000\t")
                    for i in [max(window.rfind(m) for m in marks)] if i >= 0), s + MAX_SENTENCE)
        pieces.append((s, cut))
        s = cut
    return pieces + [(s, e)]


def terms(text: str) -> list[str]:
    """BM25 terms: CJK character unigrams and bigrams, plus Latin words and numbers.

    Measured on CMRC/DRCD, character uni+bigrams beat jieba words for BM25.
    """
    out: list[str] = []
    for m in _TOKEN.finditer(fold(text)):
        run = m.group()
        if is_cjk(run[0]):
            out.extend(run)
            out.extend(run[i : i + 2] for i in range(len(run) - 1))
        else:
            out.append(run)
    return out


def strip_question_words(question: str) -> str:
    """Remove interrogatives (什么, 哪些, 谁, 多少 …) that match nothing in an article."""
    return _QW_RE.sub(" ", question)


def query_terms(question: str) -> list[str]:
    """Terms of a question for lexical matching, interrogatives removed."""
    return terms(strip_question_words(fold(question)))
