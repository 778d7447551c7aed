from rag.chunk import chunk_document
from rag.records import Document


def _doc(text):
    return Document(path="/x.txt", title="t", date=None, source=None, author=None, url=None, text=text)


def test_chunks_are_sentence_aligned_slices():
    text = "第一句话在这里。第二句话也在这里。\n第三句话比较长一些，用来测试。第四句。"
    doc = _doc(text)
    chunks = chunk_document(doc, 3, chunk_chars=20)
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)
    assert all(c.doc_id == 3 for c in chunks)
    assert "".join(c.text for c in chunks).replace("\n", "") == text.replace("\n", "")


def test_overlap_repeats_sentences():
    doc = _doc("甲句。乙句。丙句。丁句。")
    chunks = chunk_document(doc, 0, chunk_chars=6, overlap=1)
    assert [c.text for c in chunks] == ["甲句。乙句。", "乙句。丙句。", "丙句。丁句。"]


def test_long_sentence_is_its_own_chunk():
    doc = _doc("短。" + "很" * 300 + "长。短。")
    chunks = chunk_document(doc, 0, chunk_chars=50)
    assert any(len(c.text) > 50 for c in chunks)
