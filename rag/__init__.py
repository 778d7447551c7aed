"""rag: extractive question answering over an archive of Chinese news articles.

Example:
    >>> import rag
    >>> index = rag.build_index("seeds/", "indexes/seeds")      # doctest: +SKIP
    >>> answer = index.ask("巡视工作的根本任务是什么？")          # doctest: +SKIP
    >>> answer.citations[0].title                                # doctest: +SKIP
    '最高检:发挥系统内巡视作用推动全面从严治检向纵深发展'
"""

from rag.config import DEFAULT_MODEL, Config
from rag.errors import ConfigError, IndexFormatError, IndexLockedError, IngestError, ModelError, RagError
from rag.index import Index, build_index, open_index
from rag.records import Answer, BuildReport, Chunk, Citation, Document, Hit, ShortAnswer, Skipped

__version__ = "0.1.0"

__all__ = [
    "build_index",
    "open_index",
    "Index",
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
    "RagError",
    "ModelError",
    "IndexFormatError",
    "IndexLockedError",
    "IngestError",
    "ConfigError",
]
