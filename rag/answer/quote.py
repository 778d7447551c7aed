"""The quote: the sentence that holds the answer, grown by what it cannot be read without.

Each way it grows is a named choice (``CHOICES``; ``Config.quote_choices`` picks them, and
bench/answers.py measures each):

- ``refers_back``: it opens on a word pointing at the sentence before (因此…, 赛后…, 他…): that
  sentence (same paragraph) comes first;
- ``introduces``: it only introduces the next one (ends with a colon, or is a fragment): the
  next sentence follows;

both within ``Tuning.stand_alone_chars``. A short answer that two sentences share is quoted with
both: the candidate's sentence offsets already hold every sentence its span touches.
"""

from __future__ import annotations

import re
from collections.abc import Collection

from rag.answer.tuning import TUNING, Tuning
from rag.records import Document
from rag.text import fold, split_sentences

__all__ = ["CHOICES", "grow"]

CHOICES = ("refers_back", "introduces")

_OPENS_ON_EARLIER = re.compile(
    r"^(?:因此|所以|因而|于是|但|然而|不过|而|此外|另外|同时|其后|此后|之后|随后|后来|其中|对此|为此|由此|故|则|并|且|又"
    r"|亦|也|还|这|那|该|此|其|他|她|它|上述|前者|后者|两者|二者|赛后|事后|会后|战后|当时|同年|次年|翌年|当天|最终|结果|即)")


def grow(doc: Document, start: int, end: int, choices: Collection[str] = CHOICES,
         tuning: Tuning = TUNING) -> tuple[int, int]:
    """Document offsets of the quote for the sentence(s) at [start, end)."""
    text, limit = doc.text, tuning.stand_alone_chars
    # from the start of the paragraph (what comes before must be in it) to past the longest quote
    sentences = split_sentences(text, text.rfind("\n", 0, start) + 1, min(len(text), end + limit))
    before = [s for s in sentences if s[1] <= start]
    after = [s for s in sentences if s[0] >= end]
    quote = text[start:end]
    a, b = start, end
    if "refers_back" in choices and before and _OPENS_ON_EARLIER.match(fold(quote[:4])) and end - before[-1][0] <= limit:
        a = before[-1][0]
    if ("introduces" in choices and after and (quote.endswith(("：", ":")) or len(quote) < tuning.fragment_chars)
            and after[0][1] - a <= limit):
        b = after[0][1]
    return a, b
