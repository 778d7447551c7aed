"""Index folders: manifest checks, atomic replacement, update semantics (real model, seeds)."""

import json
import shutil
import threading

import pytest

import rag
from rag.store import FORMAT_VERSION

pytestmark = pytest.mark.slow


def test_manifest_records_settings(seed_index):
    m = json.loads((seed_index.folder / "manifest.json").read_text())
    assert m["format_version"] == FORMAT_VERSION
    assert m["model"] == {"name": rag.DEFAULT_MODEL, "dim": 384}
    assert m["counts"]["documents"] == 5 and m["counts"]["chunks"] == len(seed_index.chunks)
    assert len(m["files"]) == 5 and all(len(h) == 64 for h in m["files"].values())
    assert not any(p.suffix == ".pkl" for p in seed_index.folder.rglob("*"))


def test_open_refuses_other_format_and_model(seed_index, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(seed_index.folder, copy)
    with pytest.raises(rag.IndexFormatError, match="built with model"):
        rag.open_index(copy, config=rag.Config(model="some/other-model"))
    m = json.loads((copy / "manifest.json").read_text())
    m["format_version"] = 999
    (copy / "manifest.json").write_text(json.dumps(m))
    with pytest.raises(rag.IndexFormatError, match="rebuild"):
        rag.open_index(copy)
    with pytest.raises(rag.IndexFormatError, match="no manifest"):
        rag.open_index(tmp_path / "nothing")


def test_reopened_index_answers_the_same(seed_index):
    again = rag.open_index(seed_index.folder)
    q = "巡视工作的根本任务是什么？"
    assert again.ask(q).text == seed_index.ask(q).text
    assert [h.path for h in again.search(q)] == [h.path for h in seed_index.search(q)]


def test_update_adds_changes_removes_and_keeps_other_folders(seeds_dir, tmp_path):
    a = tmp_path / "a"
    b = tmp_path / "b"
    a.mkdir()
    b.mkdir()
    files = sorted(seeds_dir.glob("*.txt"))
    for f in files[:3]:
        shutil.copy(f, a / f.name)
    shutil.copy(files[3], b / files[3].name)
    index = rag.build_index([a, b], tmp_path / "idx")
    assert len(index) == 4
    # one new file, one changed, one deleted, under a; b untouched
    shutil.copy(files[4], a / files[4].name)
    (a / files[0].name).write_text(files[0].read_text(encoding="utf-8") + "\n补充一句新的内容，用于测试更新。",
                                    encoding="utf-8")
    (a / files[1].name).unlink()
    (a / "empty.txt").write_bytes(b"")
    report = index.update(a)
    names = lambda paths: sorted(p.rsplit("/", 1)[-1] for p in paths)  # noqa: E731
    assert names(report.added) == [files[4].name]
    assert names(report.updated) == [files[0].name]
    assert names(report.removed) == [files[1].name]
    assert names(report.unchanged) == [files[2].name]
    assert [s.path.rsplit("/", 1)[-1] for s in report.skipped] == ["empty.txt"]
    assert len(index) == 4 and any(files[3].name in d.path for d in index.documents)
    assert "补充一句新的内容" in index.document(a / files[0].name).text
    reopened = rag.open_index(tmp_path / "idx")
    assert len(reopened) == 4


def test_failed_build_leaves_previous_index(seeds_dir, tmp_path, monkeypatch):
    index = rag.build_index(seeds_dir, tmp_path / "idx")
    before = (tmp_path / "idx" / "manifest.json").read_text()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("rag.lexical.LexicalSegment.save", broken)
    with pytest.raises(RuntimeError):
        rag.build_index(seeds_dir, tmp_path / "idx")
    assert (tmp_path / "idx" / "manifest.json").read_text() == before
    assert len(rag.open_index(tmp_path / "idx")) == len(index)
    # only the lock and the vectors already computed (kept so that the next build need not embed them again)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".") and p.name not in (".idx.lock",
                                                                                        ".idx.embed-cache")]


