"""Every change a viewer can ask the page for is refused and logged.

Builds a small archive, makes the page with two accounts (an editor, a viewer), and calls every
event handler of the page that changes an archive (each is also a JSON API endpoint) as the viewer,
for every document of the archive, then the same as the editor. Prints how many of the viewer's
requests were refused and logged, and how many of the editor's went through.

    python bench/roles.py
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHANGES = ("upload", "reread", "remove")  # the page's handlers that change an archive


class _Request:
    def __init__(self, username: str) -> None:
        self.username = username
        self.headers = {"accept-language": "zh-CN"}


def main() -> None:
    import rag
    from rag import audit
    from rag.users import Users
    from ui.app import make_app

    work = Path(tempfile.mkdtemp(prefix="roles-bench-"))
    shutil.copytree(ROOT / "seeds", work / "seeds")
    index = rag.build_index(work / "seeds", work / "idx")
    Users.add(work / "users.json", "editor1", "correct horse", role="editor")
    Users.add(work / "users.json", "viewer1", "battery staple", role="viewer")
    users = Users(work / "users.json")
    users.check("editor1", "correct horse")
    users.check("viewer1", "battery staple")
    demo = make_app(index, upload_dir=work / "uploads", feedback_file=work / "fb.jsonl", users=users)
    fns = {f.name: f.fn for f in demo.fns.values() if f.name in CHANGES}
    assert set(fns) == set(CHANGES), f"the page's change handlers changed: {sorted(fns)}"
    new = work / "new.txt"
    new.write_text("某县检察院召开会议\n\n发布时间：2024-06-01\n\n某县检察院6月1日召开会议，研究部署下半年工作，"
                   "会议要求全院干警坚持问题导向。\n", encoding="utf-8")

    def calls(who: str):
        req = _Request(who)
        yield "upload", lambda: fns["upload"]([str(new)], None, req)
        for doc in index.documents:
            yield "reread", lambda p=doc.path: fns["reread"](p, "", 1, None, req)
        for doc in index.documents:
            yield "remove", lambda p=doc.path: fns["remove"](p, False, "", 1, None, req)

    before, logged = len(index), len(audit.entries(index.folder, last=10_000))
    tried = 0
    for _, call in calls("viewer1"):
        call()
        tried += 1
    refusals = [e for e in audit.entries(index.folder, last=10_000)[: len(audit.entries(index.folder, last=10_000)) - logged]
                if e.who == "viewer1" and e.action == "refused"]
    unchanged = len(index) == before
    print(f"viewer: {len(refusals)}/{tried} requests refused and logged; archive unchanged: {unchanged}")
    done = 0
    for action, call in calls("editor1"):
        call()
        done += 1
    editor = [e for e in audit.entries(index.folder, last=10_000) if e.who == "editor1" and e.action != "refused"]
    print(f"editor: {len(editor)}/{done} changes made and logged; documents now {len(index)}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
