"""The archive's document list: what the Archive tab and `rag docs` show, without loading any model."""

from __future__ import annotations

from collections.abc import Sequence

from rag.docstore import DocMeta
from rag.errors import RagError
from rag.records import Document, DocumentInfo, DocumentList
from rag.text import fold

__all__ = ["list_documents"]


def list_documents(documents: Sequence[Document | DocMeta], passages: Sequence[int], manifest: dict, query: str = "", *,
                   offset: int = 0, limit: int = 20) -> DocumentList:
    """A page of ``documents``, newest first, keeping those whose title, path, source, site or author
    contains ``query`` (case-insensitive, simplified and traditional alike); ``passages[i]`` is
    how many passages ``documents[i]`` has."""
    if offset < 0 or limit < 1:
        raise RagError(f"offset={offset} and limit={limit}: offset must be ≥ 0 and limit ≥ 1")
    group = {p: n for n, g in enumerate(manifest.get("duplicate_groups", []), 1) for p in g}
    wanted = fold(query.strip()).lower()
    rows = []
    for i, d in enumerate(documents):
        fields = (d.title, d.path, d.source, d.site, d.author)
        if wanted and not any(wanted in fold(f).lower() for f in fields if f):
            continue
        rows.append(DocumentInfo(path=d.path, title=d.title, date=d.date, source=d.source, site=d.site,
                                 author=d.author, url=d.url, chars=d.chars if hasattr(d, "chars") else len(d.text),
                                 passages=int(passages[i]),
                                 group=group.get(d.path)))
    rows.sort(key=lambda r: (r.date or "", r.path), reverse=True)
    return DocumentList(items=tuple(rows[offset: offset + limit]), total=len(rows), offset=offset, query=query)
