"""Several archives, each its own index folder, asked one at a time or all together.

A press office keeps more than one archive (its own reports, the national ones, a research
collection). Each stays an ordinary :class:`rag.Index` with its own folder, writer lock and updates;
a :class:`Library` names them and asks across them. Asked of all, each archive answers on its own
and the answer the answer stage is most confident of wins (the scorer's probability is comparable
across archives; retrieval scores are not), so a quote always comes whole from one archive and says
which (``Answer.archive``).

Example:
    >>> lib = Library.open(["indexes/seeds", "indexes/news"])      # doctest: +SKIP
    >>> lib.names                                                 # doctest: +SKIP
    ('seeds', 'news')
    >>> lib.ask("巡视工作的根本任务是什么？").archive              # doctest: +SKIP
    'seeds'
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterable
from pathlib import Path

from rag.config import Config
from rag.errors import RagError
from rag.records import Answer, Hit

__all__ = ["Library", "ALL", "name_for"]

ALL = "all"  # the archive name that means every archive
_NAME = re.compile(r"^[\w\-\u4e00-\u9fff]{1,40}$")


def name_for(folder: str | Path) -> str:
    """An archive's name from its index folder's: the folder's name, with what a name cannot hold as _."""
    name = re.sub(r"[^\w\-\u4e00-\u9fff]", "_", Path(folder).absolute().name)[:40].strip("_")
    return name if name and name != ALL else "archive"


class Library:
    """Named archives. ``indexes`` maps each name to its open :class:`rag.Index`."""

    def __init__(self, indexes: dict) -> None:
        if not indexes:
            raise RagError("a library needs at least one archive; pass --index FOLDER")
        for name in indexes:
            if name == ALL or not _NAME.match(name):
                raise RagError(f"archive name {name!r} is not usable: letters, digits, _ and - (up to 40), not {ALL!r}")
        self._indexes = dict(indexes)
        # one lock an archive: an update replaces that index in place while the others answer
        self._locks = {name: threading.RLock() for name in self._indexes}

    def lock(self, name: str) -> threading.RLock:
        """The lock that one archive's readers and writers of this process take."""
        self[name]  # noqa: B018 - raises for an unknown name
        return self._locks[name]

    @classmethod
    def open(cls, folders: Iterable[str | Path], *, config: Config | None = None) -> Library:
        """Open each index folder (``NAME=FOLDER`` names it; else the folder's name does); a folder that
        holds index folders and no manifest of its own opens each of them."""
        from rag.index import open_index

        named: dict[str, Path] = {}
        for item in folders:
            name, _, path = str(item).rpartition("=") if "=" in str(item) else ("", "", str(item))
            folder = Path(path)
            subs = ([p for p in sorted(folder.iterdir()) if (p / "manifest.json").is_file()]
                    if folder.is_dir() and not (folder / "manifest.json").exists() else [])
            for one, key in ([(s, name_for(s)) for s in subs] if subs else [(folder, name or name_for(folder))]):
                if key in named:
                    raise RagError(f"two archives are named {key!r} ({named[key]} and {one}); "
                                   f"name one with --index NAME={one}")
                named[key] = one
        return cls({name: open_index(path, config=config) for name, path in named.items()})

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._indexes)

    def __getitem__(self, name: str):
        if name not in self._indexes:
            raise RagError(f"no archive named {name!r}; the archives are {', '.join(self._indexes)}")
        return self._indexes[name]

    def __len__(self) -> int:
        return len(self._indexes)

    def chosen(self, archive: str | None) -> list[str]:
        """The names ``archive`` selects: one, or all of them for None / ``"all"``."""
        if archive in (None, "", ALL):
            return list(self._indexes)
        self[archive]  # noqa: B018 - raises for an unknown name, listing the names
        return [archive]

    def ask(self, question: str, *, archive: str | None = None, **options) -> Answer:
        """Answer from one archive, or from the archive whose answer is the most confident.

        ``options`` are :meth:`rag.Index.ask`'s. Found answers beat not-found ones; among found ones the
        answer stage's confidence decides; a tie goes to the archive named first.
        """
        best: Answer | None = None
        for name in self.chosen(archive):
            with self._locks[name]:
                self[name].refresh()  # another process may have updated it
                answer = dataclasses.replace(self[name].ask(question, **options), archive=name)
            if best is None or (answer.found, answer.confidence) > (best.found, best.confidence):
                best = answer
        assert best is not None
        return best

    def search(self, query: str, *, archive: str | None = None, k: int = 5, **options) -> list[tuple[str, Hit]]:
        """The ``k`` best documents over the chosen archives, as (archive, hit), best first by each
        archive's own rank (interleaved: fused scores are not comparable across indexes)."""
        lists = []
        for name in self.chosen(archive):
            with self._locks[name]:
                lists.append([(name, h) for h in self[name].search(query, k=k, **options)])
        merged = [pair for rank in range(k) for hits in lists if rank < len(hits) for pair in [hits[rank]]]
        return merged[:k]

    def sources(self) -> list[str]:
        """Every archive's sources, once each, sorted."""
        return sorted({s for index in self._indexes.values() for s in index.sources()})
