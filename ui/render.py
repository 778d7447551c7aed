"""HTML for answers and citation cards. Every piece of article text is escaped first.

Highlighting works on character offsets into the cleaned article, so what is
marked is exactly ``document.text[start:end]``; escaping happens per segment, so
an article that contains ``<script>`` shows it as text.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from rag.records import Answer, Citation, Hit
from ui.i18n import t

__all__ = ["highlight", "render_answer", "render_citation", "render_related"]


def highlight(text: str, start: int, end: int, *, inner: tuple[int, int] | None = None) -> str:
    """Escape ``text`` and wrap ``text[start:end]`` in <mark>; ``inner`` (offsets in the
    same text) is emphasised inside the mark."""
    if not (0 <= start <= end <= len(text)):
        return escape(text)
    marked = escape(text[start:end])
    if inner and start <= inner[0] < inner[1] <= end:
        a, b = inner[0] - start, inner[1] - start
        seg = text[start:end]
        marked = f"{escape(seg[:a])}<strong>{escape(seg[a:b])}</strong>{escape(seg[b:])}"
    return f"{escape(text[:start])}<mark>{marked}</mark>{escape(text[end:])}"


def _link(url: str | None, path: str, lang: str) -> str:
    if url and url.startswith(("http://", "https://")):
        return (f'<a href="{escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">'
                f'{t("original_link", lang)}</a>')
    return f'<span class="rag-nolink">{escape(Path(path).name)} ({t("no_link", lang)})</span>'


def render_citation(n: int, c: Citation, article: str | None = None, lang: str = "zh-CN") -> str:
    """A numbered card: title, date, source, link, the passage with the sentence marked,
    and (folded away) the whole article with the same sentence marked."""
    # the card shows the day; the record keeps the time (2019-07-03 09:22:50)
    meta = " · ".join(escape(x) for x in ((c.date or "")[:10], c.source or (f"{c.site} ({t('site', lang)})" if c.site else ""))
                      if x)
    if c.field:  # an answer about the article: its metadata line, marked whole
        passage = f'{highlight(c.passage, 0, len(c.passage))} <span class="rag-meta">({t("metadata", lang)})</span>'
    else:
        passage = highlight(c.passage, c.start - c.passage_start, c.end - c.passage_start)
    also = ""
    if c.also_published:
        also = f'<div class="rag-also">{t("also_published", lang)} {escape("、".join(c.also_published))}</div>'
    full = ""
    if article is not None:
        full = (f'<details class="rag-article"><summary>{t("whole_article", lang)}</summary>'
                f'<div class="rag-article-text">{_article_from_highlight(article, c.start, c.end, lang)}</div></details>')
    return (
        f'<div class="rag-card"><div class="rag-card-head"><span class="rag-num">[{n}]</span> '
        f'<b>{escape(c.title or Path(c.path).name)}</b></div>'
        f'<div class="rag-meta">{meta} {_link(c.url, c.path, lang)}</div>'
        f'<blockquote class="rag-passage">{passage}</blockquote>{also}{full}</div>'
    )


def _article_from_highlight(article: str, start: int, end: int, lang: str) -> str:
    """The whole article, opened at the paragraph of the highlight.

    Chat messages cannot run scripts, so instead of scrolling, the text before the
    highlighted paragraph is folded into its own expandable block above it.
    """
    para = article.rfind("\n", 0, start) + 1
    if para == 0:
        return highlight(article, start, end)
    before = escape(article[:para])
    rest = highlight(article[para:], start - para, end - para)
    return f'<details class="rag-before"><summary>{t("earlier_text", lang)}</summary>{before}</details>{rest}'


def render_related(hits: tuple[Hit, ...] | list[Hit], lang: str = "zh-CN") -> str:
    if not hits:
        return ""
    items = "".join(
        f'<li><b>{escape(h.title or Path(h.path).name)}</b> <span class="rag-meta">'
        f'{escape(h.date or "")} {escape(h.source or "")}</span> {_link(h.url, h.path, lang)}'
        f'<div class="rag-passage">{escape(h.text[:200])}</div></li>'
        for h in hits
    )
    return f'<div class="rag-related"><div>{t("closest", lang)}</div><ol>{items}</ol></div>'


def render_answer(answer: Answer, articles: dict[str, str] | None = None, lang: str = "zh-CN", *,
                  cards: bool = True) -> str:
    """The chat reply: the quote (short answer in bold), then the citation cards (``cards=False``:
    the quote alone, shown while the cards are made)."""
    if not answer.found:
        why = t(f"reason_{answer.reason}", lang) if answer.reason else answer.message  # the page's language
        return (f'<div class="rag-notfound"><b>{t("not_found", lang)}</b> {escape(why)}</div>'
                + render_related(answer.related, lang))
    articles = articles or {}
    quote = escape(answer.text)
    if answer.short and answer.citations:
        c = answer.citations[0]
        quote = highlight(answer.text, 0, len(answer.text),
                          inner=(answer.short.start - c.start, answer.short.end - c.start)).replace(
            "<mark>", "").replace("</mark>", "")
    html_cards = "".join(render_citation(i, c, articles.get(c.path), lang) for i, c in enumerate(answer.citations, 1)
                         ) if cards else ""
    short = (f'<div class="rag-short">{t("short_answer", lang)}<strong>{escape(answer.short.text)}</strong></div>'
             if answer.short else "")
    return f'<div class="rag-answer"><div class="rag-quote">{quote} <sup>[1]</sup></div>{short}{html_cards}</div>'
