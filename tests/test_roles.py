"""Who may change what, on the page: viewers are refused every change (and logged), editors are not."""

from __future__ import annotations

import shutil

import pytest

import rag
from rag import audit
from rag.users import Users

pytestmark = pytest.mark.slow

ARTICLE = """某县检察院开展司法救助专项活动

发布时间：2024-05-20 来源：某县人民检察院

5月20日，某县人民检察院通报司法救助专项活动开展情况，该院共为23名困难当事人发放救助金41.6万元。
"""


class _Request:
    def __init__(self, username):
        self.username = username
        self.headers = {"accept-language": "zh-CN"}


@pytest.fixture()
def page(tmp_path, seed_index):
    from ui.app import make_app

    shutil.copytree(seed_index.folder, tmp_path / "seeds")
    index = rag.open_index(tmp_path / "seeds")
    Users.add(tmp_path / "users.json", "ana", "correct horse", role="editor")
    Users.add(tmp_path / "users.json", "bo", "battery staple", role="viewer")
    users = Users(tmp_path / "users.json")
    assert users.check("ana", "correct horse") and users.check("bo", "battery staple")
    demo = make_app(index, upload_dir=tmp_path / "uploads", feedback_file=tmp_path / "fb.jsonl", users=users)
    return {f.name: f.fn for f in demo.fns.values()}, index, tmp_path


def test_a_viewer_is_refused_every_change_and_each_refusal_is_logged(page):
    fns, index, tmp = page
    (tmp / "new.txt").write_text(ARTICLE, encoding="utf-8")
    before = len(index)
    viewer = _Request("bo")
    assert all(u["visible"] is False for u in fns["controls"](None, viewer))
    message = fns["upload"]([str(tmp / "new.txt")], None, viewer)[0]
    assert "没有更改档案库" in message and len(index) == before
    path = index.documents[0].path
    assert "没有更改档案库" in fns["remove"](path, True, "", 1, None, viewer)[1]
    assert "没有更改档案库" in fns["reread"](path, "", 1, None, viewer)[0]
    assert len(index) == before and (tmp / "seeds").exists()
    log = audit.entries(index.folder)
    assert [(e.who, e.action) for e in log] == [("bo", "refused")] * 3
    assert log[-1].files == ("new.txt",)


def test_an_editor_changes_the_archive_and_the_log_says_who_and_what(page):
    fns, index, tmp = page
    (tmp / "new.txt").write_text(ARTICLE, encoding="utf-8")
    editor = _Request("ana")
    assert all(u["visible"] is True for u in fns["controls"](None, editor))
    assert "added 1" in fns["upload"]([str(tmp / "new.txt")], None, editor)[0]
    entry = audit.entries(index.folder)[0]
    assert (entry.who, entry.action, entry.files) == ("ana", "add", ("new.txt",)) and "added 1" in entry.outcome
    rows = fns["audit_table"](None, editor)
    assert rows[0][1:4] == ["ana", "添加", "new.txt"]
    # a rebuild of the archive keeps its log
    src = tmp / "src"
    shutil.copytree(tmp / "uploads", src)
    rag.build_index(src, index.folder)
    assert audit.entries(index.folder)[0].who == "ana"
