"""Never destroy what is not ours: build/update write only into a new or empty folder or an index (fast tests)."""

import json
import os

import pytest

import rag
from rag.store import check_target, write_index


def _write_tiny(folder):
    write_index(folder, manifest={"model": {"name": "m", "dim": 1}}, documents=[], chunks=[],
                save_parts=lambda tmp: (tmp / "bm25").mkdir())


def test_folder_of_user_files_is_refused_and_kept(tmp_path):
    mine = tmp_path / "mydocs"
    mine.mkdir()
    (mine / "thesis.docx").write_bytes(b"years of work")
    with pytest.raises(rag.IndexFormatError, match="not an index.*thesis.docx.*nothing was written"):
        rag.build_index(tmp_path, mine)
    with pytest.raises(rag.IndexFormatError):
        _write_tiny(mine)
    assert (mine / "thesis.docx").read_bytes() == b"years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mydocs"]  # no temporary folder left


def test_file_as_index_is_refused(tmp_path):
    article = tmp_path / "article.txt"
    article.write_text("一篇文章。", encoding="utf-8")
    with pytest.raises(rag.IndexFormatError, match="is a file"):
        rag.build_index(tmp_path, article)
    assert article.read_text(encoding="utf-8") == "一篇文章。"


def test_index_with_user_file_added_is_refused(tmp_path):
    idx = tmp_path / "idx"
    _write_tiny(idx)
    check_target(idx)  # a plain index may be replaced
    (idx / "notes.txt").write_text("my notes")
    with pytest.raises(rag.IndexFormatError, match="notes.txt"):
        check_target(idx)
    assert (idx / "notes.txt").read_text() == "my notes"


def test_foreign_manifest_is_refused(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "manifest.json").write_text(json.dumps({"name": "some other tool"}))
    with pytest.raises(rag.IndexFormatError, match="not this project's"):
        check_target(other)


def test_symlink_as_index_is_refused(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "keep.txt").write_text("x")
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(rag.IndexFormatError, match="symbolic link"):
        check_target(link)


def test_empty_folder_and_index_are_replaced_whole(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    _write_tiny(empty)
    assert (empty / "manifest.json").exists()
    first = json.loads((empty / "manifest.json").read_text())["written"]
    _write_tiny(empty)  # over an index: swapped, no leftovers beside it
    assert json.loads((empty / "manifest.json").read_text())["written"] >= first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]


def test_leftover_of_a_killed_build_is_removed(tmp_path):
    dead = tmp_path / f".idx.building-{2**22 + 12345}-abc"  # a pid that cannot be running
    dead.mkdir()
    (dead / "documents.jsonl").write_text("")
    _write_tiny(tmp_path / "idx")
    assert not dead.exists()


def test_missing_sources_are_an_error(tmp_path):
    with pytest.raises(rag.RagError, match="no such file or folder"):
        rag.build_index(tmp_path / "nope", tmp_path / "idx")
    assert not (tmp_path / "idx").exists()


def test_cli_build_into_user_folder_exits_1(tmp_path):
    import subprocess
    import sys

    mine = tmp_path / "mydocs"
    mine.mkdir()
    (mine / "a.txt").write_text("keep")
    r = subprocess.run([sys.executable, "-m", "rag.cli", "build", str(tmp_path), "--index", str(mine)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "not an index" in r.stderr and "Traceback" not in r.stderr
    assert (mine / "a.txt").read_text() == "keep"
    r = subprocess.run([sys.executable, "-m", "rag.cli", "build", str(tmp_path / "missing"), "--index",
                        str(tmp_path / "new")], capture_output=True, text=True, timeout=300)
    assert r.returncode == 1 and "no such file or folder" in r.stderr
    assert not os.path.exists(tmp_path / "new")


def test_second_writer_fails_at_once_naming_the_holder(tmp_path):
    import subprocess
    import sys
    import time

    from rag.store import writer_lock

    idx = tmp_path / "idx"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from rag.store import writer_lock\n"
        f"with writer_lock(Path({str(idx)!r})):\n    print('held', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        t = time.perf_counter()
        with pytest.raises(rag.IndexLockedError, match=f"pid {holder.pid}"):
            with writer_lock(idx):
                pass
        assert time.perf_counter() - t < 1
        with pytest.raises(rag.IndexLockedError):
            rag.build_index(tmp_path, idx)
    finally:
        holder.kill()  # a killed holder leaves no stale lock
        holder.wait()
    with writer_lock(idx):
        pass


@pytest.mark.parametrize("damage", ["truncate", "alter", "delete"])
def test_damaged_index_is_refused_on_open(tmp_path, damage):
    from rag.store import read_index

    idx = tmp_path / "idx"
    write_index(idx, manifest={"model": {"name": "m", "dim": 1}, "counts": {"documents": 0, "chunks": 0}},
                documents=[], chunks=[], save_parts=lambda tmp: (tmp / "dense").mkdir() or
                (tmp / "dense" / "passages.faiss").write_bytes(b"\x00" * 4096))
    read_index(idx)  # intact: opens
    part = idx / "dense" / "passages.faiss"
    if damage == "truncate":
        part.write_bytes(part.read_bytes()[:100])
    elif damage == "alter":
        part.write_bytes(b"\x01" + part.read_bytes()[1:])
    else:
        part.unlink()
    with pytest.raises(rag.IndexFormatError, match="damaged.*passages.faiss.*rebuild"):
        read_index(idx)


def test_serve_on_a_shared_address_needs_a_login_or_read_only(tmp_path):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "RAG_PASSWORD"}
    run = lambda *a, **kw: subprocess.run([sys.executable, "-m", "rag.cli", "serve", "--index", str(tmp_path / "none"),  # noqa: E731
                                           *a], capture_output=True, text=True, timeout=120, env={**env, **kw})
    r = run("--host", "0.0.0.0")
    assert r.returncode == 1 and "--auth" in r.stderr and "--public-read-only" in r.stderr
    r = run("--host", "0.0.0.0", "--auth", "editor")
    assert r.returncode == 1 and "RAG_PASSWORD" in r.stderr
    r = run("--host", "0.0.0.0", "--auth", "editor", RAG_PASSWORD="a-long-secret")
    assert r.returncode == 1 and "no index" in r.stderr  # passed the login check; stops at the missing index
    r = run("--host", "0.0.0.0", "--public-read-only")
    assert r.returncode == 1 and "no index" in r.stderr
    r = run("--host", "127.0.0.1")
    assert r.returncode == 1 and "no index" in r.stderr
