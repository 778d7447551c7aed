"""The chat page (Gradio). It calls only the public ``rag`` API.

Run it with ``rag serve`` (binds 127.0.0.1 unless told otherwise).
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import stat
import tempfile
import threading
import zipfile
from pathlib import Path

import gradio as gr

import rag
from ui.render import render_answer

__all__ = ["make_app", "launch", "UPLOAD_SUFFIXES", "MAX_UPLOAD_BYTES", "save_uploads"]

UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf", ".zip")
MAX_UPLOAD_BYTES = int(os.environ.get("RAG_MAX_UPLOAD_BYTES", 50_000_000))
EXAMPLES = ["巡视工作的根本任务是什么？", "系统内巡视由谁牵头？", "中央第七督导组组长是谁？", "檢察信訪工作是什麼的重要體現？"]
MAX_ZIP_MEMBERS = 2_000
MAX_ZIP_RATIO = 100
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

CSS = """
.rag-card{border:1px solid #d0d7de;border-radius:8px;padding:8px 12px;margin:8px 0;background:#fafbfc}
.rag-meta{color:#57606a;font-size:.9em}
.rag-passage{margin:6px 0;border-left:3px solid #d0d7de;padding-left:8px;white-space:pre-wrap}
.rag-article-text{white-space:pre-wrap;max-height:320px;overflow:auto;font-size:.92em}
.rag-quote{font-size:1.08em;margin-bottom:4px}
mark{background:#fff3a3;padding:0 1px}
.rag-also{color:#57606a;font-size:.9em}
.rag-notfound{color:#9a3412}
"""


def save_uploads(paths: list[str], folder: Path) -> tuple[list[Path], list[str]]:
    """Copy uploaded files (and the members of uploaded zips) into ``folder``.

    Returns the saved paths and one message per refused file. Zip members are
    checked for size and type, and for paths that would escape the folder.
    """
    saved, refused = [], []
    folder.mkdir(parents=True, exist_ok=True)
    for p in paths:
        src = Path(p)
        name = src.name
        if src.suffix.lower() not in UPLOAD_SUFFIXES:
            refused.append(f"{name}: type not accepted (accepted: {', '.join(UPLOAD_SUFFIXES)})")
            continue
        if src.stat().st_size > MAX_UPLOAD_BYTES:
            refused.append(f"{name}: larger than {MAX_UPLOAD_BYTES // 1_000_000} MB")
            continue
        if src.suffix.lower() != ".zip":
            dest = folder / name
            shutil.copyfile(src, dest)
            saved.append(dest)
            continue
        try:
            with zipfile.ZipFile(src) as z:
                _unzip(z, name, folder / src.stem, saved, refused)
        except zipfile.BadZipFile:
            refused.append(f"{name}: not a readable zip file")
    return saved, refused


def _unzip(z: zipfile.ZipFile, name: str, folder: Path, saved: list[Path], refused: list[str]) -> None:
    """Unpack the accepted members of an uploaded zip into ``folder``, refusing what could
    escape it (absolute or ``..`` names, links), bombs (a member over ``MAX_ZIP_RATIO`` times its
    packed size, or more than ``MAX_UPLOAD_BYTES`` in all) and more than ``MAX_ZIP_MEMBERS`` files."""
    members = [i for i in z.infolist() if not i.is_dir() and not Path(i.filename).name.startswith(".")]
    if len(members) > MAX_ZIP_MEMBERS:
        refused.append(f"{name}: holds {len(members):,} files, more than {MAX_ZIP_MEMBERS:,}; split it into smaller zips")
        return
    total = 0
    root = folder.resolve()
    for info in members:
        member = Path(info.filename)
        dest = folder / member
        if (member.is_absolute() or ".." in member.parts or "\\" in info.filename
                or not dest.resolve().is_relative_to(root)):
            refused.append(f"{name}:{info.filename}: unsafe path in zip")
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            refused.append(f"{name}:{info.filename}: a link, not a file")
            continue
        if member.suffix.lower() not in UPLOAD_SUFFIXES or member.suffix.lower() == ".zip":
            refused.append(f"{name}:{info.filename}: type not accepted")
            continue
        if info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1) and info.file_size > 1_000_000:
            refused.append(f"{name}:{info.filename}: unpacks {info.file_size // max(info.compress_size, 1):,} times "
                           "its packed size (a zip bomb?); not unpacked")
            continue
        total += info.file_size
        if total > MAX_UPLOAD_BYTES:
            refused.append(f"{name}: unpacks to more than {MAX_UPLOAD_BYTES // 1_000_000} MB; stopped")
            return
        dest.parent.mkdir(parents=True, exist_ok=True)
        with z.open(info) as fin, dest.open("wb") as fout:
            # at most the declared size is read: a member that lies about its size is cut there
            shutil.copyfileobj(fin, fout)
        saved.append(dest)


def _archive_markdown(index: rag.Index) -> str:
    s = index.stats()
    sources = "、".join(index.sources()) or "(none recorded)"
    return (
        f"**{s['documents']}** articles · **{s['chunks']}** passages · **{s['duplicate_groups']}** repost groups · "
        f"last update {s['updated']}\n\n**Sources:** {sources}\n\n"
        f"Uploads: {', '.join(UPLOAD_SUFFIXES)}; at most {MAX_UPLOAD_BYTES // 1_000_000} MB per file or zip."
    )


def make_app(index: rag.Index, *, upload_dir: Path | None = None, read_only: bool = False) -> gr.Blocks:
    """Build the Blocks app around an open index (loaded once, shared by all sessions).

    ``read_only`` leaves out the upload box: asking works, nothing changes the index.
    """
    lock = threading.Lock()  # updates replace the index in place; questions wait for them
    upload_dir = upload_dir or Path(os.environ.get("RAG_UPLOAD_DIR", index.folder.parent / "uploads"))

    def respond(message: str, history: list, date_from: str, date_to: str, sources: list[str]):
        message = (message or "").strip()
        if not message:
            return "", history
        for name, value in (("from", date_from), ("to", date_to)):
            if value and not _DATE.match(value.strip()):
                return "", history + [
                    {"role": "user", "content": message},
                    {"role": "assistant", "content": f"Date '{value}' in the {name} filter is not YYYY-MM-DD; fix it and ask again."},
                ]
        earlier = [m["content"] for m in history if m.get("role") == "user" and isinstance(m.get("content"), str)]
        with lock:
            index.refresh()  # another process may have updated the index: answer from the new one
            answer = index.ask(message, history=earlier[-3:], date_from=(date_from or "").strip() or None,
                               date_to=(date_to or "").strip() or None, sources=sources or None)
            articles = {c.path: index.document(c.path).text for c in answer.citations}
        html = render_answer(answer, articles)
        return "", history + [{"role": "user", "content": message}, {"role": "assistant", "content": html}]

    def upload(files, progress=gr.Progress()):
        if not files:
            return "Choose files or a zip first.", _archive_markdown(index), gr.update()
        paths = [f if isinstance(f, str) else f.name for f in files]
        upload_dir.mkdir(parents=True, exist_ok=True)
        target = Path(tempfile.mkdtemp(prefix="upload-", dir=upload_dir))
        saved, refused = save_uploads(paths, target)
        lines = [f"refused {r}" for r in refused]
        if saved:
            def tick(stage, done, total):
                progress((done, total), desc={"read": "reading", "embed": "embedding"}.get(stage, stage))

            with lock:
                report = index.update(target, progress=tick)
            lines.insert(0, report.summary())
            lines += [f"skipped {Path(s.path).name}: {s.reason}" for s in report.skipped]
            lines += [f"warning {Path(s.path).name}: {s.reason}" for s in report.warnings]
        return "\n".join(lines) or "Nothing to add.", _archive_markdown(index), gr.update(choices=index.sources())

    def api_ask(question: str, history: list[str] | None = None, date_from: str = "", date_to: str = "",
                sources: list[str] | None = None) -> dict:
        """Answer a question: the same record as ``rag.Index.ask``, as JSON."""
        with lock:
            index.refresh()
            try:
                answer = index.ask(question or "", history=history or [], date_from=date_from or None,
                                   date_to=date_to or None, sources=sources or None)
            except rag.RagError as exc:
                raise gr.Error(str(exc)) from exc
        return dataclasses.asdict(answer)

    def api_search(query: str, k: int = 5, date_from: str = "", date_to: str = "",
                   sources: list[str] | None = None) -> list[dict]:
        """The k best documents for a query: the same records as ``rag.Index.search``, as JSON."""
        with lock:
            index.refresh()
            try:
                hits = index.search(query or "", k=int(k), date_from=date_from or None, date_to=date_to or None,
                                    sources=sources or None)
            except rag.RagError as exc:
                raise gr.Error(str(exc)) from exc
        return [dataclasses.asdict(h) for h in hits]

    with gr.Blocks(title="News archive QA") as demo:
        gr.api(api_ask, api_name="ask")
        gr.api(api_search, api_name="search")
        gr.Markdown("## 新闻档案问答 · News archive QA\nAnswers are sentences quoted from the archive, each with its source.")
        with gr.Tab("Ask"):
            with gr.Row():
                with gr.Column(scale=4):
                    chat = gr.Chatbot(label="Conversation", height=560, elem_id="chat")
                    box = gr.Textbox(placeholder="输入问题，按 Enter 发送 · Type a question and press Enter",
                                     show_label=False, elem_id="question", lines=1, max_lines=3, autofocus=True)
                    gr.Examples(EXAMPLES, inputs=box, label="Try")
                    clear = gr.Button("New conversation", size="sm")
                with gr.Column(scale=1, min_width=220):
                    gr.Markdown("**Filters** (narrow retrieval)")
                    date_from = gr.Textbox(label="From date", placeholder="YYYY-MM-DD", elem_id="date-from")
                    date_to = gr.Textbox(label="To date", placeholder="YYYY-MM-DD", elem_id="date-to")
                    sources = gr.Dropdown(choices=index.sources(), multiselect=True, label="Sources", elem_id="sources")
            box.submit(respond, [box, chat, date_from, date_to, sources], [box, chat])
            clear.click(lambda: [], None, chat)
        with gr.Tab("Archive"):
            stats = gr.Markdown(_archive_markdown(index), elem_id="archive-stats")
            if read_only:
                gr.Markdown("This page is shared read-only: files cannot be added here.")
                return demo
            files = gr.File(file_count="multiple", file_types=list(UPLOAD_SUFFIXES), label="Add files or a zip",
                            elem_id="upload")
            add = gr.Button("Add to archive", variant="primary", elem_id="add")
            report = gr.Textbox(label="Report", lines=6, elem_id="report")
            add.click(upload, files, [report, stats, sources], api_name="upload")
    return demo


def launch(index: rag.Index, *, host: str = "127.0.0.1", port: int = 7860,
           auth: tuple[str, str] | None = None, read_only: bool = False) -> None:
    """Serve the page and print its address; ``auth`` = (user, password) puts it behind a login."""
    demo = make_app(index, read_only=read_only)
    print(f"Serving the chat page on http://{host}:{port} (Ctrl+C to stop)", flush=True)
    demo.queue(default_concurrency_limit=2).launch(server_name=host, server_port=port or None, css=CSS,
                                                   show_error=True, quiet=True, auth=auth)
