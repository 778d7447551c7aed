"""Stage 1: a file on disk -> its text, whatever the format and encoding.

Encoding detection is charset-normalizer's (a maintained detector), never trial and
error; HTML main content comes from trafilatura with its metadata; .docx and .pdf
come from python-docx and pypdf when they are installed.
"""

from __future__ import annotations

import codecs
import html
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from rag.errors import IngestError
from rag.ingest.ocr import IMAGE_SUFFIXES, OcrParagraph

logger = logging.getLogger(__name__)

__all__ = ["RawText", "read_file", "decode_bytes", "SUPPORTED_SUFFIXES"]

TEXT_SUFFIXES = {".txt", ".md", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".shtml", ".xhtml"}
OFFICE_SUFFIXES = {".docx", ".pdf"}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | OFFICE_SUFFIXES | IMAGE_SUFFIXES
TEXT_LAYER_CHARS = 20   # a PDF page with fewer characters in its text layer is read by OCR
OCR_LONG_SIDE = 2000    # a scanned PDF page is rendered at this many pixels on its long side

# Chinese pages are overwhelmingly in one of these; when the detector hesitates
# between near-equal guesses, the Chinese one wins.
_CHINESE_CODECS = ("utf_8", "gb18030", "gbk", "gb2312", "big5", "big5hkscs", "cp950", "utf_16")


