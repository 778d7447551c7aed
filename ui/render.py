"""HTML for answers and citation cards. Every piece of article text is escaped first.

Highlighting works on character offsets into the cleaned article, so what is
marked is exactly ``document.text[start:end]``; escaping happens per segment, so
an article that contains ``<script>`` shows it as text.
"""

from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from rag.records import Answer, Citation, Hit, ScanRegion
from ui.i18n import t

__all__ = ["highlight", "render_answer", "render_citation", "render_related", "render_dates", "render_many"]


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


def render_citation(n: int, c: Citation, article: str | None = None, lang: str = "zh-CN", timeline: str = "",
                    scan: ScanRegion | None = None) -> str:
    """A numbered card: title, date, source, link, the passage with the sentence marked,
    and (folded away) the whole article with the same sentence marked; ``timeline``: the question its
    "timeline" action asks (``Index.timeline_question``), none when empty; ``scan``: a scanned
    document's page region (``Index.scan_region``), shown under the passage, its low-confidence
    characters marked in the passage too."""
    # the card shows the day; the record keeps the time (2019-07-03 09:22:50)
    meta = " · ".join(escape(x) for x in ((c.date or "")[:10], c.source or (f"{c.site} ({t('site', lang)})" if c.site else ""))
                      if x)
    if c.field:  # an answer about the article: its metadata line, marked whole
        passage = f'{highlight(c.passage, 0, len(c.passage))} <span class="rag-meta">({t("metadata", lang)})</span>'
    elif scan and scan.low:
        passage = _with_low(c.passage, c.start - c.passage_start, c.end - c.passage_start,
                            {i - c.passage_start for i in scan.low}, lang)
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
        f'<div class="rag-meta">{meta} {_link(c.url, c.path, lang)}{_timeline(timeline, lang)}</div>'
        f'<blockquote class="rag-passage">{passage}</blockquote>{_scan(scan, lang)}{also}{full}</div>'
    )


def _scan(scan: ScanRegion | None, lang: str) -> str:
    """The scanned region under the passage, and what OCR says of it."""
    if scan is None:
        return ""
    how = escape(t("ocr_read", lang, confidence=f"{scan.confidence:.0%}", page=scan.page))
    if scan.low:
        how += " · " + escape(t("ocr_low", lang, n=len(scan.low)))
    if not scan.image:
        return f'<div class="rag-scan rag-meta">{how} · {escape(t("scan_" + scan.note, lang))}</div>'
    data = base64.b64encode(scan.image).decode("ascii")
    return (f'<figure class="rag-scan"><img src="data:image/jpeg;base64,{data}" alt="{escape(t("ocr_alt", lang))}">'
            f'<figcaption class="rag-meta">{how}</figcaption></figure>')


def _with_low(text: str, start: int, end: int, low: set[int], lang: str) -> str:
    """``text`` with ``[start, end)`` in <mark> and each low-confidence character underlined."""
    title = escape(t("ocr_low_char", lang), quote=True)

    def run(a: int, b: int) -> str:
        out, i = [], a
        while i < b:
            j = i
            flag = i in low
            while j < b and (j in low) == flag:
                j += 1
            seg = escape(text[i:j])
            out.append(f'<u class="rag-lowconf" title="{title}">{seg}</u>' if flag else seg)
            i = j
        return "".join(out)

    if not (0 <= start <= end <= len(text)):
        return run(0, len(text))
    return f"{run(0, start)}<mark>{run(start, end)}</mark>{run(end, len(text))}"


def _timeline(question: str, lang: str) -> str:
    """The card's "timeline" action: a link the page's script turns into asking ``question``, which its
    title carries (the chat's sanitiser keeps ``title``, not ``data-`` attributes) and shows on hover."""
    if not question:
        return ""
    return (f' · <a href="#" class="rag-timeline" title="{escape(question, quote=True)}">'
            f'{t("timeline_action", lang)}</a>')


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


def _how(how: str, lang: str) -> str:
    """rag.dates' English 'how' in the page's language."""
    if not how or how == "as written":
        return t("date_how_as_written", lang)
    if "publication day" in how:
        return t("date_how_published", lang, day=how.rsplit(" ", 1)[-1])
    if "earlier in the article" in how:
        said = how.replace(" earlier in the article", "").rsplit(" ", 1)[-1]
        return t("date_how_earlier", lang, said=said)
    return how


