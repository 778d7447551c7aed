"""Managing the archive: list, open, remove and re-read documents (API and CLI)."""

from __future__ import annotations

import shutil

import pytest

import rag


@pytest.fixture()
def small(seeds_dir, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(seeds_dir, src)
    return src, rag.build_index(src, tmp_path / "idx", config=rag.Config(reader="rules"))


def test_list_documents_pages_and_filters(seed_index):
    everything = seed_index.list_documents(limit=100)
    assert everything.total == len(seed_index) == len(everything.items)
    dates = [d.date or "" for d in everything.items]
    assert dates == sorted(dates, reverse=True)  # newest first
    assert sum(d.passages for d in everything.items) == len(seed_index.chunks)
    first, second = seed_index.list_documents(limit=2), seed_index.list_documents(offset=2, limit=2)
    assert [d.path for d in first.items + second.items] == [d.path for d in everything.items[:4]]
    # a word of one title finds that document; its traditional form finds it too
    some = next(d for d in everything.items if d.title and "巡视" in d.title)
    assert some.path in [d.path for d in seed_index.list_documents("巡视").items]
    assert some.path in [d.path for d in seed_index.list_documents("巡視").items]
    assert seed_index.list_documents("不存在的标题词").total == 0
    with pytest.raises(rag.RagError, match="limit"):
        seed_index.list_documents(limit=0)


def test_remove_keeps_the_file_and_keeps_it_out_of_folder_updates(small):
    src, index = small
    victim = next(d for d in index.documents if d.title and "巡视" in d.title)
    question = "巡视工作的根本任务是什么？"
    assert index.ask(question).citations[0].path == victim.path
    report = index.remove(victim.path)
    assert list(report.removed) == [victim.path] and len(index) == 4
    assert all(victim.path != h.path for h in index.search(question, k=10))
    ans = index.ask(question)
    assert not ans.found or all(c.path != victim.path for c in ans.citations)
    assert (src / victim.path.rsplit("/", 1)[-1]).exists()  # the file itself is left alone
    # reopened, and after an update of its folder, the removed file stays out
    assert len(rag.open_index(index.folder, config=index.config)) == 4
    assert index.update(src).added == () and len(index) == 4
    # naming the file brings it back
    assert list(index.update(victim.path).added) == [victim.path] and len(index) == 5


def test_remove_can_delete_the_file_and_refuses_unknown_paths(small, tmp_path):
    src, index = small
    victim = index.documents[0].path
    with pytest.raises(rag.RagError, match="not in the index"):
        index.remove(tmp_path / "nope.txt")
    assert len(index) == 5  # nothing changed
    index.remove(victim, delete_files=True)
    assert not (src / victim.rsplit("/", 1)[-1]).exists() and len(index) == 4


def test_reread_reads_an_unchanged_file_again(small, monkeypatch):
    src, index = small
    path = index.documents[1].path
    before = index.document(path)
    report = index.reread(path)
    assert list(report.updated) == [path] and report.added == () and report.removed == ()
    assert len(index) == 5 and index.document(path) == before
    with pytest.raises(rag.RagError, match="not in the index"):
        index.reread(src / "missing.txt")