def test_reposts_cited_once_with_other_sources(tmp_path):
    from make_archive import make_archive

    files = make_archive(tmp_path / "archive", huge_bytes=100)
    index = rag.build_index(tmp_path / "archive", tmp_path / "idx")
    report = index.last_report
    groups = [sorted(p.rsplit("/", 1)[-1] for p in g) for g in report.duplicate_groups]
    assert ["gbk_000.txt", "repost_000.txt"] in groups
    answer = index.ask("最高检2024年教育培训计划要坚持把什么放在首位？")
    assert answer.found and "政治培训放在首位" in answer.text
    cited = answer.citations[0]
    # The original (dated 2024-03-02) is cited, not the repost of 2024-03-04, and its offsets hold the quote.
    assert cited.path.rsplit("/", 1)[-1] == "gbk_000.txt" and cited.date == "2024-03-02"
    assert index.document(cited.path).text[cited.start : cited.end] == answer.text
    assert "法治在线网" in cited.also_published and len(answer.citations) == 1
    hits = index.search("最高检2024年教育培训计划", k=5)
    names = [h.path.rsplit("/", 1)[-1] for h in hits]
    assert "gbk_000.txt" in names and "repost_000.txt" not in names  # one story, one hit: the original
    # A filter that leaves only the repost's source cites the repost, never the filtered-out original.
    only = index.ask("最高检2024年教育培训计划要坚持把什么放在首位？", sources=["检察日报"])
    assert only.found and only.citations[0].path.rsplit("/", 1)[-1] == "repost_000.txt"
    assert files["html"].name in [p.rsplit("/", 1)[-1] for g in report.duplicate_groups for p in g]


