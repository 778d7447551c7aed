"""Fuzzing the readers with hypothesis: whatever the bytes, only the project's own IngestError escapes,
and a document that comes out keeps its promises (text without NULs, a title that is a line of it or none)."""

import zipfile
from io import BytesIO
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.errors import IngestError
from rag.ingest import load_documents
from rag.ingest.clean import clean
from rag.ingest.read import read_file

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

chinese = st.text(alphabet=st.sampled_from("检察机关党建巡视工作的根本任务是两个维護發佈時間來源作者原文链接：，。！？ \n\t<>/&;\"'"),
                  max_size=400)
encodings = st.sampled_from(["utf-8", "gb18030", "big5", "utf-16", "utf-8-sig", "latin-1"])


def _read(tmp: Path, name: str, data: bytes):
    path = tmp / name
    path.write_bytes(data)
    try:
        raw = read_file(path, max_bytes=1_000_000)
    except IngestError as exc:
        assert str(exc)  # a message a person can act on
        return None
    doc = clean(raw, path=str(path), content_hash="h")
    assert "\x00" not in doc.text
    return doc


@FUZZ
@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".txt", ".md", ".html", ".htm", ".docx", ".pdf"]))
def test_random_bytes(tmp_path_factory, data, suffix):
    _read(tmp_path_factory.mktemp("f"), "x" + suffix, data)


@FUZZ
@given(text=chinese, encoding=encodings, suffix=st.sampled_from([".txt", ".html"]))
def test_text_in_any_encoding(tmp_path_factory, text, encoding, suffix):
    data = text.encode(encoding, errors="ignore")
    _read(tmp_path_factory.mktemp("f"), "x" + suffix, data)


@FUZZ
@given(body=chinese, title=chinese, meta=st.sampled_from(["", '<meta charset="gb2312">', '<meta name="author" content="某">']))
def test_html_pages(tmp_path_factory, body, title, meta):
    page = f"<html><head>{meta}<title>{title}</title></head><body><div><p>{body}</p></div><script>x</script></body>"
    _read(tmp_path_factory.mktemp("f"), "x.html", page.encode("utf-8"))


@FUZZ
@given(junk=st.binary(max_size=500), member=st.sampled_from(["word/document.xml", "[Content_Types].xml", "x"]))
def test_docx_like_zips_and_pdf_like_bytes(tmp_path_factory, junk, member):
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(member, junk)
    tmp = tmp_path_factory.mktemp("f")
    _read(tmp, "x.docx", buf.getvalue())
    _read(tmp, "y.pdf", b"%PDF-1.4\n" + junk + b"\n%%EOF")


def test_ten_thousand_empty_files_are_reported_not_fatal(tmp_path):
    paths = []
    for i in range(10_000):
        p = tmp_path / f"{i:05d}.txt"
        p.write_bytes(b"")
        paths.append(p)
    loaded = load_documents(paths, max_file_bytes=1000)
    assert loaded.documents == () and len(loaded.skipped) == 10_000
    assert all(s.reason == "file is empty" for s in loaded.skipped)
