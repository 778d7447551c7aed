"""rag: extractive question answering over an archive of Chinese news articles.

Example:
    >>> import rag
    >>> index = rag.build_index("seeds/", "indexes/seeds")      # doctest: +SKIP
    >>> answer = index.ask("巡视工作的根本任务是什么？")          # doctest: +SKIP
    >>> answer.citations[0].title                                # doctest: +SKIP
    '最高检:发挥系统内巡视作用推动全面从严治检向纵深发展'
"""

from rag.errors import ConfigError, IndexFormatError, IndexLockedError, IngestError, ModelError, RagError

# The rest loads on first use (PEP 562), so that `rag ask` talking to a running server, or
# `import rag.errors`, does not import numpy, FAISS and torch.
_LAZY = {
    "build_index": "rag.index", "open_index": "rag.index", "Index": "rag.index",
    "Config": "rag.config", "DEFAULT_MODEL": "rag.config", "Library": "rag.library",
    **{name: "rag.records" for name in ("Answer", "BuildReport", "Chunk", "Citation", "Document", "DocumentInfo",
                                        "DocumentList", "Hit", "ShortAnswer", "Skipped", "Turn")},
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'rag' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "build_index",
    "open_index",
    "Index",
    "Library",
    "Config",
    "DEFAULT_MODEL",
    "Document",
    "Chunk",
    "Hit",
    "Citation",
    "ShortAnswer",
    "Answer",
    "Skipped",
    "BuildReport",
    "DocumentInfo",
    "DocumentList",
    "Turn",
    "RagError",
    "ModelError",
    "IndexFormatError",
    "IndexLockedError",
    "IngestError",
    "ConfigError",
]
