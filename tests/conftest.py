"""Shared fixtures: the seed archive, a test archive made from it, one real index per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory):
    """The seeds indexed once with the real default model (slow tests share it)."""
    import rag

    folder = tmp_path_factory.mktemp("idx") / "seeds"
    src = tmp_path_factory.mktemp("src") / "seeds"
    shutil.copytree(SEEDS, src)
    return rag.build_index(src, folder)
