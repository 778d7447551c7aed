"""The ``rag`` command: build, update, search, ask, serve.

Only this module and ``ui/`` talk to people: errors become one line on stderr and
a non-zero exit code, never a traceback. ``--json`` prints machine-readable output.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
import warnings
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Extractive question answering over a Chinese news archive.")

DEFAULT_INDEX = os.environ.get("RAG_INDEX", "indexes/seeds")
IndexOpt = Annotated[Path, typer.Option("--index", "-i", help="Index folder (env RAG_INDEX).")]
IndexesOpt = Annotated[list[Path], typer.Option(
    "--index", "-i", help="Index folder (env RAG_INDEX); repeat for several archives, NAME=FOLDER to name one, or "
                          "a folder of index folders for each of them.")]
ArchiveOpt = Annotated[Optional[str], typer.Option(help="With several --index: the archive to ask (default: all).")]
ConfigOpt = Annotated[Optional[Path], typer.Option("--config", help="JSON file of Config settings.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for machines.")]


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _config(path: Optional[Path]):
    from rag.config import Config

    return Config.from_file(path) if path else Config()


class _Bars:
    """tqdm progress bars, one stage at a time, on stderr; none when stderr is not a terminal
    (a log file gets the summary, not hundreds of redraws)."""

    def __init__(self) -> None:
        self._bars: dict = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        bar = self._bars.get(stage)
        if bar is None:
            if stage != "ocr":  # pages read by OCR are counted under the file bar, which stays
                self.close()  # the previous stage is over
            label = {"read": "reading files", "ocr": "OCR", "embed": "embedding passages"}.get(stage, stage)
            bar = self._bars[stage] = tqdm(total=total, desc=label, unit=" page" if stage == "ocr" else " item",
                                           file=sys.stderr, leave=False, disable=None)
        bar.total = total  # OCR's total grows as files with more pages are opened
        bar.n = done
        bar.refresh()

    def close(self) -> None:
        for bar in self._bars.values():
            bar.close()
        self._bars.clear()


def _report(report, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(report), ensure_ascii=False, indent=1))
        return
    typer.echo(report.summary())
    for s in report.skipped:
        typer.echo(f"  skipped {s.path}: {s.reason}")
    for s in report.warnings:
        typer.echo(f"  warning {s.path}: {s.reason}")
    for g in report.duplicate_groups:
        typer.echo(f"  reposts of one story: {', '.join(Path(p).name for p in g)}")


def _run(fn):
    """Call ``fn`` and turn the project's errors into one line and exit code 1."""
    from rag.errors import RagError

    try:
        return fn()
    except RagError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted; the previous index is unchanged", 130)


