"""Every number that tunes the answer stage, named, in one place (measured effects: docs/experiments.md).

The learned parts keep their weights in their own files beside the code they weigh: the reader's span
choice in ``rag/span_choice.json`` (or :data:`rag.span_choice.HAND`) and the confidence in
``rag/confidence.json``; the numbers below are the rest. ``Config`` holds what a user may set per archive
(threshold, passages read, the reader's gate and share in the confidence)."""

from __future__ import annotations

# The question
BORROWED_WEIGHT = 0.3  # a term borrowed from an earlier turn counts this share of its IDF

# The passages
SENTENCE_PASSAGES = 6  # the sentence producer reads every sentence of this many of the best passages
WINDOW_CHARS = 20  # "window coverage": the question's terms found within this many characters

# The sentence producer's score (0..1 + bonus): lexical coverage, cosine, the passage's retrieval score
SENTENCE_WEIGHTS = {"lexical": 0.45, "cosine": 0.35, "retrieval": 0.20}
SENTENCE_WHOLE_SHARE = 0.5  # lexical = this share of the whole-sentence coverage + the rest of the window's
KIND_FITS_BONUS = 0.1  # a when/how-many/who/where question's sentence holds a date/number/name/place

# What a "not in the archive" answer offers instead
RELATED_PASSAGES = 3  # passages listed as related

# The reader producer
ONE_CLAUSE_KINDS = ("who", "when", "number")  # read within one clause (docs/experiments.md, "One clause")
CLAUSE_SLACK = 1.0  # logits: a span past the comma stays when the reader is this much surer of it
SPANS_PER_WINDOW = 3  # spans the reader proposes in each window; the fit collects them all

# The scorer: how a follow-up repeats itself
REPEAT_READER = 2.0  # logits: a follow-up's span inside the previous quote must beat others by this much
REPEAT_RULES = 0.08  # the same on the sentence producer's score (0..1)
NO_MARGIN = 0.5  # the squashed reader margin of an answer the reader did not read: neither for nor against
REPEAT_SPANS = 3  # a follow-up reads this many spans a window (the best may repeat the previous quote)

# The quote
SHORT_SENTENCE = 40  # characters: a sentence this short may need the next one to be an answer
INTRODUCES_CHARS = 12  # a sentence shorter than this is a fragment that introduces the next one
CONTINUES_GAP = 0.1  # the next sentence (referring back) joins when it scores within this of the best
STAND_ALONE_CHARS = 150  # the reader's quote with the sentence it cannot be read without stays this short
PAIR_RIVALS = 2  # the rules' quote pairs with one of the next this-many sentences (Config.pair_gap/pair_chars)

# Many articles (lists, counts, timelines: rag.answer.producers.articles, rag.answer.many)
PHRASE_SHARE = 0.8  # two neighbouring subject words are one phrase when this share of the documents holding both join them
STORY_WEIGHTS = {"held": 1.0, "in_title": 1.5}  # a story's score: log-counts of the subject words + each word in its title
TIMELINE_POOL = 3  # a timeline orders the this-many x Config.list_items most relevant stories by date
TIMELINE_SUBJECT_WORDS = 5  # a card's timeline action names its story by the best of the question's first this-many nouns
