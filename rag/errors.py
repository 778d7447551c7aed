"""The project's own exceptions; the CLI and UI turn them into one-line messages."""

from __future__ import annotations

__all__ = ["RagError", "ModelError", "IndexFormatError", "IndexLockedError", "IngestError", "ConfigError"]


class RagError(Exception):
    """Base class: every message says what went wrong and what to do."""


class ModelError(RagError):
    """An embedding model cannot be loaded or does not match the index."""


class IndexFormatError(RagError):
    """An index folder is missing, damaged, or built by another format or model."""


class IndexLockedError(RagError):
    """Another build or update is writing the same index."""


class IngestError(RagError):
    """A file cannot be read or holds no article text."""


class ConfigError(RagError):
    """A configuration value is out of range."""
