"""The chat page (Gradio). It calls only the public ``rag`` API.

Run it with ``rag serve`` (binds 127.0.0.1 unless told otherwise). Two tabs: Ask (the
conversation, filters, 👎 feedback) and Archive (the document list with search and
paging; open, re-read, remove; uploads). Labels follow the browser's language
(simplified Chinese by default, traditional Chinese, English): see ``ui/i18n.py``.
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import re
import tempfile
from pathlib import Path

import gradio as gr

import rag
from rag import audit
from rag.library import ALL, Library, name_for
from rag.users import Users
from ui.examples import examples_for
from ui.i18n import gradio_i18n, lang_of, t
from ui.render import render_answer
from ui.uploads import MAX_UPLOAD_BYTES, MAX_ZIP_MEMBERS, UPLOAD_SUFFIXES, save_uploads

__all__ = ["make_app", "launch", "UPLOAD_SUFFIXES", "MAX_UPLOAD_BYTES", "MAX_ZIP_MEMBERS", "save_uploads",
           "PAGE_SIZE"]

PAGE_SIZE = 15
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

CSS = """
.rag-card{border:1px solid #d0d7de;border-radius:8px;padding:8px 12px;margin:8px 0;background:#fafbfc}
.rag-meta{color:#57606a;font-size:.9em}
.rag-passage{margin:6px 0;border-left:3px solid #d0d7de;padding-left:8px;white-space:pre-wrap}
.rag-scan{margin:6px 0}.rag-scan img{width:100% !important;max-width:760px !important;height:auto !important;border:1px solid #d0d7de}
.rag-lowconf{text-decoration:underline wavy #d22}
.rag-article-text{white-space:pre-wrap;max-height:320px;overflow:auto;font-size:.92em}
.rag-quote{font-size:1.08em;margin-bottom:4px}
mark{background:#fff3a3;padding:0 1px}
.rag-also{color:#57606a;font-size:.9em}
.rag-notfound{color:#9a3412}
.rag-chip{display:inline-block;background:#ddf4ff;border:1px solid #54aeff;border-radius:12px;padding:1px 10px;margin:4px 0}
.rag-event{font-weight:600}
.rag-timeline{font-size:.9em}
"""

# A citation card's "timeline" link asks its question (the link's title) as if typed: the question box is filled and
# asked with the Ask button, so the timeline answer joins the conversation like any other.
HEAD = """<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.rag-timeline");
  if (!link) return;
  event.preventDefault();
  const box = document.querySelector("#question textarea");
  if (!box) return;
  box.value = link.title;
  box.dispatchEvent(new Event("input", {bubbles: true}));
  setTimeout(() => document.querySelector("#send").click(), 100);  // the Ask button, once the box holds it
});
</script>"""


def _lang(request: gr.Request | None) -> str:
    return lang_of(request.headers.get("accept-language") if request is not None else None)


def _stats_markdown(index: rag.Index, lang: str) -> str:
    s = index.stats()
    return t("stats", lang, documents=s["documents"], chunks=s["chunks"], groups=s["duplicate_groups"],
             updated=(s["updated"] or "")[:19], sources="、".join(index.sources()) or "—",
             suffixes=", ".join(UPLOAD_SUFFIXES), mb=MAX_UPLOAD_BYTES // 1_000_000)


def _table(index: rag.Index, query: str, page: int, lang: str):
    """The archive list's page ``page`` (from 1) for ``query``: table value, page label, page."""
    import pandas as pd

    page = max(int(page or 1), 1)
    listing = index.list_documents(query or "", offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    pages = max(1, -(-listing.total // PAGE_SIZE))
    if page > pages:  # past the end (the list shrank, or a page number typed): show the last page
        page = pages
        listing = index.list_documents(query or "", offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)
    rows = [[(d.date or "")[:10], d.source or (f"{d.site} ({t('site', lang)})" if d.site else ""),
             d.title or Path(d.path).name, d.group or "", d.path] for d in listing.items]
    columns = [t(k, lang) for k in ("col_date", "col_source", "col_title", "col_group", "col_file")]
    label = t("page_of", lang, total=listing.total, page=page, pages=pages)
    return pd.DataFrame(rows, columns=columns), label, page


def _feedback_record(question: str, answer: dict, verdict) -> dict:
    """One line of the feedback file: what was asked, what was answered, where it was quoted from."""
    cited = answer.get("citations") or [{}]
    return {
        "time": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "verdict": "wrong answer" if verdict in (False, "Dislike") else str(verdict),
        "question": question,
        "answer": answer.get("text", ""),
        "short": (answer.get("short") or {}).get("text"),
        "found": answer.get("found"),
        "citation": {k: cited[0].get(k) for k in ("title", "date", "source", "url", "path", "start", "end")},
    }


def make_app(index: rag.Index | Library, *, upload_dir: Path | None = None, read_only: bool = False,
             feedback_file: Path | None = None, users: Users | None = None) -> gr.Blocks:
    """Build the Blocks app around an open index, or a :class:`rag.Library` of several (loaded once,
    shared by all sessions).

    With several archives the Ask tab asks one or all of them and each answer says which archive it
    came from; the Archive tab lists, uploads to and removes from the archive chosen there, each
    under its own lock, so one archive is updated while the others answer. ``read_only`` leaves out
    uploads, re-reading and removal. ``feedback_file`` (JSON lines) receives 👎 reports. ``users``
    (the accounts the login checks): viewers see no change controls and every change they request,
    through the page or its API, is refused and written to the archive's audit log like the changes
    editors make.
    """
    lib = index if isinstance(index, Library) else Library({name_for(index.folder): index})
    several = len(lib) > 1
    first = lib.names[0]
    index = lib[first]
    examples = examples_for(lib)
    upload_root = upload_dir or Path(os.environ.get("RAG_UPLOAD_DIR", index.folder.parent / "uploads"))
    feedback_file = feedback_file or Path(os.environ.get("RAG_FEEDBACK_FILE",
                                                         index.folder.parent / "feedback.jsonl"))

    def shelf(name: str | None):
        """The archive the Archive tab works on, and its lock."""
        name = name if name in lib.names else first
        return lib[name], lib.lock(name)

    def who(request: gr.Request | None) -> str | None:
        return getattr(request, "username", None) if request is not None else None

    def may_edit(request: gr.Request | None, name: str | None) -> bool:
        if read_only:
            return False
        return users is None or users.may_edit(who(request), name if name in lib.names else first)

    def expired(request: gr.Request | None) -> bool:
        """A login whose session has run out (the page asks to log in again)."""
        return users is not None and users.account(who(request)) is None

    def refuse(request: gr.Request | None, name: str | None, action: str, files) -> str:
        """Refuse a change to someone who may not make it, and log the attempt."""
        index, _ = shelf(name)
        lang = _lang(request)
        why = t("session_expired", lang) if expired(request) else t("refused_viewer", lang, archive=name or first)
        audit.record(index.folder, who(request), "refused", files, f"{action}: {why}")
        return why

    def controls(name: str | None, request: gr.Request):
        """The change controls, shown to those who may change the archive chosen."""
        show = gr.update(visible=may_edit(request, name))
        return show, show, show, show

    def audit_table(name: str | None, request: gr.Request):
        index, _ = shelf(name)
        return [[e.time, e.who, t(f"audit_{e.action}", _lang(request)), "、".join(Path(f).name for f in e.files),
                 e.outcome] for e in audit.entries(index.folder)] or [["", "", "", "", ""]]

    # ------------------------------------------------------------------ Ask
    def respond(message: str, history: list, answers: dict, date_from: str, date_to: str, sources: list[str],
                question_dates: bool, archive: str | None, request: gr.Request):
        lang = _lang(request)
        message = (message or "").strip()
        if not message:
            yield "", history, answers
            return
        history = history + [{"role": "user", "content": message}]
        if expired(request):
            yield "", history + [{"role": "assistant", "content": t("session_expired", lang)}], answers
            return
        for name, value in (("from", date_from), ("to", date_to)):
            if value and not _DATE.match(value.strip()):
                yield "", history + [{"role": "assistant", "content": t(
                    "bad_date", lang, name=t(name, lang), value=value)}], answers
                return
        yield "", history + [{"role": "assistant", "content": t("thinking", lang)}], answers
        # the conversation so far, as the API takes it: each question with what it was answered
        earlier = [rag.Turn(**answers[k]["turn"]) for k in sorted(answers, key=int)]
        try:  # each archive asked under its own lock, refreshed first (another process may have updated it)
            answer = lib.ask(message, archive=archive if several else first, history=earlier,
                             date_from=(date_from or "").strip() or None, date_to=(date_to or "").strip() or None,
                             sources=sources or None, question_dates=bool(question_dates))
        except rag.RagError as exc:
            yield "", history + [{"role": "assistant", "content": str(exc)}], answers
            return
        answered, lock = lib[answer.archive], lib.lock(answer.archive)
        if not several:
            answer = dataclasses.replace(answer, archive=None)  # one archive: nothing to say
        with lock:
            articles = {c.path: answered.document(c.path).text for c in answer.citations}
            scans = [answered.scan_region(c) for c in answer.citations]
            timelines = ({c.path: answered.timeline_question(message, c) for c in answer.citations}
                         if answer.kind == "sentence" and answer.found else {})
        # the quote first; the cards (with the whole articles) follow
        yield "", history + [{"role": "assistant", "content": render_answer(answer, lang=lang, cards=False)}], answers
        answers = {**answers, str(len(history)): {"answer": dataclasses.asdict(answer),
                                                  "turn": dataclasses.asdict(rag.Turn.of(answer))}}
        yield "", history + [{"role": "assistant", "content": render_answer(answer, articles, lang,
                                                                             timelines=timelines, scans=scans)}], answers

    def feedback(answers: dict, data: gr.LikeData, request: gr.Request):
        at = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        shown = answers.get(str(at))
        if shown is None:
            return
        answer = shown["answer"]
        record = _feedback_record(answer.get("question", ""), answer, data.liked)
        feedback_file.parent.mkdir(parents=True, exist_ok=True)
        with feedback_file.open("a", encoding="utf-8") as f:
            f.write(json.dumps(record, ensure_ascii=False) + "\n")
        gr.Info(t("feedback_saved", _lang(request)))

    # -------------------------------------------------------------- Archive
    def show_list(query: str, page, name: str | None, request: gr.Request):
        index, lock = shelf(name)
        with lock:
            index.refresh()
            return _table(index, query, page, _lang(request))

    def first_page(query: str, name: str | None, request: gr.Request):
        return show_list(query, 1, name, request)

    def previous_page(query: str, page, name: str | None, request: gr.Request):
        return show_list(query, int(page or 1) - 1, name, request)

    def next_page(query: str, page, name: str | None, request: gr.Request):
        return show_list(query, int(page or 1) + 1, name, request)

    def stats_for(name: str | None, request: gr.Request):
        return _stats_markdown(shelf(name)[0], _lang(request))

    def switch(name: str | None, request: gr.Request):
        """Another archive chosen in the Archive tab: its figures and first page."""
        return (stats_for(name, request), *show_list("", 1, name, request), "", "")

    def pick(evt: gr.SelectData):
        row = evt.row_value or []
        return row[-1] if row else ""

    def open_doc(path: str, name: str | None, request: gr.Request):
        lang = _lang(request)
        if not path:
            return "", t("choose_row", lang)
        index, lock = shelf(name)
        with lock:
            try:
                doc = index.document(path)
            except rag.RagError as exc:
                return "", str(exc)
        head = "\n".join(f"{k}: {v}" for k, v in (("title", doc.title), ("date", doc.date), ("source", doc.source),
                                                  ("site", doc.site), ("author", doc.author), ("link", doc.url))
                         if v)
        return f"{head}\n\n{doc.text}", Path(path).name

    def reread(path: str, query: str, page, name: str | None, request: gr.Request):
        lang = _lang(request)
        index, lock = shelf(name)
        if not path:
            return t("choose_row", lang), *show_list(query, page, name, request), _stats_markdown(index, lang)
        if not may_edit(request, name):
            return refuse(request, name, "reread", [path]), *show_list(query, page, name, request), \
                _stats_markdown(index, lang)
        with lock:
            try:
                report = index.reread(path)
                message = t("reread_done", lang, name=Path(path).name) + "\n" + report.summary()
                audit.record(index.folder, who(request), "reread", [path], report.summary())
            except rag.RagError as exc:
                message = str(exc)
        return message, *show_list(query, page, name, request), _stats_markdown(index, lang)

    def ask_remove(path: str, request: gr.Request):
        if not path:
            return gr.update(visible=False), t("choose_row", _lang(request))
        return gr.update(visible=True), ""

    def remove(path: str, delete_file: bool, query: str, page, name: str | None, request: gr.Request):
        lang = _lang(request)
        index, lock = shelf(name)
        if not may_edit(request, name):
            return (gr.update(visible=False), refuse(request, name, "remove", [path]), path,
                    *show_list(query, page, name, request), _stats_markdown(index, lang), gr.update())
        with lock:
            try:
                report = index.remove(path, delete_files=bool(delete_file))
                key = "removed_deleted" if delete_file else "removed"
                message = "\n".join([t(key, lang, name=Path(path).name), report.summary()]
                                    + [f"{Path(w.path).name}: {w.reason}" for w in report.warnings])
                audit.record(index.folder, who(request), "remove", [path],
                             report.summary() + (" (file deleted)" if delete_file else ""))
            except rag.RagError as exc:
                message = str(exc)
        return (gr.update(visible=False), message, "", *show_list(query, page, name, request),
                _stats_markdown(index, lang), gr.update(choices=lib.sources()))

    def upload(files, name: str | None = None, request: gr.Request = None, progress=gr.Progress()):
        lang = _lang(request)
        index, lock = shelf(name)
        if not files:
            return t("choose_files", lang), _stats_markdown(index, lang), gr.update()
        paths = [f if isinstance(f, str) else f.name for f in files]
        if not may_edit(request, name):
            return refuse(request, name, "add", [Path(p).name for p in paths]), _stats_markdown(index, lang), gr.update()
        upload_dir = upload_root / name if several and name in lib.names else upload_root
        upload_dir.mkdir(parents=True, exist_ok=True)
        target = Path(tempfile.mkdtemp(prefix="upload-", dir=upload_dir))
        saved, refused = save_uploads(paths, target)
        lines = [f"refused {r}" for r in refused]
        if saved:
            def tick(stage, done, total):
                progress((done, total), desc={"read": "reading", "ocr": "OCR", "embed": "embedding"}.get(stage, stage))

            with lock:
                report = index.update(target, progress=tick)
                audit.record(index.folder, who(request), "add", [p.name for p in saved], report.summary())
            lines.insert(0, report.summary())
            lines += [f"skipped {Path(s.path).name}: {s.reason}" for s in report.skipped]
            lines += [f"warning {Path(s.path).name}: {s.reason}" for s in report.warnings]
        return ("\n".join(lines) or t("nothing_added", lang), _stats_markdown(index, lang),
                gr.update(choices=lib.sources()))

    # ----------------------------------------------------------- API (JSON)
    def api_ask(question: str, history: list[str] | None = None, date_from: str = "", date_to: str = "",
                sources: list[str] | None = None, question_dates: bool = True, archive: str = "") -> dict:
        """Answer a question: the same record as ``rag.Index.ask``, as JSON; ``archive`` names the archive
        to ask (empty or "all": every archive, the most confident answer wins, ``archive`` says whose)."""
        try:
            answer = lib.ask(question or "", archive=archive or None, history=history or [],
                             date_from=date_from or None, date_to=date_to or None, sources=sources or None,
                             question_dates=bool(question_dates))
        except rag.RagError as exc:
            raise gr.Error(str(exc)) from exc
        return dataclasses.asdict(answer if several else dataclasses.replace(answer, archive=None))

    def api_search(query: str, k: int = 5, date_from: str = "", date_to: str = "",
                   sources: list[str] | None = None, archive: str = "") -> list[dict]:
        """The k best documents for a query: the same records as ``rag.Index.search``, as JSON (with
        ``archive`` beside each when the page serves several)."""
        try:
            pairs = lib.search(query or "", archive=archive or None, k=int(k), date_from=date_from or None,
                               date_to=date_to or None, sources=sources or None)
        except rag.RagError as exc:
            raise gr.Error(str(exc)) from exc
        return [{**dataclasses.asdict(h), **({"archive": name} if several else {})} for name, h in pairs]

    i18n = gradio_i18n()
    with gr.Blocks(title="新闻档案问答 · News archive QA") as demo:
        gr.api(api_ask, api_name="ask")
        gr.api(api_search, api_name="search")
        gr.Markdown(i18n("title"))
        answers = gr.State({})  # chat message index -> the Answer shown there and its Turn
        with gr.Tab(i18n("tab_ask"), elem_id="tab-ask"):
            with gr.Row():
                with gr.Column(scale=4):
                    chat = gr.Chatbot(label=i18n("conversation"), height=560, elem_id="chat",
                                      feedback_options=("Dislike",))
                    box = gr.Textbox(placeholder=i18n("placeholder"), show_label=False, elem_id="question", lines=1,
                                     max_lines=3, autofocus=True)
                    gr.Examples(examples, inputs=box, label=i18n("examples"))
                    with gr.Row():
                        send = gr.Button(i18n("send"), size="sm", variant="primary", elem_id="send")
                        clear = gr.Button(i18n("new_conversation"), size="sm", elem_id="new-conversation")
                    gr.Markdown(i18n("feedback_hint"))
                with gr.Column(scale=1, min_width=220):
                    gr.Markdown(i18n("filters"))
                    archive = gr.Dropdown(choices=[(i18n("all_archives"), ALL), *[(n, n) for n in lib.names]],
                                          value=ALL, label=i18n("archive"), visible=several, elem_id="archive")
                    date_from = gr.Textbox(label=i18n("from_date"), placeholder="YYYY-MM-DD", elem_id="date-from")
                    date_to = gr.Textbox(label=i18n("to_date"), placeholder="YYYY-MM-DD", elem_id="date-to")
                    sources = gr.Dropdown(choices=lib.sources(), multiselect=True, label=i18n("sources"),
                                          elem_id="sources")
                    question_dates = gr.Checkbox(value=index.config.question_dates, label=i18n("question_dates"),
                                                 elem_id="question-dates")
            asked = [box, chat, answers, date_from, date_to, sources, question_dates, archive]
            box.submit(respond, asked, [box, chat, answers])
            send.click(respond, asked, [box, chat, answers])
            clear.click(lambda: ([], {}), None, [chat, answers])
            chat.like(feedback, [answers], None)
        with gr.Tab(i18n("tab_archive"), elem_id="tab-archive"):
            managed = gr.Dropdown(choices=list(lib.names), value=first, label=i18n("archive_managed"),
                                  visible=several, elem_id="archive-managed")
            stats = gr.Markdown(_stats_markdown(index, "zh-CN"), elem_id="archive-stats")
            with gr.Row():
                query = gr.Textbox(label=i18n("doc_query"), elem_id="doc-query", scale=4)
                page = gr.Number(value=1, label=i18n("page"), precision=0, minimum=1, elem_id="doc-page", scale=1)
                prev = gr.Button(i18n("prev"), size="sm", elem_id="doc-prev", scale=1)
                nxt = gr.Button(i18n("next"), size="sm", elem_id="doc-next", scale=1)
            value, label, _ = _table(index, "", 1, "zh-CN")
            page_label = gr.Markdown(label, elem_id="doc-pages")
            table = gr.Dataframe(value=value, label=i18n("documents"), interactive=False, wrap=True,
                                 elem_id="docs")
            selected = gr.Textbox(label=i18n("selected"), elem_id="doc-path")
            with gr.Row():
                open_btn = gr.Button(i18n("open"), elem_id="doc-open")
                if not read_only:
                    reread_btn = gr.Button(i18n("reread"), elem_id="doc-reread")
                    remove_btn = gr.Button(i18n("remove"), variant="stop", elem_id="doc-remove")
            if not read_only:
                with gr.Group(visible=False, elem_id="doc-confirm") as confirm:
                    gr.Markdown(i18n("remove_warning"))
                    delete_file = gr.Checkbox(label=i18n("delete_file"), value=False, elem_id="doc-delete-file")
                    with gr.Row():
                        confirm_btn = gr.Button(i18n("confirm_remove"), variant="stop", elem_id="doc-remove-confirm")
                        cancel_btn = gr.Button(i18n("cancel"), elem_id="doc-remove-cancel")
            message = gr.Textbox(label=i18n("message"), elem_id="doc-message", lines=2)
            text = gr.Textbox(label=i18n("cleaned_text"), lines=14, max_lines=30, elem_id="doc-text")

            listing = [table, page_label, page]
            query.submit(first_page, [query, managed], listing)
            page.submit(show_list, [query, page, managed], listing)
            prev.click(previous_page, [query, page, managed], listing)
            nxt.click(next_page, [query, page, managed], listing)
            managed.change(switch, [managed], [stats, *listing, selected, text])
            table.select(pick, None, selected)
            open_btn.click(open_doc, [selected, managed], [text, message])
            demo.load(show_list, [query, page, managed], listing)
            demo.load(stats_for, [managed], stats)
            if read_only:
                gr.Markdown(i18n("read_only"))
                return demo
            reread_btn.click(reread, [selected, query, page, managed], [message, *listing, stats])
            remove_btn.click(ask_remove, [selected], [confirm, message])
            cancel_btn.click(lambda: gr.update(visible=False), None, confirm)
            confirm_btn.click(remove, [selected, delete_file, query, page, managed],
                              [confirm, message, selected, *listing, stats, sources])
            files = gr.File(file_count="multiple", file_types=list(UPLOAD_SUFFIXES), label=i18n("upload"),
                            elem_id="upload")
            add = gr.Button(i18n("add"), variant="primary", elem_id="add")
            report = gr.Textbox(label=i18n("report"), lines=6, elem_id="report")
            log = gr.Dataframe(headers=[i18n("audit_time"), i18n("audit_who"), i18n("audit_action"),
                                        i18n("audit_files"), i18n("audit_outcome")],
                               label=i18n("audit_log"), interactive=False, wrap=True, elem_id="audit")
            demo.load(audit_table, [managed], log)
            managed.change(audit_table, [managed], log)
            demo.load(controls, [managed], [files, add, reread_btn, remove_btn])
            managed.change(controls, [managed], [files, add, reread_btn, remove_btn])
            for button in (reread_btn, confirm_btn):
                button.click(audit_table, [managed], log)
            # the upload endpoint takes the files alone (API clients send nothing else); the list follows
            add.click(upload, [files, managed], [report, stats, sources], api_name="upload").then(
                show_list, [query, page, managed], listing).then(audit_table, [managed], log)
    demo.rag_i18n = i18n  # launch() passes it on
    return demo


def launch(index: rag.Index | Library, *, host: str = "127.0.0.1", port: int = 7860,
           auth=None, read_only: bool = False, on_ready=None, users: Users | None = None) -> None:
    """Serve the page and print its address; ``auth`` = (user, password) puts it behind a login.

    ``on_ready(url)``, when given, is a context manager entered once the page is up (``rag serve``
    uses it to announce the page to CLI commands) and left when the page stops.
    """
    import contextlib

    from rag.span import warm_up

    warm_up()  # jieba's dictionary, for short answers, before the first question
    import signal

    def stop(signum, frame):  # a TERM stops the page like Ctrl+C, so the announcement is removed
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    demo = make_app(index, read_only=read_only, users=users)
    demo.queue(default_concurrency_limit=2).launch(server_name=host, server_port=port or None, css=CSS,
                                                   head=HEAD, show_error=True, quiet=True, auth=auth, i18n=demo.rag_i18n,
                                                   prevent_thread_lock=True)
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    url = f"http://{local}:{demo.server_port}"
    print(f"Serving the chat page on {url} (Ctrl+C to stop)", flush=True)
    with on_ready(url) if on_ready and not auth else contextlib.nullcontext():
        demo.block_thread()
