"""Question + passage -> token windows with character offsets, span labels, and span decoding.

The reader sees ``<s> question </s></s> passage window </s>``. Every passage token
keeps its character offsets into the passage, so a predicted token span maps back to
``passage[start:end]`` exactly. Position 0 (``<s>``) stands for "no answer here".
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Windows", "SpanGuess", "encode_windows", "label_window", "best_spans", "clause_breaks"]

MAX_ANSWER_TOKENS = 48  # about 65 characters: CMRC's 99th-percentile answer is 91 characters


@dataclass(frozen=True)
class Windows:
    """A batch of token windows over one or more passages.

    ``passage_of[i]`` is the index (into the passages given) that window ``i`` reads;
    ``offsets[i, t]`` the character span of token ``t`` in that passage, (-1, -1) for
    tokens that are not passage text (question, specials, padding, bare word marks).
    """

    input_ids: np.ndarray
    attention_mask: np.ndarray
    offsets: np.ndarray
    passage_of: np.ndarray


@dataclass(frozen=True)
class SpanGuess:
    """The best span of one window: character offsets into its passage and its scores."""

    passage: int
    start: int
    end: int
    score: float  # start logit + end logit of the span
    null: float  # start logit + end logit at <s>: the window's "no answer" score


def encode_windows(tokenizer, questions: Sequence[str], passages: Sequence[str], *, max_len: int = 192,
                   stride: int = 96) -> Windows:
    """Tokenise each (question, passage) pair into windows of at most ``max_len`` tokens.

    A passage longer than one window is read in overlapping windows (``stride`` tokens
    of overlap), as in the usual SQuAD set-up.
    """
    enc = tokenizer(list(questions), list(passages), truncation="only_second", max_length=max_len, stride=stride,
                    return_overflowing_tokens=True, return_offsets_mapping=True, padding="longest")
    n = len(enc["input_ids"])
    offsets = np.full((n, len(enc["input_ids"][0]), 2), -1, dtype=np.int64)
    for i in range(n):
        seq = enc.sequence_ids(i)
        ids = enc["input_ids"][i]
        for t, (s, e) in enumerate(enc["offset_mapping"][i]):
            # A bare word mark ('▁') carries its word's offsets but no character of its own.
            if seq[t] == 1 and e > s and ids[t] != _bare_mark(tokenizer):
                offsets[i, t] = (s, e)
    return Windows(
        input_ids=np.asarray(enc["input_ids"], dtype=np.int64),
        attention_mask=np.asarray(enc["attention_mask"], dtype=np.int64),
        offsets=offsets,
        passage_of=np.asarray(enc["overflow_to_sample_mapping"], dtype=np.int64),
    )


def _bare_mark(tokenizer) -> int:
    cached = getattr(tokenizer, "_rag_bare_mark", None)
    if cached is None:
        cached = tokenizer.convert_tokens_to_ids("▁")
        tokenizer._rag_bare_mark = cached
    return cached


def label_window(offsets: np.ndarray, start: int, end: int) -> tuple[int, int]:
    """Token positions of the answer ``[start, end)`` in one window, or (0, 0) when the window lacks it.

    A boundary inside a token takes that whole token (6% of CMRC answers end mid-token).
    """
    valid = offsets[:, 0] >= 0
    if not valid.any():
        return 0, 0
    first, last = offsets[valid, 0].min(), offsets[valid, 1].max()
    if start < first or end > last:
        return 0, 0
    ts = np.nonzero(valid & (offsets[:, 0] <= start) & (offsets[:, 1] > start))[0]
    te = np.nonzero(valid & (offsets[:, 0] < end) & (offsets[:, 1] >= end))[0]
    if len(ts) == 0 or len(te) == 0 or te[0] < ts[0]:
        return 0, 0
    return int(ts[0]), int(te[0])


# Where one clause ends and the next begins: full-width comma, semicolon and full stop, and
# their ASCII forms except between digits (1,520 is one number). 、 is not one: 沈攸之、張永 is one answer.
_CLAUSE_BREAK = re.compile(r"[，；。！？]|(?<!\d)[,;]|[,;](?!\d)")


def clause_breaks(text: str) -> np.ndarray:
    """``c[k]``: how many clause breaks ``text[:k]`` holds (length ``len(text) + 1``)."""
    marks = np.zeros(len(text) + 1, dtype=np.int32)
    for m in _CLAUSE_BREAK.finditer(text):
        marks[m.start() + 1] = 1
    return np.cumsum(marks)


def best_spans(start_logits: np.ndarray, end_logits: np.ndarray, windows: Windows, *,
               max_tokens: int = MAX_ANSWER_TOKENS, top: int = 1,
               breaks: Sequence[np.ndarray] | None = None, slack: float = np.inf) -> list[list[SpanGuess]]:
    """The ``top`` best spans of each window (start ≤ end, at most ``max_tokens`` long).

    Every admissible (start, end) pair is scored as start logit + end logit, as in
    DrQA's and BERT's decoders; the window's null score is the pair at ``<s>``.
    ``breaks`` (:func:`clause_breaks` of each passage): spans within one clause are preferred
    (a break at either edge is trimmed later and does not count); a window's best span that runs
    past a break stays only when it scores more than ``slack`` above the best within one clause.
    """
    out: list[list[SpanGuess]] = []
    for i in range(len(start_logits)):
        valid = windows.offsets[i, :, 0] >= 0
        s = np.where(valid, start_logits[i], -np.inf)
        e = np.where(valid, end_logits[i], -np.inf)
        pair = s[:, None] + e[None, :]
        n = len(s)
        band = np.triu(np.ones((n, n), dtype=bool)) & ~np.triu(np.ones((n, n), dtype=bool), k=max_tokens)
        pair = np.where(band, pair, -np.inf)
        if breaks is not None:
            c = breaks[int(windows.passage_of[i])]
            first = c[np.clip(windows.offsets[i, :, 0] + 1, 0, len(c) - 1)]  # breaks before the span's 2nd char
            last = c[np.clip(windows.offsets[i, :, 1] - 1, 0, len(c) - 1)]  # ... before its last char
            within = np.where((last[None, :] - first[:, None]) <= 0, pair, -np.inf)
            if np.isfinite(within.max()) and within.max() >= pair.max() - slack:
                pair = within
        flat = np.argsort(pair, axis=None)[::-1][:top]
        null = float(start_logits[i][0] + end_logits[i][0])
        guesses = []
        for f in flat:
            ts, te = divmod(int(f), n)
            if not np.isfinite(pair[ts, te]):
                break
            guesses.append(SpanGuess(int(windows.passage_of[i]), int(windows.offsets[i, ts, 0]),
                                     int(windows.offsets[i, te, 1]), float(pair[ts, te]), null))
        out.append(guesses)
    return out
