"""Accounts, roles and the audit log: the users file, logins, and who may change what on the page."""

from __future__ import annotations

import json
import stat

import pytest

from rag import audit
from rag.errors import ConfigError
from rag.users import MAX_FAILURES, Users


def test_the_users_file_holds_hashes_never_passwords(tmp_path):
    path = tmp_path / "users.json"
    Users.add(path, "ana", "correct horse", role="editor", archives=("county",))
    Users.add(path, "bo", "battery staple", role="viewer")
    text = path.read_text(encoding="utf-8")
    assert "correct horse" not in text and "battery staple" not in text
    assert json.loads(text)["users"]["ana"]["hash"].startswith("$argon2id$")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    users = Users(path)
    assert users.check("ana", "correct horse") and not users.check("ana", "wrong one")
    assert not users.check("nobody", "correct horse")
    assert users.may_edit("ana", "county") and not users.may_edit("ana", "seeds")
    users.check("bo", "battery staple")
    assert not users.may_edit("bo", "county")  # a viewer
    Users.remove(path, "bo")
    assert [a.name for a in Users(path).accounts] == ["ana"]


def test_bad_accounts_are_refused_with_a_message(tmp_path):
    with pytest.raises(ConfigError, match="at least 8 characters"):
        Users.add(tmp_path / "u.json", "ana", "short")
    with pytest.raises(ConfigError, match="role 'admin'"):
        Users.add(tmp_path / "u.json", "ana", "long enough", role="admin")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a users file"):
        Users(tmp_path / "broken.json")


def test_repeated_failures_lock_the_name_out_and_sessions_expire(tmp_path, monkeypatch):
    path = tmp_path / "users.json"
    Users.add(path, "ana", "correct horse", role="editor")
    users = Users(path)
    for _ in range(MAX_FAILURES):
        assert not users.check("ana", "guess")
    assert not users.check("ana", "correct horse")  # locked out, even with the right password
    other = Users(path)
    assert other.check("ana", "correct horse") and other.account("ana") is not None
    import rag.users as module

    later = module.time.time() + module.SESSION_HOURS * 3600 + 1
    monkeypatch.setattr(module.time, "time", lambda: later)
    assert other.account("ana") is None and not other.may_edit("ana", "seeds")


def test_the_audit_log_appends_and_reads_newest_first(tmp_path):
    audit.record(tmp_path, "ana", "add", ["a.txt"], "added 1")
    audit.record(tmp_path, None, "remove", ["b.txt"], "removed 1")
    (tmp_path / "audit.jsonl").open("a").write("broken line\n")
    got = audit.entries(tmp_path)
    assert [(e.who, e.action, e.files) for e in got] == [("(no login)", "remove", ("b.txt",)), ("ana", "add", ("a.txt",))]