def test_update_keeps_old_version_of_a_file_that_breaks(seeds_dir, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(seeds_dir, src)
    index = rag.build_index(src, tmp_path / "idx")
    victim = sorted(src.glob("*.txt"))[0]
    before = index.document(victim).text
    victim.write_bytes(bytes(range(256)) * 10)  # now binary garbage
    report = index.update(src)
    assert [s.path for s in report.skipped] == [str(victim)] and "binary" in report.skipped[0].reason
    assert index.document(victim).text == before and len(index) == 5


def test_query_time_settings_apply_to_an_opened_index(seed_index):
    # every query-time setting passed to open_index is used; build-time ones stay as built
    changes = {"answer_threshold": 0.9, "pair_chars": 0, "pair_gap": 0.3, "sentence_dense": True, "candidates": 7}
    opened = rag.open_index(seed_index.folder, config=rag.Config(chunk_chars=400, **changes))
    assert {k: getattr(opened.config, k) for k in changes} == changes
    assert opened.config.chunk_chars == seed_index.config.chunk_chars


def test_dates_must_be_iso_and_empty_filters_say_so(seed_index):
    for bad in ("2024/01/01", "20240101", "2024-13-01", "yesterday"):
        with pytest.raises(rag.RagError, match="YYYY-MM-DD"):
            seed_index.search("巡视", date_from=bad)
        with pytest.raises(rag.RagError, match="YYYY-MM-DD"):
            seed_index.ask("巡视工作的根本任务是什么？", date_to=bad)
    none = seed_index.ask("巡视工作的根本任务是什么？", date_from="1990-01-01", date_to="1990-12-31")
    assert not none.found and "filters" in none.message and "empty" not in none.message and none.reason == "no_match"
    assert seed_index.search("巡视", date_from="1990-01-01", date_to="1990-12-31") == []


def test_a_build_loads_the_encoder_once(seeds_dir, tmp_path, monkeypatch):
    import rag.build
    import rag.index

    calls = []
    real = rag.index.load_encoder

    def recording(*args):
        calls.append(args)
        return real(*args)

    monkeypatch.setattr(rag.index, "load_encoder", recording)
    monkeypatch.setattr(rag.build, "load_encoder", recording)
    rag.build_index(sorted(seeds_dir.glob("*.txt"))[0], tmp_path / "idx", config=rag.Config(reader="rules"))
    assert len(calls) == 2 and calls[0] == calls[1]  # one cached encoder: the build's and the index's


def test_an_interrupted_build_resumes_without_embedding_again(seeds_dir, tmp_path, monkeypatch):
    import rag.build
    import rag.index

    monkeypatch.setattr(rag.build, "_EMBED_BLOCK", 16)
    config = rag.Config(reader="rules")
    encoder = rag.index.load_encoder(config.model, config.query_prompt, config.passage_prompt, config.threads,
                                     config.int8_queries, config.query_runtime)
    real = type(encoder).encode_passages
    embedded = []

    def failing(self, texts, **kw):
        if len(embedded) >= 32:
            raise KeyboardInterrupt  # Ctrl+C in the third block
        embedded.extend(texts)
        return real(self, texts, **kw)

    monkeypatch.setattr(type(encoder), "encode_passages", failing)
    with pytest.raises(KeyboardInterrupt):
        rag.build_index(seeds_dir, tmp_path / "idx", config=config)
    assert not (tmp_path / "idx").exists() and len(embedded) == 32
    first = list(embedded)
    embedded.clear()
    monkeypatch.setattr(type(encoder), "encode_passages", lambda self, texts, **kw: (embedded.extend(texts),
                                                                                    real(self, texts, **kw))[1])
    index = rag.build_index(seeds_dir, tmp_path / "idx", config=config)
    assert embedded and not set(first) & set(embedded)  # the 32 done before the interruption are not redone
    assert not (tmp_path / ".idx.embed-cache").exists()  # removed once the index is in place
    fresh = rag.build_index(seeds_dir, tmp_path / "idx2", config=config)
    q = "巡视工作的根本任务是什么？"
    assert [h.path for h in index.search(q)] == [h.path for h in fresh.search(q)]
    assert index.ask(q).text == fresh.ask(q).text


def test_a_question_runs_on_one_thread_and_gives_the_threads_back(seed_index, monkeypatch):
    """Idle BLAS and OpenMP threads spin on the cores the next step needs, so search and ask hold
    numpy's, FAISS's and torch's thread pools to ``query_threads`` (1) while they retrieve
    (rag/threads.py), let the reader use every thread, and restore them after."""
    import torch
    from threadpoolctl import threadpool_info

    def pools() -> dict:
        return {(i["user_api"], i["filepath"]): i["num_threads"] for i in threadpool_info()
                if i["user_api"] in ("blas", "openmp")}

    seen = []
    retriever = type(seed_index._retriever)
    original = retriever.score_passages

    def spy(self, *args, **kwargs):
        seen.append((pools(), torch.get_num_threads()))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(retriever, "score_passages", spy)
    reading = []
    reader = type(seed_index._reader)
    read = reader.read

    def spy_read(self, *args, **kwargs):  # the reader keeps every thread: two read its windows faster
        reading.append(torch.get_num_threads())
        return read(self, *args, **kwargs)

    monkeypatch.setattr(reader, "read", spy_read)
    embedding = []
    encoder = seed_index._retriever.encoder
    encode_queries = encoder.encode_queries

    def spy_embed(*args, **kwargs):  # on a worker thread, overlapping BM25, and on one thread too
        embedding.append((threading.current_thread().name, torch.get_num_threads()))
        return encode_queries(*args, **kwargs)

    monkeypatch.setattr(encoder, "encode_queries", spy_embed)
    before = pools()
    assert any(api == "blas" for api, _ in before) and any(api == "openmp" for api, _ in before)
    seed_index.search("巡视工作的根本任务是什么？")
    seed_index.ask("巡视工作的根本任务是什么？")
    assert len(seen) >= 2 and all(set(p.values()) == {1} and torch_threads == 1 for p, torch_threads in seen)
    assert reading and all(n == torch.get_num_threads() for n in reading)
    assert len(embedding) >= 2 and all(name.startswith("rag-query") and n == 1 for name, n in embedding)
    assert pools() == before
