"""Updates touch only what changed, and an index updated in steps answers exactly like one built at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import rag
from rag.config import Config

QUERIES = ["巡视工作的根本任务是什么？", "检察队伍教育整顿", "最高检发布典型案例", "机关党建", "政治培训放在首位",
           "督导组听取汇报", "纪律教育学习月"]

NEW_ARTICLE = ("最高人民检察院召开新闻发布会，通报检察机关开展法律监督工作的情况。\n"
               "发布会指出，检察机关要坚持以人民为中心，依法履行法律监督职责。")


def _results(index) -> list:
    """What searching and asking return, scores as floats (compared with ``_same``)."""
    out = []
    for q in QUERIES:
        out.append([(h.path, h.start, h.end, h.score) for h in index.search(q, k=5)])
        a = index.ask(q)
        out.append([(a.found, a.text, a.short.text if a.short else None, a.confidence)])
    return out


def _atol(config: Config) -> float:
    """How far scores may differ between an index updated in steps and one built at once."""
    from rag.embed import native_bf16

    return 3e-3 if config.bf16_passages and not config.int8_passages and native_bf16() else 1e-4


def _same(a: list, b: list, atol: float = 1e-4) -> bool:
    """The same results: equal except scores, which may differ in the 6th decimal (vectors embedded
    in other batches differ by float rounding; in bfloat16, in the 3rd: ``atol``)."""
    strip = [[tuple(x for x in row if not isinstance(x, float)) for row in rows] for rows in a]
    strip_b = [[tuple(x for x in row if not isinstance(x, float)) for row in rows] for rows in b]
    scores = [x for rows in a for row in rows for x in row if isinstance(x, float)]
    scores_b = [x for rows in b for row in rows for x in row if isinstance(x, float)]
    return strip == strip_b and np.allclose(scores, scores_b, atol=atol)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    from make_archive import make_archive

    root = tmp_path_factory.mktemp("incr")
    files = make_archive(root / "all", huge_bytes=100)
    return root, files


def _copy(src: Path, dest: Path, names) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for n in names:
        shutil.copy(src / n, dest / n)


@pytest.mark.parametrize("bf16,int8", [(False, False), (True, False), (False, True)],
                         ids=["float32", "bfloat16", "int8"])
def test_steps_and_scratch_give_identical_results(archive, tmp_path, monkeypatch, bf16, int8):
    """The same passages, answers and order; scores equal to float rounding. Passages embedded in
    bfloat16 round each batch's products to 8 bits, so a passage embedded beside others differs
    from itself alone by up to ~1e-3 in score; int8 passages (ONNX, one at a time) do not."""
    monkeypatch.setattr("rag.build._MAX_DEAD", 1.0)  # a small archive: keep the segments, however many slots die
    config = Config(bf16_passages=bf16, int8_passages=int8)
    atol = _atol(config)
    root, _ = archive
    names = sorted(p.name for p in (root / "all").iterdir() if p.is_file())
    first, later = names[: len(names) // 2], names[len(names) // 2:]
    src = tmp_path / "src"
    _copy(root / "all", src, first)
    stepped = rag.build_index(src, tmp_path / "stepped", config=config)
    # step 1: add files one at a time
    for n in later:
        _copy(root / "all", src, [n])
        stepped.update(src)
    # step 2: change one file, delete another
    indexed = sorted(Path(d.path) for d in stepped.documents if Path(d.path).name in first)
    changed, gone = indexed[0], indexed[1]
    changed.write_text(changed.read_text(encoding="utf-8", errors="replace") + "\n另行补充一句关于机关党建的话。",
                       encoding="utf-8")
    gone.unlink()
    report = stepped.update(src)
    assert report.updated == (str(changed.absolute()),) and report.removed == (str(gone.absolute()),)
    assert len(stepped.manifest["segments"]) > 1  # the steps were written as segments, not rebuilt
    scratch = rag.build_index(src, tmp_path / "scratch", config=config)
    assert len(scratch.manifest["segments"]) == 1
    assert len(stepped) == len(scratch) and len(stepped.chunks) == len(scratch.chunks)
    assert sorted(map(sorted, stepped.manifest["duplicate_groups"])) == \
        sorted(map(sorted, scratch.manifest["duplicate_groups"]))
    want = _results(scratch)
    assert stepped.config.bf16_passages == bf16 and stepped.config.int8_passages == int8
    assert _same(_results(stepped), want, atol)
    assert _same(_results(rag.open_index(tmp_path / "stepped")), want, atol)  # and after reopening


def test_an_update_writes_only_the_new_segment_and_deleted_text_is_gone(seeds_dir, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(seeds_dir, src)
    index = rag.build_index(src, tmp_path / "idx")
    seg1 = tmp_path / "idx" / "segments" / "s000001"
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in seg1.rglob("*") if p.is_file()}
    victim = sorted(src.iterdir())[2]
    phrase = index.document(victim.absolute()).text[200:240]
    assert any(h.path == str(victim.absolute()) for h in index.search(phrase, k=3))
    victim.unlink()
    (src / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    report = index.update(src)
    assert report.removed == (str(victim.absolute()),) and len(report.added) == 1
    # the first segment's files were neither rewritten nor replaced
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in seg1.rglob("*") if p.is_file()} == before
    for idx in (index, rag.open_index(tmp_path / "idx")):
        assert all(h.path != str(victim.absolute()) for h in idx.search(phrase, k=10))
        a = idx.ask(phrase)
        assert not a.found or a.citations[0].path != str(victim.absolute())
        assert str(victim.absolute()) not in {d.path for d in idx.documents}
        assert idx.ask("新闻发布会通报了什么情况？").citations[0].path.endswith("new.txt")


def test_a_failed_update_leaves_the_index_as_it_was(seeds_dir, tmp_path, monkeypatch):
    src = tmp_path / "src"
    shutil.copytree(seeds_dir, src)
    index = rag.build_index(src, tmp_path / "idx")
    before = (tmp_path / "idx" / "manifest.json").read_text()
    (src / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("rag.lexical.LexicalSegment.save", broken)
    with pytest.raises(OSError):
        index.update(src)
    assert (tmp_path / "idx" / "manifest.json").read_text() == before
    assert [p.name for p in (tmp_path / "idx" / "segments").iterdir()] == ["s000001"]  # nothing half-written left
    monkeypatch.undo()
    reopened = rag.open_index(tmp_path / "idx")
    assert len(reopened) == 5
    assert len(reopened.update(src).added) == 1


def test_many_updates_are_compacted(seeds_dir, tmp_path, monkeypatch):
    monkeypatch.setattr("rag.build._MAX_SEGMENTS", 3)
    src = tmp_path / "src"
    src.mkdir()
    files = sorted(seeds_dir.iterdir())
    index = rag.build_index(src, tmp_path / "idx")
    for f in files:
        shutil.copy(f, src / f.name)
        index.update(src)
        assert len(index.manifest["segments"]) <= 3
    assert len(index) == len(files)
    assert _same(_results(index), _results(rag.build_index(src, tmp_path / "scratch")), _atol(Config()))
    assert sorted(p.name for p in (tmp_path / "idx" / "segments").iterdir()) == \
        sorted(s["name"] for s in index.manifest["segments"])  # old segments deleted


def test_approximate_dense_index_above_the_exact_limit(archive, tmp_path):
    root, _ = archive
    config = Config(exact_limit=20, ann_lists=8, ann_probes=8)
    src = tmp_path / "src"
    shutil.copytree(root / "all", src, symlinks=True)
    index = rag.build_index(src, tmp_path / "ivf", config=config)
    assert index.manifest["dense"]["kind"] == "ivf-sq8"
    exact = rag.build_index(src, tmp_path / "flat")
    assert exact.manifest["dense"]["kind"] == "exact"
    top = [[h.path for h in idx.search(q, k=1)] for idx in (index, exact) for q in QUERIES]
    assert top[: len(QUERIES)] == top[len(QUERIES):]
    # an update adds and removes vectors by id in the approximate index
    victim = sorted(p for p in src.iterdir() if p.suffix == ".txt")[0]
    victim.unlink()
    ann_file = tmp_path / "ivf" / index.manifest["dense"]["file"]
    before = ann_file.stat().st_mtime_ns
    (src / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    index.update(src)
    # the approximate index is not rewritten: deleted slots are masked, the new passages searched exactly
    assert ann_file.stat().st_mtime_ns == before and index.manifest["dense"]["file"] == f"dense/{ann_file.name}"
    reopened = rag.open_index(tmp_path / "ivf")
    dense = reopened._retriever.dense
    assert dense.covered < dense.size
    assert all(h.path != str(victim.absolute()) for q in QUERIES for h in reopened.search(q, k=5))
    assert reopened.search("新闻发布会 法律监督", k=1)[0].path.endswith("new.txt")
    # a whole rebuild covers everything again
    rebuilt = rag.build_index(src, tmp_path / "ivf", config=config)
    assert rebuilt._retriever.dense.covered == rebuilt._retriever.dense.size
    assert sorted(p.name for p in (tmp_path / "ivf" / "dense").iterdir()) == [rebuilt.manifest["dense"]["file"][6:]]


def test_lexical_segments_score_like_one_index():
    from rag.lexical import LexicalIndex

    rng = np.random.default_rng(3)
    vocab = list("检察机关党建巡视工作督导组教育整顿")
    docs = [[str(x) for x in rng.choice(vocab, size=rng.integers(0, 30))] for _ in range(60)]
    whole, _ = LexicalIndex.build(docs, k1=1.2, b=0.75).extended([], dead=[3, 40])
    parts = LexicalIndex.build(docs[:25], k1=1.2, b=0.75)
    parts, _ = parts.extended(docs[25:50], dead=[3])
    parts, _ = parts.extended(docs[50:], dead=[40])
    for q in (["检", "察"], ["党", "建", "党"], ["无"]):
        np.testing.assert_allclose(parts.scores(q), whole.scores(q), rtol=1e-6)
        assert parts.scores(q)[[3, 40]].tolist() == [0.0, 0.0]
    assert parts.idf(["检"]) == pytest.approx(whole.idf(["检"]))


def test_large_archive_bm25_candidates_are_scored_exactly():
    """The large-archive path: exact scores of chosen passages, and candidates from selective terms."""
    from rag.lexical import LexicalIndex

    rng = np.random.default_rng(5)
    common, rare = list("的是在工作"), list("检察巡视督导整顿")
    docs = [[str(x) for x in rng.choice(common, size=20)] + [str(x) for x in rng.choice(rare, size=rng.integers(0, 3))]
            for _ in range(300)]
    index = LexicalIndex.build(docs[:200], k1=1.2, b=0.75)
    index, _ = index.extended(docs[200:], dead=[7, 250])
    for q in (["检", "的", "是"], ["巡", "视", "工", "作"], ["的"], ["无"]):
        full = index.scores(q)
        cand = rng.choice(300, size=40, replace=False)
        np.testing.assert_allclose(index.scores_of(q, cand), full[cand], rtol=1e-5)
        # no term left out: exactly the best passages; with the common ones left out, the passages
        # holding the rare term come first
        top, _ = index.top_scored(q, 10, common=1.0)
        if not full.any():
            assert len(top) == 0  # no passage holds a query term
            continue
        assert sorted(full[top].tolist(), reverse=True) == pytest.approx(sorted(full.tolist(), reverse=True)[:10])
        assert not set(top.tolist()) & {7, 250}
    rare_only, _ = index.top_scored(["检", "的", "是"], 10, common=0.05)
    assert all("检" in docs[i] for i in rare_only)


def test_largest_values_are_found_exactly_whatever_their_spread():
    from rag.lexical import _largest

    rng = np.random.default_rng(2)
    for dense in (rng.gamma(2, 3, 50_000) * (rng.random(50_000) < 0.3),  # a large archive's partial scores
                  np.where(rng.random(50_000) < 0.001, 1.0, 0.0),       # fewer positives than asked for
                  np.ones(5_000), np.zeros(1_000), np.r_[np.zeros(999), 3.0]):
        for m in (1, 40, 400):
            got = _largest(dense, m)
            want = min(m, int((dense > 0).sum()))
            assert len(got) == len(set(got.tolist())) == want and np.all(dense[got] > 0)
            if want:
                assert dense[got].min() >= np.sort(dense)[::-1][want - 1]
