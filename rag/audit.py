"""Who changed what in an archive: one JSON line per change, in the index folder.

Every add, update, re-read and removal made through the page (and every change refused to a
viewer) is appended to ``audit.jsonl`` in the index folder with the time, the account, the
action, the files and the outcome; rebuilds keep the file. The archive tab shows the latest entries.
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from rag.store import AUDIT_FILE

__all__ = ["AuditEntry", "record", "entries"]


@dataclass(frozen=True)
class AuditEntry:
    time: str            # ISO, local time, seconds
    who: str             # the account, or "(no login)" on an open page
    action: str          # "add", "reread", "remove", "refused"
    files: tuple[str, ...]
    outcome: str         # the change's summary, or why it was refused


def record(index_folder: Path, who: str | None, action: str, files, outcome: str) -> AuditEntry:
    """Append one entry (flushed and fsynced: the log is evidence) and return it."""
    entry = AuditEntry(datetime.datetime.now().isoformat(timespec="seconds"), who or "(no login)", action,
                       tuple(str(f) for f in files), outcome)
    line = json.dumps(asdict(entry), ensure_ascii=False) + "\n"
    with open(Path(index_folder) / AUDIT_FILE, "a", encoding="utf-8") as f:
        f.write(line)
        f.flush()
        os.fsync(f.fileno())
    return entry


def entries(index_folder: Path, last: int = 50) -> list[AuditEntry]:
    """The latest ``last`` entries, newest first (a damaged line is skipped)."""
    path = Path(index_folder) / AUDIT_FILE
    if not path.is_file():
        return []
    out = []
    for line in path.read_text(encoding="utf-8").splitlines()[-last:]:
        try:
            d = json.loads(line)
            out.append(AuditEntry(d["time"], d["who"], d["action"], tuple(d["files"]), d["outcome"]))
        except (ValueError, KeyError, TypeError):
            continue
    return out[::-1]