@app.command()
def build(sources: Annotated[list[Path], typer.Argument(help="Files or folders to index.")],
          index: IndexOpt = Path(DEFAULT_INDEX), config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Build a new index from SOURCES (replaces the index only once complete)."""
    import rag

    bars = _Bars()
    try:
        idx = _run(lambda: rag.build_index(sources, index, config=_config(config), progress=bars))
    finally:
        bars.close()
    _audit(index, "build", sources, idx.last_report.summary())
    _report(idx.last_report, as_json)


@app.command()
def update(sources: Annotated[list[Path], typer.Argument(help="Files or folders to add or refresh.")],
           index: IndexOpt = Path(DEFAULT_INDEX), config: ConfigOpt = None, as_json: JsonOpt = False) -> None:
    """Add new and changed files under SOURCES, drop deleted ones; build the index if there is none."""
    import rag

    bars = _Bars()
    try:
        if (index / "manifest.json").exists():
            idx = _run(lambda: rag.open_index(index, config=_config(config) if config else None))
            report = _run(lambda: idx.update(sources, progress=bars))
        else:
            report = _run(lambda: rag.build_index(sources, index, config=_config(config), progress=bars)).last_report
    finally:
        bars.close()
    _audit(index, "add", sources, report.summary())
    _report(report, as_json)


def _audit(index: Path, action: str, files, outcome: str) -> None:
    """Log a change made from the command line, under the account of whoever ran it."""
    import getpass

    from rag import audit

    try:
        audit.record(index, f"{getpass.getuser()} (command line)", action, [Path(f).absolute() for f in files], outcome)
    except OSError as exc:  # a read-only index folder: the change is made, say the log is not
        typer.echo(f"warning: the change was not logged ({exc.strerror})", err=True)


LocalOpt = Annotated[bool, typer.Option("--local", help="Load the index here even when a `rag serve` of it is up.")]


def _single(indexes: list[Path]) -> Path | None:
    """The one index folder of an --index list, or None when it names several archives."""
    if len(indexes) != 1 or "=" in str(indexes[0]):
        return None
    folder = indexes[0]
    if folder.is_dir() and not (folder / "manifest.json").exists() and any(
            (p / "manifest.json").is_file() for p in folder.iterdir() if p.is_dir()):
        return None
    return folder


def _remote(index: Path, local: bool):
    """The address of a running `rag serve` of this index, unless --local (then None)."""
    if local or os.environ.get("RAG_LOCAL"):
        return None
    from rag.remote import find_server

    return find_server(index)


DateFromOpt = Annotated[Optional[str], typer.Option(help="Earliest date, YYYY-MM-DD.")]
DateToOpt = Annotated[Optional[str], typer.Option(help="Latest date, YYYY-MM-DD.")]
SourceOpt = Annotated[Optional[list[str]], typer.Option(help="Only these sources (repeatable).")]


@app.command()
def search(query: str, k: Annotated[int, typer.Option("-k", help="Number of documents.")] = 5,
           index: IndexesOpt = [Path(DEFAULT_INDEX)], as_json: JsonOpt = False,  # noqa: B006
           date_from: DateFromOpt = None, date_to: DateToOpt = None, source: SourceOpt = None,
           local: LocalOpt = False, archive: ArchiveOpt = None) -> None:
    """Show the K best documents for QUERY, each with its best passage.

    When a `rag serve` of the same index runs on this machine, it answers (no model loading). With several
    --index, the archives' lists are interleaved (or only --archive's is shown), each hit naming its archive.
    """
    single = _single(index)
    url = None if single is None or archive else _remote(single, local)
    if url:
        from rag.remote import call, served_archive

        hits = _run(lambda: call(url, "search", query, k, date_from or "", date_to or "", source or [],
                                 served_archive(single)))
        for h in hits:
            h.pop("archive", None)
        typer.echo(f"(answered by the running page at {url}; --local to load the index here)", err=True)
    else:
        import rag

        lib = _run(lambda: rag.Library.open(index))
        pairs = _run(lambda: lib.search(query, archive=archive, k=k, date_from=date_from, date_to=date_to,
                                        sources=source))
        hits = [{**dataclasses.asdict(h), **({"archive": name} if len(lib) > 1 else {})} for name, h in pairs]
    if as_json:
        typer.echo(json.dumps(hits, ensure_ascii=False, indent=1))
        return
    if not hits:
        typer.echo("no results")
    for n, h in enumerate(hits, 1):
        where = f" [{h['archive']}]" if h.get("archive") else ""
        typer.echo(f"{n}. [{h['score']:.3f}]{where} {h['title'] or Path(h['path']).name} "
                   f"({h['date'] or 'no date'}, {h['source'] or 'unknown source'})")
        typer.echo(f"   {h['text'][:160]}")


@app.command()
def ask(question: str, index: IndexesOpt = [Path(DEFAULT_INDEX)], as_json: JsonOpt = False,  # noqa: B006
        history: Annotated[Optional[list[str]], typer.Option(help="Earlier question (repeatable, oldest first).")] = None,
        date_from: DateFromOpt = None, date_to: DateToOpt = None, source: SourceOpt = None,
        local: LocalOpt = False,
        today: Annotated[Optional[str], typer.Option(help="Read 上个月, 去年 … against this day, YYYY-MM-DD "
                                                         "(default: the machine's date; loads the index here).")] = None,
        question_dates: Annotated[bool, typer.Option(help="Read date words in the question as a publication-date "
                                                          "filter.")] = True,
        archive: ArchiveOpt = None) -> None:
    """Answer QUESTION with a sentence quoted from the archive and its citation, or with a list, count or
    timeline of articles when it asks for several reports (有哪些报道, 多少篇, 经过).

    When a `rag serve` of the same index runs on this machine, it answers (no model loading). With several
    --index, each archive is asked (or the one --archive names) and the most confident answer says whose it is.
    """
    single = _single(index)
    url = None if today or single is None or archive else _remote(single, local)
    if url:
        from rag.remote import call, served_archive

        answer = _run(lambda: call(url, "ask", question, history or [], date_from or "", date_to or "", source or [],
                                   question_dates, served_archive(single)))
        answer.pop("archive", None)
        typer.echo(f"(answered by the running page at {url}; --local to load the index here)", err=True)
    else:
        import rag

        settings = rag.Config(today=today) if today else None
        lib = _run(lambda: rag.Library.open(index, config=settings))
        answer = dataclasses.asdict(_run(lambda: lib.ask(question, archive=archive, history=history or [],
                                                         date_from=date_from, date_to=date_to, sources=source,
                                                         question_dates=question_dates)))
        if len(lib) == 1:
            answer.pop("archive", None)
    if answer.get("archive"):
        typer.echo(f"(from the archive {answer['archive']})")
    if as_json:
        typer.echo(json.dumps(answer, ensure_ascii=False, indent=1))
        return
    if answer.get("dates"):
        d = answer["dates"]
        typer.echo(f"(published {d['start'] or '…'} to {d['end'] or '…'}, read from {d['text']!r} against {d['today']}; "
                   "--no-question-dates to search all dates)")
    if answer.get("kind", "sentence") != "sentence":
        _many(answer)
        return
    if not answer["found"]:
        typer.echo(f"Not in the archive. {answer['message']}")
        for h in answer["related"]:
            typer.echo(f"  related: {h['title'] or Path(h['path']).name} — {' '.join(h['text'].split())[:80]}")
        return
    typer.echo(answer["text"])
    if answer["short"]:
        when = answer["short"].get("date")
        extra = f" (= {when}, {answer['short']['date_how']})" if when and when not in answer["short"]["text"] else ""
        typer.echo(f"short answer: {answer['short']['text']}{extra}")
    if answer.get("alternatives"):
        typer.echo("reports differ (latest first):")
        for a in answer["alternatives"]:
            c = a["citation"]
            typer.echo(f"  {(c['date'] or 'no date')[:10]} {c['source'] or c.get('site') or Path(c['path']).name}: "
                       f"{a['short']} — {' '.join(a['text'].split())[:80]}")
    for n, c in enumerate(answer["citations"], 1):
        typer.echo(f"[{n}] {c['title'] or Path(c['path']).name} | {c['date'] or 'no date'} | {c['source'] or 'unknown source'} | "
                   f"{c['url'] or c['path']}")
        if c["also_published"]:
            typer.echo(f"    also published by: {', '.join(c['also_published'])}")


def _many(answer: dict) -> None:
    """A list, count or timeline answer: the count and what was counted, then one line per story."""
    if not answer["found"]:
        typer.echo(f"Not in the archive. {answer['message']}")
        return
    typer.echo(answer["text"])
    for n, c in enumerate(answer["items"], 1):
        when = f" (event {c['event_date']})" if c.get("event_date") else ""
        typer.echo(f"[{n}] {(c['date'] or 'no date')[:10]}{when} | {c['title'] or Path(c['path']).name} | "
                   f"{c['source'] or c.get('site') or 'unknown source'} | {c['url'] or c['path']}\n    "
                   f"{' '.join(c['sentence'].split())[:120]}")
    more = answer["total"] - len(answer["items"])
    if more > 0:
        typer.echo(f"... and {more} more")


@app.command()
def docs(query: Annotated[str, typer.Argument(help="Keep documents whose title, path, source or author holds this.")] = "",
         page: Annotated[int, typer.Option(help="Page number, from 1.")] = 1,
         per_page: Annotated[int, typer.Option(help="Documents per page.")] = 20,
         index: IndexOpt = Path(DEFAULT_INDEX), as_json: JsonOpt = False) -> None:
    """List the indexed documents (newest first): date, source, title, repost group, file."""
    from rag.archive import list_documents
    from rag.store import read_index

    stored = _run(lambda: read_index(index))  # the list needs no model: nothing heavy is loaded
    counts = [0] * len(stored.documents)
    for c in stored.chunks:
        counts[c.doc_id] += 1
    listing = _run(lambda: list_documents(stored.documents, counts, stored.manifest, query,
                                          offset=(max(page, 1) - 1) * per_page, limit=per_page))
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(listing), ensure_ascii=False, indent=1))
        return
    pages = max(1, -(-listing.total // per_page))
    typer.echo(f"{listing.total} documents{f' matching {query!r}' if query else ''}; page {page} of {pages}")
    for d in listing.items:
        group = f" [reposts #{d.group}]" if d.group else ""
        typer.echo(f"{(d.date or 'no date')[:10]}  {d.source or d.site or 'unknown source'}  "
                   f"{d.title or '(no title)'}{group}\n    {d.path}")


@app.command()
def show(path: Annotated[Path, typer.Argument(help="An indexed file (as `rag docs` lists it).")],
         index: IndexOpt = Path(DEFAULT_INDEX), as_json: JsonOpt = False) -> None:
    """Print one indexed document as it was cleaned: metadata, then the text that is searched and quoted."""
    from rag.store import read_index

    stored = _run(lambda: read_index(index))
    key = str(path.absolute())
    doc = next((d for d in stored.documents if d.path == key), None)
    if doc is None:
        _fail(f"{path} is not in the index at {index}; `rag docs` lists what is indexed")
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(doc), ensure_ascii=False, indent=1))
        return
    for label, value in (("title", doc.title), ("date", doc.date), ("source", doc.source), ("site", doc.site),
                         ("author", doc.author), ("link", doc.url), ("file", doc.path)):
        if value:
            typer.echo(f"{label}: {value}")
    typer.echo("")
    typer.echo(doc.text)


@app.command()
def remove(paths: Annotated[list[Path], typer.Argument(help="Indexed files to take out of the index.")],
           index: IndexOpt = Path(DEFAULT_INDEX),
           delete_file: Annotated[bool, typer.Option("--delete-file", help="Also delete the files from disk.")] = False,
           yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
           as_json: JsonOpt = False) -> None:
    """Take files out of the index (the files stay on disk unless --delete-file).

    A removed file is not added back by `rag update FOLDER`; `rag update FILE` adds it again.
    """
    import rag

    idx = _run(lambda: rag.open_index(index))
    for p in paths:
        _run(lambda: idx.document(p))  # names an unknown file before asking anything
    what = "remove from the index and DELETE from disk" if delete_file else "remove from the index"
    if not yes and not typer.confirm(f"{what}: {', '.join(map(str, paths))}?", default=False):
        _fail("nothing was changed")
    report = _run(lambda: idx.remove(paths, delete_files=delete_file))
    _audit(index, "remove", paths, report.summary() + (" (files deleted)" if delete_file else ""))
    _report(report, as_json)


@app.command()
def reread(paths: Annotated[list[Path], typer.Argument(help="Indexed files to read again.")],
           index: IndexOpt = Path(DEFAULT_INDEX), as_json: JsonOpt = False) -> None:
    """Read indexed files again, even unchanged ones, and re-index them."""
    import rag

    idx = _run(lambda: rag.open_index(index))
    report = _run(lambda: idx.reread(paths))
    _audit(index, "reread", paths, report.summary())
    _report(report, as_json)


@app.command()
def serve(index: IndexesOpt = [Path(DEFAULT_INDEX)],  # noqa: B006
          host: Annotated[str, typer.Option(help="Address to bind; 127.0.0.1 keeps the page private.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="Port (0 picks a free one).")] = 7860,
          build_from: Annotated[Optional[list[Path]], typer.Option("--build-from", help="Build the index from these if it does not exist.")] = None,
          auth: Annotated[Optional[str], typer.Option("--auth", help="Require a login as this user; the password is read from the environment variable RAG_PASSWORD.")] = None,
          public_read_only: Annotated[bool, typer.Option("--public-read-only", help="Serve on a non-local address without a login, asking only (no uploads).")] = False,
          users: Annotated[Optional[Path], typer.Option("--users", help="Accounts file (rag user add): every visitor logs in; viewers ask, editors also change their archives.")] = None,
          config: ConfigOpt = None) -> None:
    """Open the chat page on HOST:PORT (loads the index once).

    --config FILE sets query-time settings for the page (``today`` for an old archive,
    ``answer_threshold``, ``list_items`` …), as ``rag ask --config`` does.

    A page bound to another address than this machine's loopback must have a login
    (--users FILE, or --auth USER with the password in RAG_PASSWORD) or be --public-read-only.
    """
    import rag

    accounts = None
    if users is not None:
        from rag.users import Users

        accounts = _run(lambda: Users(users))
        if not accounts.accounts:
            _fail(f"{users} has no accounts; add one with `rag user add NAME --users {users}`")
    login = accounts.check if accounts else _login(host, auth, public_read_only)
    settings = _run(lambda: _config(config)) if config else None
    single = _single(index)
    if single is None:  # several archives: each must exist
        from rag.remote import announce_all
        from ui.app import launch

        lib = _run(lambda: rag.Library.open(index, config=settings))
        folders = {name: lib[name].folder for name in lib.names}
        launch(lib, host=host, port=port, auth=login, read_only=public_read_only, users=accounts,
               on_ready=lambda url: announce_all(folders, url))
        return
    index = single
    if not (index / "manifest.json").exists():
        if not build_from:
            _fail(f"no index at {index}; build one with `rag build SRC --index {index}` or pass --build-from SRC")
        typer.echo(f"building the index at {index} from {', '.join(map(str, build_from))} …")
        bars = _Bars()
        try:
            idx = _run(lambda: rag.build_index(build_from, index, config=settings, progress=bars))
        finally:
            bars.close()
        _report(idx.last_report, False)
    else:
        idx = _run(lambda: rag.open_index(index, config=settings))
    from rag.remote import announce
    from ui.app import launch

    launch(idx, host=host, port=port, auth=login, read_only=public_read_only, users=accounts,
           on_ready=lambda url: announce(index, url))


def _login(host: str, user: Optional[str], public_read_only: bool) -> Optional[tuple[str, str]]:
    """The (user, password) the page requires, or None; refuses an unprotected shared page."""
    import ipaddress

    if user:
        password = os.environ.get("RAG_PASSWORD", "")
        if len(password) < 8:
            _fail("--auth needs a password of at least 8 characters in the environment variable RAG_PASSWORD "
                  "(never on the command line); e.g. `read -s RAG_PASSWORD && export RAG_PASSWORD`")
        return user, password
    try:
        local = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = False
    if not local and not public_read_only:
        _fail(f"--host {host} shares the page beyond this machine; add --auth USER (password in RAG_PASSWORD) "
              "or --public-read-only (asking only, no uploads)")
    return None


def quiet_libraries() -> None:
    """Keep third-party start-up chatter (weight-loading bars, jieba's cache notes) off the terminal.

    Environment variables and logger levels only: importing transformers or jieba here would
    cost seconds on commands that never load them.
    """
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    logging.basicConfig(level=os.environ.get("RAG_LOG", "WARNING"), format="%(levelname)s %(name)s: %(message)s")
    for name in ("jieba", "bm25s", "sentence_transformers", "transformers", "httpx", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=FutureWarning)  # libraries' notices about their next versions


user_app = typer.Typer(no_args_is_help=True, help="Accounts of a shared page (rag serve --users FILE).")
app.add_typer(user_app, name="user")
UsersOpt = Annotated[Path, typer.Option("--users", help="The accounts file (env RAG_USERS_FILE).",
                                        envvar="RAG_USERS_FILE")]


@user_app.command("add")
def user_add(name: str, role: Annotated[str, typer.Option(help="viewer (asks) or editor (also changes archives).")] = "viewer",
             archive: Annotated[Optional[list[str]], typer.Option(help="An archive an editor may change (repeatable; default: all).")] = None,
             users: UsersOpt = Path("users.json")) -> None:
    """Add (or replace) the account NAME; the password is read from RAG_PASSWORD or asked for, never an argument."""
    from rag.users import Users

    password = os.environ.get("RAG_PASSWORD") or typer.prompt(f"password for {name}", hide_input=True,
                                                              confirmation_prompt=True)
    account = _run(lambda: Users.add(users, name, password, role=role, archives=tuple(archive or ())))
    typer.echo(f"{account.name}: {account.role}" + (f" of {', '.join(account.archives)}" if account.archives else "")
               + f" (in {users})")


@user_app.command("remove")
def user_remove(name: str, users: UsersOpt = Path("users.json")) -> None:
    """Remove the account NAME."""
    from rag.users import Users

    _run(lambda: Users.remove(users, name))
    typer.echo(f"removed {name} from {users}")


@user_app.command("list")
def user_list(users: UsersOpt = Path("users.json")) -> None:
    """The accounts, their roles and archives (never their hashes)."""
    from rag.users import Users

    for a in _run(lambda: Users(users)).accounts:
        typer.echo(f"{a.name}\t{a.role}\t{', '.join(a.archives) or 'all archives'}")


def main() -> None:
    quiet_libraries()
    app()


if __name__ == "__main__":
    main()
