"""Stage 6 (learned): a span reader that finds the answer inside retrieved passages.

:mod:`rag.reader.features` turns question + passage into token windows with
character offsets and decodes spans; :mod:`rag.reader.model` is the encoder with
LoRA adapters and a start/end head; :mod:`rag.reader.read` reads passages at
question time; :mod:`rag.reader.train` trains it (``python -m rag.reader.train``).
"""

from rag.reader.features import SpanGuess
from rag.reader.read import Reader, load_reader

__all__ = ["Reader", "SpanGuess", "load_reader"]
