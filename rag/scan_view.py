"""Show a quote from a scanned file where it stands on the page.

A scanned document keeps every OCR-read line's page, box and character edges (``Document.scan``).
For a citation this module renders the page again from the source file (Pillow for images,
PDFium for PDFs), crops the region of the cited passage, and paints the supporting sentence's
characters; characters read with low confidence are underlined in red. The index stores no
images: the page is drawn from the file, and a file that changed or moved since it was read gives
a note instead of a wrong picture.
"""

from __future__ import annotations

import hashlib
import io
import logging
from functools import lru_cache
from pathlib import Path

from rag.records import Document, ScanLine, ScanRegion

logger = logging.getLogger(__name__)

__all__ = ["scan_region", "LOW_CONFIDENCE"]

LOW_CONFIDENCE = 80      # characters recognised with less (percent) are marked
WIDTH = 760              # pixels of the region shown on a card
MARGIN = 120             # ten-thousandths of the page around the passage's lines
_SENTENCE = (255, 214, 0, 110)
_LOW = (220, 30, 30, 255)


def scan_region(doc: Document, start: int, end: int, passage_start: int, passage_end: int) -> ScanRegion | None:
    """The page region of ``doc.text[passage_start:passage_end]`` with ``[start, end)`` painted;
    None when the document was not read by OCR or the passage has no scanned line."""
    lines = [s for s in doc.scan if s.start < passage_end and s.end > passage_start]
    if not lines:
        return None
    page = _page_of(lines, start, end)
    lines = [s for s in lines if s.page == page]
    low = tuple(s.start + i for s in lines for i, c in enumerate(s.conf)
                if c < LOW_CONFIDENCE and passage_start <= s.start + i < passage_end)
    conf = doc.ocr_confidence or 0.0
    note = _changed(doc)
    if note:
        return ScanRegion(page, b"", conf, low, note)
    try:
        image = _render(doc.path, page)
    except Exception as exc:  # a file PDFium or Pillow can no longer read: say so on the card
        logger.debug("cannot render page %d of %s", page, doc.path, exc_info=True)
        return ScanRegion(page, b"", conf, low, "unreadable")
    return ScanRegion(page, _paint(image, lines, start, end), conf, low, "")


def _page_of(lines: list[ScanLine], start: int, end: int) -> int:
    """The page of the sentence's first line (of the passage's, when the sentence has none)."""
    for s in lines:
        if s.start < end and s.end > start:
            return s.page
    return lines[0].page


def _changed(doc: Document) -> str:
    path = Path(doc.path)
    try:
        st = path.stat()
    except OSError:
        return "missing"
    if doc.content_hash and _sha256(str(path), st.st_mtime_ns, st.st_size) != doc.content_hash:
        return "changed"
    return ""


@lru_cache(maxsize=256)
def _sha256(path: str, mtime_ns: int, size: int) -> str:  # the file's stat keys the cache
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _render(path: str, page: int):
    from PIL import Image, ImageOps, ImageSequence

    if path.lower().endswith(".pdf"):
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(path)
        try:
            p = pdf[page - 1]
            w, _ = p.get_size()
            return p.render(scale=2 * WIDTH / max(w, 1)).to_pil().convert("RGB")
        finally:
            pdf.close()
    with Image.open(path) as img:
        for n, frame in enumerate(ImageSequence.Iterator(img), 1):
            if n == page:
                return ImageOps.exif_transpose(frame).convert("RGB")  # as OCR read it
    raise ValueError(f"no page {page}")


def _paint(image, lines: list[ScanLine], start: int, end: int) -> bytes:
    from PIL import Image, ImageDraw

    w, h = image.size
    x0 = max(0, min(s.box[0] for s in lines) - MARGIN) * w // 10000
    y0 = max(0, min(s.box[1] for s in lines) - MARGIN) * h // 10000
    x1 = min(10000, max(s.box[2] for s in lines) + MARGIN) * w // 10000
    y1 = min(10000, max(s.box[3] for s in lines) + MARGIN) * h // 10000
    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(overlay)
    for s in lines:
        top, bottom = s.box[1] * h // 10000, s.box[3] * h // 10000
        for i, conf in enumerate(s.conf):
            left, right = s.left[i] * w // 10000, s.right[i] * w // 10000
            if start <= s.start + i < end:
                draw.rectangle((left, top, right, bottom), fill=_SENTENCE)
            if conf < LOW_CONFIDENCE:
                draw.line((left, bottom + 2, right, bottom + 2), fill=_LOW, width=max(2, (bottom - top) // 10))
    region = Image.alpha_composite(image.convert("RGBA"), overlay).crop((x0, y0, x1, y1)).convert("RGB")
    if region.width > WIDTH:
        region = region.resize((WIDTH, max(1, region.height * WIDTH // region.width)), Image.LANCZOS)
    buf = io.BytesIO()
    region.save(buf, "JPEG", quality=85)
    return buf.getvalue()
