"""Question-time reading: passages in, the best answer spans out (character offsets)."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.reader.features import SpanGuess, best_spans, clause_breaks, encode_windows
from rag.reader.model import SpanReader, load_span_reader
from rag.text import simplified_aligned

logger = logging.getLogger(__name__)

__all__ = ["Reader", "load_reader"]

_MAX_QUESTION_CHARS = 64


class Reader:
    """A trained span reader ready for questions.

    Example:
        >>> reader = load_reader()                                            # doctest: +SKIP
        >>> g = reader.read("巡视工作的根本任务是什么？", ["巡视工作的根本任务是‘两个维护’。"])[0]  # doctest: +SKIP
        >>> g.start, g.end                                                    # doctest: +SKIP
        (11, 17)
    """

    def __init__(self, model: SpanReader, *, int8: bool = False, simplify: bool = True) -> None:
        self.model = model
        self.simplify = simplify
        self.model.train(False)
        if hasattr(model.encoder, "merge_and_unload"):
            model.encoder = model.encoder.merge_and_unload()  # LoRA folded into the weights: plain matmuls
        if int8:
            import torch

            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", category=UserWarning)
                # per-channel scales: one scale per weight row (measured in bench/reader.py)
                qconfig = torch.ao.quantization.per_channel_dynamic_qconfig
                model.encoder = torch.ao.quantization.quantize_dynamic(model.encoder, {torch.nn.Linear: qconfig},
                                                                       dtype=torch.qint8)

    def read(self, question: str, passages: Sequence[str], *, top: int = 3, bf16: bool = False,
             one_clause: bool = False, slack: float = float("inf"), simplified: bool = False) -> list[SpanGuess]:
        """Up to ``top`` spans per window of each passage, best first across all; ``bf16``: matrix
        products in bfloat16 where the CPU does them natively (about 2x faster, same spans);
        ``one_clause``: spans that do not run past a comma, semicolon or full stop, unless one that
        does scores more than ``slack`` logits above them. ``simplified``: the question is already in
        simplified script (``rag.answer.Question.simplified``).

        ``SpanGuess.passage`` indexes ``passages``; ``start``/``end`` are offsets into it.
        """
        if not passages or not question.strip():
            return []
        # The question shares the window with the passage: a very long one keeps its end,
        # where Chinese questions put what they ask (…是什么？).
        question = question.strip()[-_MAX_QUESTION_CHARS:]
        if self.simplify:  # same length, same offsets: the span maps back to the original text
            question = question if simplified else simplified_aligned(question)
            passages = [simplified_aligned(p) for p in passages]
        st = self.model.settings
        w = encode_windows(self.model.tokenizer, [question] * len(passages), list(passages),
                           max_len=st.max_len, stride=st.stride)
        s, e = self.model.predict(w.input_ids, w.attention_mask, bf16=bf16)
        breaks = [clause_breaks(p) for p in passages] if one_clause else None
        guesses = [g for per_window in best_spans(s, e, w, top=top, breaks=breaks, slack=slack) for g in per_window]
        return sorted(guesses, key=lambda g: -g.score)


@lru_cache(maxsize=2)
def load_reader(folder: str | None = None, int8: bool = False, share=None) -> Reader:
    """Load (once per process) the reader in ``folder`` (default: the shipped weights).

    ``share``: the retrieval encoder; when it is the reader's base model the two share the
    vocabulary table and tokenizer (see :func:`rag.reader.model.load_span_reader`).
    """
    return Reader(load_span_reader(Path(folder) if folder else None, share=share), int8=int8)