def render_dates(answer: Answer, lang: str = "zh-CN") -> str:
    """The chip naming the publication range read from the question's date words ("" when none)."""
    d = answer.dates
    if d is None:
        return ""
    if d.start and d.end:
        span = t("dates_range", lang, start=d.start, end=d.end)
    elif d.start:
        span = t("dates_from", lang, start=d.start)
    else:
        span = t("dates_to", lang, end=d.end)
    return (f'<div class="rag-dates"><span class="rag-chip">'
            f'{escape(t("dates_chip", lang, range=span, words=d.text, today=d.today))}</span>'
            f' <span class="rag-meta">{escape(t("dates_remove", lang))}</span></div>')


def _item(n: int, c: Citation, lang: str, timeline: bool) -> str:
    card = render_citation(n, c, None, lang)
    if timeline and c.event_date:
        when = escape(t("event_date", lang, value=c.event_date, how=_how(c.event_how, lang)))
        card = card.replace("<blockquote", f'<div class="rag-meta rag-event">{when}</div><blockquote', 1)
    return card


def _counted(answer: Answer, lang: str) -> dict[str, str]:
    """What a list or count counted, in the page's language: the publication range and the words."""
    start, end = answer.published
    if start and end:
        where = t("counted_range", lang, start=start, end=end)
    elif start or end:
        where = t("counted_from" if start else "counted_to", lang, start=start, end=end)
    else:
        where = ""
    words = t("counted_words", lang, words=t("counted_and", lang).join(answer.words))
    return {"range": where, "words": words}


def render_many(answer: Answer, lang: str = "zh-CN") -> str:
    """A list, count or timeline answer: what was found or counted, then one card per story."""
    chip = render_dates(answer, lang)
    if not answer.found:
        if answer.words:
            why = t("many_none_words", lang, **_counted(answer, lang))
        elif answer.reason == "not_answered":
            why = t("many_no_subject", lang)
        else:
            why = t("many_none", lang, message=answer.message)
        return f'<div class="rag-notfound">{escape(why)}</div>{chip}'
    shown = len(answer.items)
    counted = t("counted", lang, **_counted(answer, lang)) if answer.words else answer.counted
    head = t(f"many_{answer.kind}", lang, total=answer.total, shown=shown, counted=counted)
    more = (f'<div class="rag-meta">{escape(t("many_more", lang, more=answer.total - shown))}</div>'
            if answer.total > shown else "")
    cards = "".join(_item(i, c, lang, answer.kind == "timeline") for i, c in enumerate(answer.items, 1))
    where = (f'<div class="rag-meta rag-archive">{escape(t("answered_from", lang, name=answer.archive))}</div>'
             if answer.archive else "")
    return (f'<div class="rag-answer rag-many rag-{answer.kind}"><div class="rag-quote">{escape(head)}</div>'
            f'{where}{chip}{cards}{more}</div>')


def render_answer(answer: Answer, articles: dict[str, str] | None = None, lang: str = "zh-CN", *,
                  cards: bool = True, timelines: dict[str, str] | None = None,
                  scans: list[ScanRegion | None] | None = None) -> str:
    """The chat reply: the quote (short answer in bold), then the citation cards (``cards=False``:
    the quote alone, shown while the cards are made); a list, count or timeline answer as
    ``render_many`` draws it."""
    if answer.kind != "sentence":
        return render_many(answer, lang)
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
    timelines = timelines or {}
    scans = scans or [None] * len(answer.citations)
    html_cards = "".join(render_citation(i, c, articles.get(c.path), lang, timelines.get(c.path, ""), scan)
                         for i, (c, scan) in enumerate(zip(answer.citations, scans), 1)) if cards else ""
    short = ""
    if answer.short:
        when = ""
        if answer.short.date and answer.short.date not in answer.short.text:
            when = escape(t("short_date", lang, value=answer.short.date, how=_how(answer.short.date_how, lang)))
        short = (f'<div class="rag-short">{t("short_answer", lang)}<strong>{escape(answer.short.text)}</strong>'
                 f'{when}</div>')
    note = f'<div class="rag-meta">{escape(answer.message)}</div>' if answer.message else ""
    if answer.archive:
        note += f'<div class="rag-meta rag-archive">{escape(t("answered_from", lang, name=answer.archive))}</div>'
    if answer.alternatives:
        rows = "".join(
            f'<li><span class="rag-meta">{escape((a.citation.date or "")[:10])} · '
            f'{escape(a.citation.source or a.citation.site or Path(a.citation.path).name)}</span> '
            f'<strong>{escape(a.short)}</strong> — {escape(a.text)}</li>' for a in answer.alternatives)
        note += f'<div class="rag-alternatives">{escape(t("alternatives", lang))}<ol>{rows}</ol></div>'
    return (f'<div class="rag-answer"><div class="rag-quote">{quote} <sup>[1]</sup></div>{short}'
            f'{render_dates(answer, lang)}{note}{html_cards}</div>')
