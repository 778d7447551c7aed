"""The quote: how the chosen sentence grows into what the answer quotes, as named choices.

- :func:`stand_alone` (the reader's sentence): it *refers back* (opens on 因此, 他, 赛后 …: the sentence
  before joins) or it *only introduces* (ends on a colon, or is a fragment: the next one joins);
- :func:`extend` (the rules' sentence): it only introduces the next one, or it is short and the next one,
  which refers back to it, scores almost as well;
- :func:`pair_with_rival` (the rules' sentence): *two sentences split the answer*: the runner-up next to it
  scores almost alike (``Config.pair_gap`` / ``Config.pair_chars``).
Measured effects: docs/experiments.md ("stand-alone quotes", "pair_gap").
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.answer.candidate import Candidate
from rag.answer.tuning import (
    CONTINUES_GAP,
    INTRODUCES_CHARS,
    PAIR_RIVALS,
    SHORT_SENTENCE,
    STAND_ALONE_CHARS,
)
from rag.records import Document
from rag.text import fold, split_sentences

__all__ = ["extend", "pair_with_rival", "stand_alone"]

_REFERS_BACK = re.compile(r"[它他她其该此这]|[^，。]{0,6}[它他她其该此这]")
# A quote that opens on a word pointing at the sentence before it (因此…, 赛后…, 他…) does not stand
# on its own (matched on folded text, so traditional 於是/這 count too).
_OPENS_ON_EARLIER = re.compile(
    r"^(?:因此|所以|因而|于是|但|然而|不过|而|此外|另外|同时|其后|此后|之后|随后|后来|其中|对此|为此|由此|故|则|并|且|又"
    r"|亦|也|还|这|那|该|此|其|他|她|它|上述|前者|后者|两者|二者|赛后|事后|会后|战后|当时|同年|次年|翌年|当天|最终|结果|即)")
_OPENING_CHARS = max(len(w) for w in _OPENS_ON_EARLIER.pattern[4:-1].split("|"))  # the longest opening word


def _introduces(quote: str) -> bool:
    return quote.endswith(("：", ":")) or len(quote) < INTRODUCES_CHARS


def stand_alone(doc: Document, start: int, end: int, max_chars: int = STAND_ALONE_CHARS) -> tuple[int, int]:
    """The reader's answer sentence, with what it cannot be read without: the sentence before it
    (same paragraph) when it opens by pointing back at it, the next one when it only introduces
    it, within ``max_chars``. The short answer and the confidence stay the sentence's own."""
    text = doc.text
    # Sentences from the start of the paragraph (what comes before must be in it) to past the
    # longest quote allowed (a colon may introduce the next line); one cut short there is too long.
    sentences = split_sentences(text, text.rfind("\n", 0, start) + 1, min(len(text), end + max_chars))
    before = [s for s in sentences if s[1] <= start]
    after = [s for s in sentences if s[0] >= end]
    quote = text[start:end]
    a, b = start, end
    if before and _OPENS_ON_EARLIER.match(fold(quote[:_OPENING_CHARS])) and end - before[-1][0] <= max_chars:
        a = before[-1][0]
    if after and _introduces(quote) and after[0][1] - a <= max_chars:
        b = after[0][1]
    return a, b


def _score(c: Candidate) -> float:
    return c.features["sentence_score"]


def extend(doc: Document, best: Candidate, ranked: Sequence[Candidate]) -> tuple[int, int]:
    """One sentence, or two adjacent ones when the answer spans them: the next sentence joins when the
    first only introduces it, or when the first is short and the next one, which refers back to it
    (它/他/其/该/此/这…), scores almost as well."""
    start, end = best.sentence
    following = [c for c in ranked if c.doc_id == best.doc_id and c.sentence[0] >= end]
    if not following:
        return start, end
    nxt = min(following, key=lambda c: c.sentence[0])
    n_start, n_end = nxt.sentence
    if doc.text[end:n_start].strip():
        return start, end
    text = doc.text[start:end]
    continues = (len(text) < SHORT_SENTENCE and _REFERS_BACK.match(doc.text[n_start:n_end])
                 and _score(nxt) >= _score(best) - CONTINUES_GAP)
    if _introduces(text) or continues:
        end = n_end
    return start, end


def pair_with_rival(doc: Document, best: Candidate, ranked: Sequence[Candidate], gap: float,
                    max_chars: int) -> tuple[int, int]:
    """The best sentence and the runner-up next to it, when the two score almost alike: two adjacent
    sentences of one article that both match the question nearly equally well usually split the answer
    between them (the event in one, its date or agent in the other). Only the next ``PAIR_RIVALS``
    candidates are considered, and the pair stays within ``max_chars``."""
    b_start, b_end = best.sentence
    for rival in ranked[1 : 1 + PAIR_RIVALS]:
        if _score(best) - _score(rival) > gap:
            break
        if rival.doc_id != best.doc_id:
            continue
        r_start, r_end = rival.sentence
        start, end = min(b_start, r_start), max(b_end, r_end)
        between = doc.text[b_end:r_start] if r_start >= b_end else doc.text[r_end:b_start]
        if not between.strip() and end - start <= max_chars and (r_start >= b_end or r_end <= b_start):
            return start, end
    return b_start, b_end
