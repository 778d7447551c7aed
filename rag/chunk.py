"""Stage 3: Document -> sentence-aligned Chunks with offsets into ``Document.text``."""

from __future__ import annotations

from rag.records import Chunk, Document
from rag.text import split_sentences

__all__ = ["chunk_document"]


def chunk_document(doc: Document, doc_id: int, *, chunk_chars: int = 150, overlap: int = 0) -> list[Chunk]:
    """Pack whole sentences into passages of about ``chunk_chars`` characters.

    A passage never cuts a sentence: a sentence longer than ``chunk_chars`` is a
    passage of its own. ``overlap`` sentences of one passage open the next, so an
    answer that spans a boundary is still seen whole by one passage.

    >>> d = Document(path="/a.txt", title=None, date=None, source=None, author=None, url=None,
    ...              text="第一句。第二句很长很长。第三句。")
    >>> [c.text for c in chunk_document(d, 0, chunk_chars=20)]
    ['第一句。第二句很长很长。第三句。']
    """
    sents = split_sentences(doc.text)
    chunks: list[Chunk] = []
    i = 0
    while i < len(sents):
        j = i
        while j + 1 < len(sents) and sents[j + 1][1] - sents[i][0] <= chunk_chars:
            j += 1
        s, e = sents[i][0], sents[j][1]
        chunks.append(Chunk(doc_id=doc_id, start=s, end=e, text=doc.text[s:e]))
        if j + 1 >= len(sents):
            break
        i = max(j + 1 - overlap, i + 1)
    return chunks
