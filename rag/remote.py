"""Asking a running ``rag serve`` instead of loading the models again.

``rag serve`` announces itself in a small file beside the index (``.NAME.serve.json``:
address and process id) and removes it on exit. ``rag ask``/``rag search`` look for it;
when the process is alive and the page answers, they call its named API endpoints over
plain HTTP (Gradio's ``/gradio_api/call/<name>``) and print the same records the Python
API returns — in a fraction of a second instead of loading the models. Standard library
only, so that this path imports nothing heavy.
"""

from __future__ import annotations

import contextlib
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from rag.errors import RagError

__all__ = ["announce", "announce_all", "served_archive", "find_server", "call"]


def _server_file(index: Path) -> Path:
    index = Path(index).absolute()
    return index.parent / f".{index.name}.serve.json"


@contextlib.contextmanager
def announce(index: Path, url: str, archive: str = "") -> Iterator[None]:
    """Tell CLI commands on this machine that a page serving ``index`` (as the archive named
    ``archive``, when it serves several) is up at ``url``."""
    path = _server_file(index)
    try:
        path.write_text(json.dumps({"url": url, "pid": os.getpid(), "archive": archive}), encoding="utf-8")
    except OSError:  # a read-only folder: the CLI simply loads the index itself
        yield
        return
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
                path.unlink()


@contextlib.contextmanager
def announce_all(folders: dict[str, Path], url: str) -> Iterator[None]:
    """:func:`announce` each archive of a page serving several."""
    with contextlib.ExitStack() as stack:
        for name, folder in folders.items():
            stack.enter_context(announce(folder, url, name))
        yield


def served_archive(index: Path) -> str:
    """The name under which the running page serves ``index`` ("" when it serves it alone)."""
    try:
        return str(json.loads(_server_file(index).read_text(encoding="utf-8")).get("archive", ""))
    except (OSError, ValueError):
        return ""


def find_server(index: Path, *, timeout: float = 0.5) -> str | None:
    """The address of a live ``rag serve`` of ``index`` on this machine, or None."""
    path = _server_file(index)
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        os.kill(int(info["pid"]), 0)  # raises when the process is gone
        url = str(info["url"]).rstrip("/")
        with urllib.request.urlopen(f"{url}/gradio_api/info", timeout=timeout):
            return url
    except (OSError, ValueError, KeyError, TypeError, urllib.error.URLError):
        return None


def call(url: str, api_name: str, *args, timeout: float = 120.0):
    """Call the page's endpoint ``api_name`` with ``args``; returns its (JSON) result.

    Raises RagError with the server's message when the endpoint reports an error.
    """
    body = json.dumps({"data": list(args)}).encode("utf-8")
    req = urllib.request.Request(f"{url}/gradio_api/call/{api_name}", data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        event_id = json.loads(r.read())["event_id"]
    event = None
    with urllib.request.urlopen(f"{url}/gradio_api/call/{api_name}/{event_id}", timeout=timeout) as r:
        for raw in r:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and event in ("complete", "error"):
                data = line.split(":", 1)[1].strip()
                if event == "error":
                    message = json.loads(data) if data and data != "null" else None
                    raise RagError(str(message or f"the server at {url} could not answer; see its log"))
                return json.loads(data)[0]
    raise RagError(f"the server at {url} closed the connection without an answer")
