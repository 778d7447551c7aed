"""Scanned pages and images: reading order, paragraphs, placement, OCR accuracy, cards.

The pages under tests/scans/ were rendered by ``python bench/scan_pages.py --fixtures tests/scans``
from two seed articles; each has the text that was drawn beside it (``.txt``).
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from rag.ingest import load_documents
from rag.ingest.ocr import OcrLine, paragraphs, place, reading_order
from rag.records import Document

SCANS = Path(__file__).parent / "scans"
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from ocr import cer as _cer  # noqa: E402 - the benchmark's measure, used here on the committed pages


# ------------------------------------------------------------------ reading order, on boxes alone
def test_three_columns_under_a_spanning_headline_read_column_by_column():
    headline = (80, 60, 1150, 100)
    meta = (80, 120, 500, 140)  # narrower than the page, but across the first lane
    cols = [(80 + 360 * c, 200 + 40 * r, 400 + 360 * c, 230 + 40 * r) for c in range(3) for r in range(4)]
    footer = (80, 400, 1150, 430)
    boxes = [footer, *cols[::-1], meta, headline]  # any input order
    blocks = reading_order(boxes)
    order = [boxes[i] for b in blocks for i in b]
    assert order == [headline, meta, *cols, footer]


def test_a_broadsheets_narrow_columns_under_a_headline_over_two_of_them():
    headline = (73, 79, 410, 116)  # over the first column and part of the second
    cols = [(80 + 294 * c, 150 + 40 * r, 340 + 294 * c, 178 + 40 * r) for c in range(8) for r in range(30)]
    boxes = [headline, *cols]
    order = [boxes[i] for b in reading_order(boxes) for i in b]
    assert order == [headline, *cols]


def test_a_single_column_with_short_last_lines_is_not_cut_into_two():
    boxes = [(80, 100 + 40 * r, 1100 if r % 3 else 400, 130 + 40 * r) for r in range(9)]
    assert [i for b in reading_order(boxes) for i in b] == list(range(9))


def test_a_row_of_pieces_in_one_column_reads_left_to_right():
    boxes = [(80, 100, 1100, 130), (600, 140, 800, 170), (80, 140, 300, 170), (80, 180, 1100, 210)]
    order = [i for b in reading_order(boxes) for i in b]
    assert order == [0, 2, 1, 3]


def _line(text, box, block=0, page=1):
    return OcrLine(page, text, box, tuple(box for _ in text), tuple(0.99 for _ in text), block)


def test_wrapped_lines_join_into_paragraphs_and_a_short_line_ends_one():
    lines = [
        _line("　　第一段开头，这一行写到了栏的右边", (80, 100, 1100, 130)),
        _line("接着写完。", (80, 140, 300, 170)),
        _line("　　第二段另起一行，缩进两个字，也写满了", (140, 180, 1100, 210)),
        _line("到这里结束。", (80, 220, 400, 250)),
    ]
    paras = paragraphs(lines)
    assert [p.text for p in paras] == ["　　第一段开头，这一行写到了栏的右边接着写完。",
                                       "　　第二段另起一行，缩进两个字，也写满了到这里结束。"]
    assert paras[0].offsets == (0, len(lines[0].text))


def test_a_paragraph_runs_on_into_the_next_column():
    lines = [
        _line("左栏写满的一行", (80, 100, 400, 130), block=0),
        _line("左栏最后一行写满", (80, 140, 400, 170), block=0),
        _line("右栏接着写完。", (440, 100, 600, 130), block=1),
    ]
    assert [p.text for p in paragraphs(lines)] == ["左栏写满的一行左栏最后一行写满右栏接着写完。"]


def test_lines_are_placed_at_their_offsets_and_chrome_lines_are_left_out():
    lines = [_line("当前位置：首页", (80, 40, 400, 70)), _line("会议指出，要巩固拓展成果。", (80, 100, 900, 130))]
    text = "会议指出，要巩固拓展成果。"
    placed = place(paragraphs(lines), text, {1: (1000, 1000)})
    assert len(placed) == 1
    s = placed[0]
    assert text[s.start:s.end] == "会议指出，要巩固拓展成果。"
    assert s.box == (800, 1000, 9000, 1300)  # ten-thousandths of the page


# ------------------------------------------------------------------ OCR on rendered pages
@pytest.mark.parametrize("name,floor", [("simplified-1col.png", 0.98), ("traditional-1col.png", 0.98),
                                        ("simplified-3col.png", 0.98), ("simplified-degraded.jpg", 0.93)])
def test_rendered_pages_are_read_in_order(name, floor):
    from PIL import Image

    from rag.ingest.ocr import ocr_image

    ref = (SCANS / name).with_suffix(".txt").read_text(encoding="utf-8")
    got = "\n".join(p.text for p in paragraphs(ocr_image(Image.open(SCANS / name))))
    assert 1 - _cer(ref, got) >= floor


def test_an_image_and_a_scanned_pdf_become_documents_with_their_layout(tmp_path):
    from PIL import Image

    (tmp_path / "page.png").write_bytes((SCANS / "traditional-1col.png").read_bytes())
    Image.open(SCANS / "simplified-1col.png").convert("RGB").save(tmp_path / "scan.pdf")
    pages = []
    loaded = load_documents([tmp_path / "page.png", tmp_path / "scan.pdf"], max_file_bytes=10_000_000,
                            ocr_progress=lambda done, total: pages.append((done, total)))
    assert not loaded.skipped and pages == [(1, 1), (2, 2)]
    docs = {Path(d.path).suffix: d for d in loaded.documents}
    trad, simp = docs[".png"], docs[".pdf"]
    assert trad.title.startswith("最高檢要求") and trad.date == "2023-08-01"
    assert "8月22日,最高人民檢察院召開黨組會" in trad.text.replace("，", ",")
    assert simp.title == "最高检党组会研究部署进一步加强检察机关组织工作和机关党建等工作"
    for doc in (trad, simp):
        assert doc.scan and doc.ocr_confidence > 0.9
        for s in doc.scan:  # every placed line's characters are the article's, verbatim
            assert len(s.left) == len(s.right) == len(s.conf) == s.end - s.start
            assert 0 <= s.box[0] < s.box[2] <= 10000


def test_a_mixed_pdf_takes_the_text_layer_where_there_is_one(tmp_path):
    import pypdf
    from PIL import Image

    from tests.test_ingest import _tiny_pdf

    said = "The procuratorate held a meeting today, and the chief procurator spoke on discipline work."
    (tmp_path / "text.pdf").write_bytes(_tiny_pdf(["Procuratorate news", said]))
    Image.open(SCANS / "simplified-1col.png").convert("RGB").save(tmp_path / "image.pdf")
    writer = pypdf.PdfWriter()
    for part in ("image.pdf", "text.pdf"):  # a scanned first page, its continuation with a text layer
        for page in pypdf.PdfReader(tmp_path / part).pages:
            writer.add_page(page)
    with open(tmp_path / "mixed.pdf", "wb") as f:
        writer.write(f)
    doc = load_documents([tmp_path / "mixed.pdf"], max_file_bytes=10_000_000).documents[0]
    assert said in doc.text
    assert "3月1日" in doc.text
    assert {s.page for s in doc.scan} == {1}


def test_a_broken_image_is_skipped_with_a_message(tmp_path):
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    loaded = load_documents([tmp_path / "broken.png"], max_file_bytes=10_000_000)
    assert not loaded.documents
    assert "not a readable image" in loaded.skipped[0].reason


# ------------------------------------------------------------------ the card
def test_a_citation_of_a_scan_shows_its_region_and_marks_low_confidence(tmp_path):
    from PIL import Image

    from rag.scan_view import scan_region
    from ui.render import render_citation
    from rag.records import Citation

    (tmp_path / "page.png").write_bytes((SCANS / "simplified-1col.png").read_bytes())
    doc = load_documents([tmp_path / "page.png"], max_file_bytes=10_000_000).documents[0]
    at = doc.text.index("3月1日")
    end = doc.text.index("。", at) + 1
    region = scan_region(doc, at, end, at, end)
    assert region.page == 1 and not region.note
    before = set(region.low)
    img = Image.open(io.BytesIO(region.image))
    assert img.format == "JPEG" and 100 < img.width <= 760
    # a character read with low confidence is underlined in the passage
    low = _lowered(doc, at + 2)
    region = scan_region(low, at, end, at, end)
    assert set(region.low) == before | {at + 2}
    c = Citation(path=doc.path, title=doc.title, date=doc.date, source=None, url=None, sentence=doc.text[at:end],
                 start=at, end=end, passage=doc.text[at:end], passage_start=at, passage_end=end)
    card = render_citation(1, c, scan=region)
    assert '<img src="data:image/jpeg;base64,' in card and "OCR" in card
    assert f'<u class="rag-lowconf" title="OCR 识别置信度低">{doc.text[at + 2]}</u>' in card
    # a file changed since it was read gets a note, not a wrong picture
    (tmp_path / "page.png").write_bytes((SCANS / "traditional-1col.png").read_bytes())
    assert scan_region(doc, at, end, at, end).note == "changed"


def _lowered(doc: Document, offset: int) -> Document:
    import dataclasses

    lines = []
    for s in doc.scan:
        if s.start <= offset < s.end:
            conf = list(s.conf)
            conf[offset - s.start] = 40
            s = dataclasses.replace(s, conf=tuple(conf))
        lines.append(s)
    return dataclasses.replace(doc, scan=tuple(lines))


def test_a_phone_photo_is_turned_the_way_its_exif_says(tmp_path):
    from PIL import Image

    sideways = Image.open(SCANS / "notice.png").convert("RGB").rotate(90, expand=True)
    exif = Image.Exif()
    exif[0x0112] = 6  # "turn 90° clockwise to show": what a phone held sideways writes
    sideways.save(tmp_path / "photo.jpg", exif=exif, quality=90)
    doc = load_documents([tmp_path / "photo.jpg"], max_file_bytes=10_000_000).documents[0]
    assert doc.title == "某县检察院开展司法救助专项活动"
    assert "共为23名困难当事人发放救助金41.6万元" in doc.text
