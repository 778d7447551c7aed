"""The document store: documents parsed on demand from a segment, the same as they were written."""

from __future__ import annotations

import numpy as np

from rag.docstore import META_FILE, DocumentStore
from rag.records import Document
from rag.store import write_segment


def _docs(n: int, first: int = 0) -> list[Document]:
    return [Document(path=f"/a/{first + i}.txt", title=f"标题{i}" if i % 2 else None, date=f"2024-01-{i + 1:02d}",
                     source="新华社" if i % 3 else None, author=None, url=None,
                     text=f"第{first + i}篇。\n检察机关依法办案，\"引号\"与换行\\n都要原样保存。" * (i + 1),
                     site="example.org", content_hash=f"{first + i:064x}", meta_lines=("来源：新华社",))
            for i in range(n)]


def test_documents_come_back_as_written_and_deleted_slots_are_none(tmp_path):
    one, two = _docs(5), _docs(3, first=5)
    write_segment(tmp_path / "s1", one, np.zeros((0, 3), np.int64))
    write_segment(tmp_path / "s2", two, np.zeros((0, 3), np.int64))
    store = DocumentStore([tmp_path / "s1", tmp_path / "s2"], deleted={1, 6})
    assert len(store) == 8
    for i, d in enumerate(one + two):
        if i in (1, 6):
            assert store[i] is None and store.meta(i) is None and store.paths[i] is None
            continue
        assert store[i] == d
        m = store.meta(i)
        assert (m.path, m.title, m.date, m.source, m.site, m.content_hash, m.chars) == \
               (d.path, d.title, d.date, d.source, d.site, d.content_hash, len(d.text))
    assert store.live.tolist() == [i not in (1, 6) for i in range(8)]
    assert store.column("date")[7] == two[2].date
    # a segment written before the meta file existed is read whole, with the same result
    (tmp_path / "s2" / META_FILE).unlink()
    old = DocumentStore([tmp_path / "s1", tmp_path / "s2"], deleted={1, 6})
    assert [old[i] for i in range(8)] == [store[i] for i in range(8)]
    # one more segment: the ones read are shared, slots follow on
    write_segment(tmp_path / "s3", _docs(2, first=8), np.zeros((0, 3), np.int64))
    more = store.extended(tmp_path / "s3", deleted={1, 6, 8})
    assert len(more) == 10 and more[8] is None and more[9].path == "/a/9.txt" and more[0] == one[0]
