"""Render Chinese articles as page images, clean and degraded, with the text they hold.

The OCR benchmark (bench/ocr.py) and the test fixtures (tests/scans/) are made by this script,
so every figure can be checked against the exact text that was drawn:

    python bench/scan_pages.py --fixtures tests/scans     # the small pages the tests read

A page has a headline across the top, a metadata line, and the body in one or more columns,
each paragraph indented by two characters and wrapped at the column's width. Degradations:
noise (speckle), blur, a small rotation, and a low-quality JPEG, alone or together.
"""

from __future__ import annotations

import argparse
import io
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
FONT_INDEX = {"simplified": 2, "traditional": 3}  # the .ttc's SC and TC faces


@dataclass(frozen=True)
class Page:
    image: Image.Image
    text: str  # what was drawn, in reading order, one paragraph a line


def _font(size: int, script: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT, size, index=FONT_INDEX[script])


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, indent: str = "") -> list[str]:
    lines, line = [], indent
    for ch in text:
        if font.getlength(line + ch) > width and line.strip():
            lines.append(line)
            line = ""
        line += ch
    if line.strip():
        lines.append(line)
    return lines


def render(title: str, meta: str, body: list[str], *, columns: int = 1, script: str = "simplified",
           size: tuple[int, int] = (1240, 1754), font_px: int = 26, margin: int = 80) -> Page:
    """A page with ``title`` across the top, ``meta`` under it and ``body`` in ``columns`` columns;
    paragraphs that do not fit are left out (``Page.text`` holds only what was drawn)."""
    w, h = size
    img = Image.new("L", size, 255)
    draw = ImageDraw.Draw(img)
    head, small, face = _font(int(font_px * 1.5), script), _font(int(font_px * 0.8), script), _font(font_px, script)
    y, drawn = margin, []
    for line in _wrap(title, head, w - 2 * margin):
        draw.text((margin, y), line, font=head, fill=0)
        y += int(font_px * 2.1)
    drawn.append(title)
    draw.text((margin, y), meta, font=small, fill=60)
    drawn.append(meta)
    y += int(font_px * 2.0)
    gap = font_px * 2
    col_w = (w - 2 * margin - gap * (columns - 1)) // columns
    lead = int(font_px * 1.6)
    col, cy = 0, y
    for para in body:
        lines = _wrap(para, face, col_w, indent="\u3000\u3000")
        fits = []
        for line in lines:
            if cy + lead > h - margin:
                col, cy = col + 1, y
                if col >= columns:
                    break
            fits.append((col, cy, line))
            cy += lead
        if col >= columns:
            break
        for c, ly, line in fits:
            draw.text((margin + c * (col_w + gap), ly), line, font=face, fill=0)
        drawn.append(para)
        cy += lead // 3
    return Page(img, "\n".join(drawn))


def degrade(page: Page, kind: str, seed: int = 0) -> Page:
    """``page`` scanned badly: ``noise``, ``blur``, ``rotate``, ``jpeg`` or ``all``."""
    rng = random.Random(seed)
    img = page.image
    kinds = ("noise", "blur", "rotate", "jpeg") if kind == "all" else (kind,)
    if "rotate" in kinds:
        img = img.rotate(rng.choice((-1, 1)) * rng.uniform(1.0, 2.0), resample=Image.BICUBIC, expand=False,
                         fillcolor=255)
    if "blur" in kinds:
        img = img.filter(ImageFilter.GaussianBlur(radius=1.0))
    if "noise" in kinds:
        px = img.load()
        wd, ht = img.size
        for _ in range(wd * ht // 150):
            x, y = rng.randrange(wd), rng.randrange(ht)
            px[x, y] = rng.choice((0, 255, 128))
    if "jpeg" in kinds:
        buf = io.BytesIO()
        img.convert("L").save(buf, "JPEG", quality=30)
        img = Image.open(io.BytesIO(buf.getvalue())).convert("L")
    return Page(img, page.text)


def article(path: Path) -> tuple[str, str, list[str]]:
    """Headline, metadata line and paragraphs of an indexed-style article file (title on its first
    line, 来源/发布时间 below, then paragraphs), as cleaning reads it."""
    from rag.ingest import load_documents

    doc = load_documents([path], max_file_bytes=10_000_000).documents[0]
    meta = "　".join(x for x in (f"发布时间：{doc.date}" if doc.date else "", f"来源：{doc.source}" if doc.source else "") if x)
    return doc.title or "", meta or "发布时间：2023-08-01", [p for p in doc.text.split("\n") if p.strip()]


# An invented notice, not among the seeds: the page the browser test uploads as a scan.
NOTICE = ("某县检察院开展司法救助专项活动", "发布时间：2024-05-20　来源：某县人民检察院", [
    "5月20日，某县人民检察院通报司法救助专项活动开展情况。专项活动开展以来，该院共为23名困难当事人发放救助金41.6万元，"
    "其中未成年人9名。",
    "该院检察长表示，将继续畅通救助线索移送渠道，做到应救尽救。",
])


def fixtures(out: Path) -> list[Path]:
    """The committed test pages: a simplified and a traditional article, one and three columns,
    clean and degraded, and the invented notice, at a third of A4 at 150 dpi (small enough to commit)."""
    seeds = Path(__file__).resolve().parent.parent / "seeds"
    simp = article(seeds / "000_020bbd73dfb7382b.txt")
    trad = article(next(p for p in sorted(seeds.glob("*.txt")) if "機(jī)關(guān)" in p.read_text(encoding="utf-8")))
    out.mkdir(parents=True, exist_ok=True)
    made = []
    specs = [("simplified-1col", simp, 1, "simplified", None), ("traditional-1col", trad, 1, "traditional", None),
             ("simplified-3col", simp, 3, "simplified", None), ("simplified-degraded", simp, 1, "simplified", "all"),
             ("notice", NOTICE, 1, "simplified", None)]
    for name, (title, meta, body), columns, script, kind in specs:
        size = (1240, 500) if name == "notice" else (1240, 900) if columns == 1 else (1240, 1100)
        page = render(title, meta, body, columns=columns, script=script, size=size)
        if kind:
            page = degrade(page, kind, seed=1)
        path = out / f"{name}.{'jpg' if kind else 'png'}"
        page.image.save(path, **({"quality": 60} if kind else {"optimize": True}))
        (out / f"{name}.txt").write_text(page.text + "\n", encoding="utf-8")
        made.append(path)
    return made


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fixtures", type=Path, help="write the test pages into this folder")
    args = ap.parse_args()
    if args.fixtures:
        for p in fixtures(args.fixtures):
            print(p, p.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