@dataclass(frozen=True)
class RawText:
    """Decoded text of one file, before cleaning.

    ``lines`` are the visible text lines in reading order; ``meta`` holds what the
    format itself declares (an HTML <title>, <meta> tags, a docx core property).
    """

    lines: tuple[str, ...]
    encoding: str
    kind: str
    meta: dict[str, str]
    warning: str | None = None
    ocr: tuple[OcrParagraph, ...] = ()              # the paragraphs read by OCR, among ``lines``
    page_sizes: tuple[tuple[int, int, int], ...] = ()  # (page, width, height) of each page read by OCR


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes to text; return ``(text, encoding)``.

    Order: a byte-order mark; strict UTF-8; a declared charset that decodes the
    bytes strictly; then charset-normalizer's best guess. GB2312 declarations are
    widened to GB18030 (its superset) because pages that declare GB2312 routinely
    contain GBK characters.
    """
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace"), enc.replace("-sig", "")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if declared:
        enc = declared.lower().strip()
        if enc in ("gb2312", "gbk", "x-gbk", "gb_2312-80"):
            enc = "gb18030"
        try:
            return data.decode(enc), enc
        except (UnicodeDecodeError, LookupError):
            logger.debug("declared charset %s does not decode the bytes", declared)
    from charset_normalizer import from_bytes

    matches = from_bytes(data, cp_isolation=None)
    best = matches.best()
    if best is None:
        raise IngestError("bytes are not text in any known encoding (binary file?)")
    enc = best.encoding
    chinese = [m for m in matches if m.encoding in _CHINESE_CODECS]
    if enc not in _CHINESE_CODECS and chinese and chinese[0].chaos <= best.chaos + 0.05:
        enc = chinese[0].encoding
    if enc in ("gb2312", "gbk"):
        enc = "gb18030"
    return data.decode(enc, errors="replace"), enc


def _looks_binary(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control > len(head) * 0.05


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.I)


def _read_html(data: bytes) -> RawText:
    from rag.ingest.html import extract_html

    m = _META_CHARSET.search(data[:4096])
    text, enc = decode_bytes(data, m.group(1).decode("ascii", "ignore") if m else None)
    lines, meta, warning = extract_html(text)
    return RawText(tuple(lines), enc, "html", meta, warning)


def _read_docx(path: Path) -> RawText:
    try:
        import docx
    except ImportError as exc:
        raise IngestError("reading .docx needs python-docx: pip install python-docx") from exc
    try:
        d = docx.Document(str(path))
    except Exception as exc:  # python-docx raises many kinds on corrupt zips
        raise IngestError(f"not a readable .docx ({exc.__class__.__name__}); re-save it from a word processor") from exc
    meta = {"title": d.core_properties.title} if d.core_properties.title else {}
    return RawText(tuple(_docx_lines(d)), "docx", "docx", meta)


def _docx_lines(d) -> Iterator[str]:
    """Paragraphs and table rows in document order; a row is its cells' text on one line
    (a merged cell, which python-docx repeats for each column it spans, once)."""
    from docx.table import Table

    for block in d.iter_inner_content():
        if not isinstance(block, Table):
            yield block.text
            continue
        for row in block.rows:
            cells: list[str] = []
            for cell in row.cells:
                text = " ".join(cell.text.split())
                if text and (not cells or cells[-1] != text):
                    cells.append(text)
            yield "　".join(cells)


def _read_pdf(path: Path, on_page=None) -> RawText:
    try:
        import pypdf
    except ImportError as exc:
        raise IngestError("reading .pdf needs pypdf: pip install pypdf") from exc
    # pypdf logs its repairs of damaged files ("EOF marker not found") on the caller's console;
    # a file it cannot read gets this module's own message instead, naming the file
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(str(path))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many kinds on damaged files
        raise IngestError(f"not a readable PDF ({exc.__class__.__name__}); check that it opens in a viewer") from exc
    meta = {}
    if reader.metadata and reader.metadata.title:
        meta["title"] = str(reader.metadata.title)
    scanned = [i for i, text in enumerate(pages) if len("".join(text.split())) < TEXT_LAYER_CHARS]
    if not scanned:
        return RawText(tuple("\n".join(pages).splitlines()), "pdf", "pdf", meta)
    images = _pdf_pages(path, scanned)
    lines: list[str] = []
    found: list[OcrParagraph] = []
    sizes, failed = [], []
    for i, text in enumerate(pages):
        if i not in images:
            lines.extend(text.splitlines())
            continue
        try:
            paras = _ocr_page(images[i], i + 1)
        except IngestError:
            raise
        except Exception as exc:  # one page that OCR cannot read is reported, the others are kept
            logger.debug("OCR failed on page %d of %s", i + 1, path, exc_info=True)
            failed.append(f"{i + 1} ({exc.__class__.__name__})")
            continue
        finally:
            if on_page:
                on_page(len(scanned))
        sizes.append((i + 1, *images[i].size))
        found.extend(paras)
        lines.extend(p.text for p in paras)
    warning = f"OCR could not read page {', '.join(failed)}" if failed else None
    return RawText(tuple(lines), "ocr", "pdf", meta, warning, tuple(found), tuple(sizes))


def _pdf_pages(path: Path, numbers: list[int]) -> dict:
    """PIL images of the PDF pages ``numbers`` (0-based), rendered by PDFium."""
    try:
        import pypdfium2 as pdfium
    except ImportError as exc:
        raise IngestError("reading scanned PDF pages needs pypdfium2: pip install pypdfium2") from exc
    try:
        pdf = pdfium.PdfDocument(str(path))
    except Exception as exc:  # PdfiumError and kin on damaged files
        raise IngestError(f"not a readable PDF ({exc.__class__.__name__}); check that it opens in a viewer") from exc
    out = {}
    try:
        for i in numbers:
            page = pdf[i]
            w, h = page.get_size()
            out[i] = page.render(scale=OCR_LONG_SIDE / max(w, h, 1)).to_pil()
            page.close()
    finally:
        pdf.close()
    return out


def _ocr_page(image, number: int) -> list[OcrParagraph]:
    from rag.ingest.ocr import ocr_image, paragraphs

    return paragraphs(ocr_image(image, number))


def _read_image(path: Path, on_page=None) -> RawText:
    try:
        from PIL import Image, ImageOps, ImageSequence, UnidentifiedImageError
    except ImportError as exc:
        raise IngestError("reading images needs Pillow: pip install pillow") from exc
    try:
        with Image.open(path) as img:
            # a TIFF holds several pages; a phone's photo says in EXIF which way is up
            frames = [ImageOps.exif_transpose(f).convert("RGB") for f in ImageSequence.Iterator(img)]
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise IngestError(f"not a readable image ({exc.__class__.__name__}); check that it opens in a viewer") from exc
    found: list[OcrParagraph] = []
    for n, frame in enumerate(frames, 1):
        try:
            found.extend(_ocr_page(frame, n))
        except IngestError:
            raise
        except Exception as exc:  # onnxruntime and OpenCV raise their own kinds on odd images
            raise IngestError(f"OCR could not read the image ({exc.__class__.__name__}: {exc})") from exc
        if on_page:
            on_page(len(frames))
    sizes = tuple((n, *f.size) for n, f in enumerate(frames, 1))
    return RawText(tuple(p.text for p in found), "ocr", "image", {}, None, tuple(found), sizes)


def read_file(path: Path, *, max_bytes: int, on_page=None) -> RawText:
    """Read one file into lines of text; images and PDF pages without a text layer by OCR.

    ``on_page(pages_in_file)`` is called after each page read by OCR (for a progress bar).

    Raises:
        IngestError: with a reason a person can act on (too large, empty, binary,
            unsupported type, undecodable).
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(f"unsupported file type '{suffix or '(none)'}'; supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise IngestError(f"cannot read the file ({exc.strerror}); check that it exists and is readable") from exc
    if size > max_bytes:
        raise IngestError(f"file is {size:,} bytes, over the limit of {max_bytes:,}; raise max_file_bytes or split the file")
    if size == 0:
        raise IngestError("file is empty")
    if suffix == ".docx":
        return _read_docx(path)
    if suffix == ".pdf":
        return _read_pdf(path, on_page)
    if suffix in IMAGE_SUFFIXES:
        return _read_image(path, on_page)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(f"cannot read the file ({exc.strerror}); check its permissions") from exc
    has_bom = data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not has_bom and _looks_binary(data):
        raise IngestError("file holds binary data, not text; remove it or convert it to .txt/.html")
    if suffix in HTML_SUFFIXES:
        return _read_html(data)
    text, enc = decode_bytes(data)
    warning = None
    if "\ufffd" in text:
        warning = f"some bytes are not valid {enc} and were replaced with \ufffd"
    lines = _markup_left_over(text).splitlines()
    if suffix == ".md":
        lines = [_MARKDOWN.sub("", line) for line in lines]
    return RawText(tuple(lines), enc, "text", {}, warning)


# Text saved from a web page often keeps some of its markup: line and paragraph tags, inline tags
# and character entities (&nbsp; &amp; &#12288;). A block tag ends a line, an inline one goes, an entity
# becomes its character (the standard library's html.unescape).
_BLOCK_TAG = re.compile(r"<\s*/?\s*(?:br|p|div|li|tr|h[1-6]|section|article|table|ul|ol)\b[^<>\n]{0,200}>", re.I)
_INLINE_TAG = re.compile(r"<\s*/?\s*(?:span|strong|b|i|em|u|font|a|img|td|th|sup|sub)\b[^<>\n]{0,200}>", re.I)
_ENTITY = re.compile(r"&(?:[a-zA-Z]{2,8}|#\d{2,6}|#x[0-9a-fA-F]{2,5});")


def _markup_left_over(text: str) -> str:
    """``text`` with the HTML tags and entities a scraper left in it turned into plain text."""
    if "<" in text:
        text = _INLINE_TAG.sub("", _BLOCK_TAG.sub("\n", text))
    if "&" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group()), text)
    return text


# Markdown's line marks (# heading, > quote, - / * / 1. list item) are not part of the text.
_MARKDOWN = re.compile(r"^\s{0,3}(?:#{1,6}\s+|>\s?|[-*+]\s+(?=\S)|\d{1,3}\.\s+(?=\S))")
