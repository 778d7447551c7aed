"""HTML pages -> main-content lines and page metadata.

trafilatura does the extraction (it is maintained and handles most news layouts);
when it finds nothing usable, a line-density extractor takes over: the page is
flattened to one line per block, each line scores its non-link characters minus a
threshold, and the contiguous run of lines with the highest total is the article
(the "line-block distribution" method common for Chinese news pages).
bench/html_extraction.py measures both on generated pages.
"""

from __future__ import annotations

import logging
import re

logger = logging.getLogger(__name__)

__all__ = ["extract_html", "density_lines", "trafilatura_lines"]

_BLOCKS = {"p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
           "blockquote", "pre", "dd", "dt", "table", "ul", "ol", "header", "footer", "title"}
_DROP = ("script", "style", "noscript", "template", "iframe", "svg", "select", "button", "form")
_LINK_OPEN, _LINK_CLOSE = "\ue000", "\ue001"  # private-use marks around link text
_MIN_LINE = 12  # characters a line must beat to count as content


def trafilatura_lines(text: str) -> tuple[list[str], dict[str, str]]:
    """Main-content lines and metadata from trafilatura (empty when it finds none)."""
    import trafilatura

    doc = trafilatura.bare_extraction(text, with_metadata=True, include_comments=False, include_tables=True,
                                      favor_recall=True)
    if doc is None:
        return [], {}
    meta = {k: str(getattr(doc, k)) for k in ("title", "date", "author", "sitename", "url", "description")
            if getattr(doc, k, None)}
    return (doc.text or "").splitlines(), meta


def density_lines(tree) -> list[str]:
    """The densest contiguous run of text lines of a parsed page (links count against a line)."""
    from lxml import etree

    tree = etree.fromstring(etree.tostring(tree), parser=etree.HTMLParser())  # work on a copy
    for bad in tree.iter(*_DROP):
        bad.getparent().remove(bad) if bad.getparent() is not None else None
    for a in tree.iter("a"):
        a.text = _LINK_OPEN + (a.text or "")
        if len(a):
            last = a[-1]
            last.tail = (last.tail or "") + _LINK_CLOSE
        else:
            a.text += _LINK_CLOSE
    for el in tree.iter():
        if isinstance(el.tag, str) and el.tag.lower() in _BLOCKS:
            el.tail = "\n" + (el.tail or "")
            if el.tag.lower() != "br":
                el.text = "\n" + (el.text or "")
    raw = "".join(tree.itertext())
    lines = [re.sub(r"[ \t\u3000\xa0]+", " ", ln).strip() for ln in raw.split("\n")]
    lines = [ln for ln in lines if ln]

    def weight(line: str) -> float:
        linked = sum(len(m) for m in re.findall(f"{_LINK_OPEN}([^{_LINK_CLOSE}]*){_LINK_CLOSE}", line))
        plain = len(line) - linked - line.count(_LINK_OPEN) - line.count(_LINK_CLOSE)
        return plain - _MIN_LINE - linked

    best, best_span, run, start = 0.0, (0, 0), 0.0, 0
    for i, line in enumerate(lines):  # maximum-sum contiguous run (Kadane)
        if run <= 0:
            run, start = 0.0, i
        run += weight(line)
        if run > best:
            best, best_span = run, (start, i + 1)
    a, b = best_span
    clean = [ln.replace(_LINK_OPEN, "").replace(_LINK_CLOSE, "").strip() for ln in lines[a:b]]
    return [ln for ln in clean if ln]


def extract_html(text: str) -> tuple[list[str], dict[str, str], str | None]:
    """Lines of the article, metadata, and a warning when the fallback was used."""
    from lxml import etree
    from lxml import html as lxml_html

    lines, meta = trafilatura_lines(text)
    tree = None
    try:
        tree = lxml_html.fromstring(text)
    except (ValueError, TypeError, etree.LxmlError) as exc:  # lxml raises these on empty or odd documents
        logger.debug("lxml could not parse the page: %s", exc)
    if tree is not None:
        title = tree.findtext(".//title")
        if title and title.strip():
            meta.setdefault("html_title", title.strip())
        for node in tree.iter("meta"):
            name = (node.get("name") or node.get("property") or "").lower()
            if name and node.get("content"):
                meta.setdefault(f"meta:{name}", node.get("content").strip())
    body_chars = sum(len(ln) for ln in lines)
    if body_chars >= 50 or tree is None:
        return lines, meta, None
    fallback = density_lines(tree)
    if sum(len(ln) for ln in fallback) > body_chars:
        return fallback, meta, "trafilatura found no article; used the line-density extractor"
    return lines, meta, None
