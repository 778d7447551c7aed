"""The Milvus backend (on Milvus Lite, its embedded form): the same answers as the files backend,
incremental upserts and deletes, filters as Milvus expressions."""

from __future__ import annotations

import shutil

import pytest

import rag
from rag.config import Config

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

QUERIES = ["巡视工作的根本任务是什么？", "检察队伍教育整顿", "最高检发布典型案例", "机关党建", "督导组听取汇报"]


@pytest.fixture(scope="module")
def both(tmp_path_factory, seeds_dir):
    root = tmp_path_factory.mktemp("milvus")
    src = root / "src"
    shutil.copytree(seeds_dir, src)
    files = rag.build_index(src, root / "files")
    milvus = rag.build_index(src, root / "mv", config=Config(store="milvus", milvus_uri=str(root / "m.db")))
    return root, src, files, milvus


def test_milvus_finds_what_the_files_backend_finds(both):
    _, _, files, milvus = both
    assert milvus.manifest["milvus"]["collection"].endswith("_g1")
    assert milvus._retriever.remote.count() == len(milvus.chunks)
    differ = 0
    for q in QUERIES:
        a = [(h.path, h.start) for h in files.search(q, k=3)]
        b = [(h.path, h.start) for h in milvus.search(q, k=3)]
        assert a[0] == b[0], q
        fa, ma = files.ask(q), milvus.ask(q)
        if fa.text != ma.text:
            # Milvus keeps its own BM25 statistics, so fused scores differ in the second decimal and
            # can tip a near tie between two answers of a vague query: then both must be close calls
            # quoted from passages the other backend also ranks in its top 3
            assert abs(fa.confidence - ma.confidence) < 0.05, q
            top_a = {h.path for h in files.search(q, k=3)}
            top_b = {h.path for h in milvus.search(q, k=3)}
            assert {c.path for c in ma.citations} <= top_a and {c.path for c in fa.citations} <= top_b, q
        differ += fa.text != ma.text
    assert differ <= 1  # the other questions get the very same answer


def test_milvus_filters_are_expressions(both):
    _, _, files, milvus = both
    day = sorted(d.date[:10] for d in milvus.documents if d.date)[2]
    for kw in ({"date_from": day}, {"date_to": day}, {"sources": milvus.sources()[:1]}):
        got = {h.path for h in milvus.search("检察", k=5, **kw)}
        assert got and got == {h.path for h in files.search("检察", k=5, **kw)}, kw
    first = files.search("巡视", k=1)[0].path
    assert first not in {h.path for h in milvus.search("巡视", k=5, exclude=[first])}


def test_milvus_updates_upsert_and_delete(both, tmp_path):
    root, src, _, _ = both
    src2 = tmp_path / "src"
    shutil.copytree(src, src2)
    config = Config(store="milvus", milvus_uri=str(tmp_path / "u.db"))
    index = rag.build_index(src2, tmp_path / "idx", config=config)
    victim = sorted(src2.iterdir())[1]
    phrase = index.document(victim.absolute()).text[100:140]
    victim.unlink()
    (src2 / "new.txt").write_text("最高人民检察院召开新闻发布会，通报检察机关开展法律监督工作的情况。\n"
                                  "发布会指出，检察机关要坚持以人民为中心，依法履行法律监督职责。", encoding="utf-8")
    report = index.update(src2)
    assert report.removed and report.added and len(index.manifest["segments"]) == 2
    reopened = rag.open_index(tmp_path / "idx")
    for idx in (index, reopened):
        assert idx._retriever.remote.count() == len(idx.chunks)  # the deleted passages are gone from Milvus too
        assert all(h.path != str(victim.absolute()) for h in idx.search(phrase, k=5))
        assert idx.search("新闻发布会 法律监督", k=1)[0].path.endswith("new.txt")
    # a whole rebuild writes a new collection and drops the old one
    rebuilt = rag.build_index(src2, tmp_path / "idx", config=config)
    assert rebuilt.manifest["milvus"]["collection"] != index.manifest["milvus"]["collection"] or \
        rebuilt._retriever.remote.count() == len(rebuilt.chunks)
    names = rebuilt._retriever.remote.client.list_collections()
    assert rebuilt.manifest["milvus"]["collection"] in names and len(names) == 1


def test_milvus_needs_an_address():
    with pytest.raises(rag.ConfigError, match="milvus_uri"):
        Config(store="milvus")
