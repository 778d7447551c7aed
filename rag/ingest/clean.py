"""Stage 2: decoded lines -> a cleaned ``Document``.

Scraped pages wrap the article in site chrome: navigation and breadcrumbs above,
disclaimers, copyright and contact footers, pagination and "related articles" lists
below, widgets (【字号】) in between. The article body is found as the run of
paragraph-like lines; chrome patterns are removed around it, and inside it only
when a line is short, so a body sentence is never dropped for mentioning 版权.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

from rag.ingest.metadata import Meta, merge, normalise_date, parse_date_line, parse_meta_line
from rag.ingest.read import RawText
from rag.records import Document
from rag.text import simplified_aligned

__all__ = ["clean", "strip_pinyin", "is_boilerplate", "body_lines"]

# Tone-marked pinyin in parentheses glued after a Han character: 機(jī)關(guān) -> 機關.
# A tone mark is required so that real parentheticals such as (AI) or (2020) stay.
_TONED = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
_PINYIN = re.compile(
    r"(?<=[\u3400-\u9fff])[(（]\s*(?=[a-zü" + _TONED + r"\s]*[" + _TONED + r"])[a-zü" + _TONED + r"]{1,6}(?:\s+[a-zü" + _TONED + r"]{1,6}){0,3}\s*[)）]"
)

_BOILERPLATE = re.compile(
    r"^(?:当前位置|当前所在|您的位置|你的位置|您现在的位置|现在位置|所在位置)\s*[:：]"
    r"|^首页\s*[>›»\-]|欢迎(?:来到|访问|光临)"
    r"|免责声明|版权(?:所有|归|声明)|copyright|©|\bicp\b|icp备|备案号|公网安备|京公网"
    r"|联系电话|监督电话|举报电话|联系我们|客服\s*qq|通联\s*qq|^邮箱|^e-?mail|办公区\s*[:：]|主办\s*[|｜]|主管\s*$"
    r"|本站部分信息|本网部分转载|转载请注明|仅供学习交流|不承担任何(?:保证)?责任|不代表本(?:站|网)观点"
    r"|上一篇|下一篇|上一页|下一页|尾页|^\d+\s*/\s*\d+\s*(?:\d|$)"
    r"|猜你(?:想看|喜欢)|^相关(?:文章|阅读|新闻|链接|推荐|报导)|^推荐阅读|^热门(?:文章|推荐|新闻)|^延伸阅读"
    r"|打印本页|关闭窗口|^分享到|【\s*字号|【\s*打印|【\s*关闭|扫一扫|^返回(?:顶部|首页|列表)"
    r"|^[（(]?\s*(?:责任编辑|编辑)\s*[:：]|^(?:主办|承办|协办)(?:单位)?\s*[:：]|技术支持\s*[:：]"
    r"|^共\s*\d+\s*页|^第\s*\d+\s*页\s*$",
    re.I,
)
_SENTENCE_END = re.compile(r"[。！？!?…”」』）)]$")
_TEASER_LABEL = re.compile(r"^\s*(?:【\s*(?:摘要|导读|导语|内容提要)\s*】|(?:摘要|导读|导语|内容提要)\s*[:：])\s*[:：]?\s*")
_SITE_PATTERNS = (
    re.compile(r"欢迎(?:来到|访问|光临)\s*([^\s!！,，。]{2,20}?)\s*[!！。]?$"),
    re.compile(r"版权所有\s*[:：]?\s*([^\s|｜,，。©]{2,20})"),
    re.compile(r"^([^\s|｜,，。©]{2,20})\s+\S*\s*版权所有"),
)
_DATELINE_ROWS = 6  # how far from the top a bare date line still counts as the article's date
_TITLE_TAIL = re.compile(r"\s*(?:[_|｜]|\s-\s)\s*[^_|｜]{1,12}$"
                         # …-新华网 / …—人民日报: a dash glued to a site's name
                         r"|\s*[-－—–]+\s*[^-－—–\s]{1,10}(?:网|报|台|在线|频道|新闻|官网|客户端)$")


def _normalise_line(line: str) -> str:
    line = unicodedata.normalize("NFC", line).replace("\u00a0", " ").replace("\u200b", "")
    return _PINYIN.sub("", line).strip(" \t\u3000\r")


def strip_pinyin(text: str) -> str:
    """Remove tone-marked pinyin glosses glued after characters: ``機(jī)關(guān)`` -> ``機關``."""
    return _PINYIN.sub("", text)


@lru_cache(maxsize=1 << 16)
def is_boilerplate(line: str) -> bool:
    """True for a line of site chrome (navigation, footer, disclaimer, pagination, widget), in
    simplified or traditional script (下一頁 reads as 下一页)."""
    return bool(_BOILERPLATE.search(line if line.isascii() else simplified_aligned(line)))


_STOPS = re.compile(r"[。！？!?]")


def _chrome(line: str) -> bool:
    """A chrome line, unless it is a long paragraph of several sentences that merely mentions
    联系电话, 免责声明 or © (a one-paragraph news item was dropped whole for that: 233 of the
    20,000 items of ../shared/news)."""
    long = len(line) >= 300 or (len(line) >= 150 and len(_STOPS.findall(line)) >= 3)
    return is_boilerplate(line) and not long


def _paragraph_like(line: str) -> bool:
    return len(line) >= 40 and ("。" in line or "，" in line or "," in line) and not _chrome(line)


def _prose(line: str) -> bool:
    """A line that reads as a sentence, not as navigation or chrome."""
    return len(line) >= 10 and ("。" in line or bool(_SENTENCE_END.search(line))) and not _chrome(line)


def _prose_chars(lines: Iterable[str]) -> int:
    """Characters in lines that read as sentences: where an article is."""
    return sum(len(line) for line in lines if _prose(line))


def _title_like(line: str, min_chars: int = 4) -> bool:
    return (min_chars <= len(line) <= 90 and not line.endswith("。") and not is_boilerplate(line)
            and parse_meta_line(line) is None and parse_date_line(line) is None)


def _headline_on_page(title: str, lines: list[str]) -> str:
    """The page's own headline line when the <title> is that line plus a tail
    (区检察院开展送法进校园活动-某区检察院 -> 区检察院开展送法进校园活动)."""
    for line in lines[:30]:
        if 4 <= len(line) < len(title) and title.startswith(line) and title[len(line)] in "-_|｜—–·:： ":
            return line
    return title


def _clean_title(title: str) -> str:
    # "标题_栏目" / "标题 - 网站名" / "标题|网站名": scrapers append the section or site.
    stripped = _TITLE_TAIL.sub("", title).strip()
    return stripped if len(stripped) >= 4 else title.strip()


def _find_site(lines: Iterable[str]) -> tuple[str | None, str | None]:
    """The site's name and the line that names it (a footer's 版权所有, a 本站 line)."""
    for line in lines:
        for pat in _SITE_PATTERNS:
            m = pat.search(line)
            if m:
                return m.group(1), line
    return None, None


def _drop_teasers(lines: list[str]) -> list[str]:
    """Drop abstract lines that merely repeat the start of a later paragraph."""
    out = []
    for i, line in enumerate(lines):
        body = _TEASER_LABEL.sub("", line)
        if len(body) >= 15 and any(other != line and other.startswith(body[:60]) for other in lines[i + 1 :]):
            continue
        out.append(line)
    return out


def body_lines(lines: list[str], extra_boilerplate: frozenset[str] = frozenset()) -> list[str]:
    """The article body among ``lines`` (which start after the title and metadata)."""
    def chrome(line: str) -> bool:
        return line in extra_boilerplate or _chrome(line)

    para = [i for i, line in enumerate(lines) if _paragraph_like(line) and line not in extra_boilerplate]
    if not para:
        return [line for line in lines if not chrome(line)]
    first = para[0]
    # the article ends at its last sentence, long or short: a table row or a short line above
    # it is article text, not the link list below
    last = max([para[-1]] + [i for i, line in enumerate(lines) if _prose(line) and line not in extra_boilerplate])
    out = []
    for i, line in enumerate(lines):
        if first <= i <= last:
            if chrome(line) and len(line) < 40:
                continue
        elif chrome(line):
            continue
        elif i > last and not _SENTENCE_END.search(line) and len(line) < 15:
            continue  # short link text below the article: 猜你想看, 相关文章, a site name
        out.append(line)
    return _drop_teasers(out)


def clean(
    raw: RawText,
    *,
    path: str,
    content_hash: str = "",
    extra_boilerplate: frozenset[str] = frozenset(),
) -> Document:
    """Turn the lines of one file into a ``Document`` with metadata and a clean body.

    ``extra_boilerplate`` holds lines learned from the archive itself (lines that
    repeat across many files of one site); they are removed like built-in chrome.
    """
    lines = [ln for ln in (_normalise_line(x) for x in raw.lines) if ln]
    meta = Meta()
    meta_rows: list[int] = []
    for i, line in enumerate(lines):
        m = parse_meta_line(line)
        if m is not None:
            meta = merge(meta, m)
            meta_rows.append(i)
    if meta.date is None:
        # No labelled date: a bare date line near the top (under the headline) is the dateline.
        for i, line in enumerate(lines[:_DATELINE_ROWS]):
            m = parse_date_line(line)
            if m is not None:
                meta = merge(meta, m)
                meta_rows = sorted(meta_rows + [i])
                break
    head_end = meta_rows[0] if meta_rows and meta_rows[0] < 25 else None

    title, title_row = None, None
    if raw.kind == "html" and raw.meta.get("title"):
        title = _headline_on_page(raw.meta["title"], lines)  # <h1>/og:title/<title>, as trafilatura chose it
    elif head_end is not None:
        for i in range(head_end - 1, -1, -1):
            if _title_like(lines[i]) and lines[i] not in extra_boilerplate:
                title, title_row = lines[i], i
                break
    if title is None and raw.kind != "html":
        for i, line in enumerate(lines[:6]):
            # A very short first line (蓍, 牡蒿) is a headline when a paragraph follows it.
            short_ok = i == 0 and len(lines) > 1 and _paragraph_like(lines[1])
            if (_title_like(line, 1 if short_ok else 4) and line not in extra_boilerplate
                    and not _paragraph_like(line)):
                title, title_row = line, i
                break
    if title is None:
        title = raw.meta.get("title") or raw.meta.get("html_title")
    if title:
        title = _clean_title(title)

    start = max([r for r in meta_rows if head_end is not None and r <= head_end + 2] + [title_row if title_row is not None else -1]) + 1
    rest = [line for i, line in enumerate(lines) if i >= start and i not in meta_rows]
    above = [line for i, line in enumerate(lines) if i < start and i != title_row and i not in meta_rows]
    if not any(_paragraph_like(line) for line in rest) and _prose_chars(above) > _prose_chars(rest):
        # The metadata line sits below the article (some extractors and pages put it last):
        # the body is everything but the headline and the metadata lines.
        rest = [line for i, line in enumerate(lines) if i != title_row and i not in meta_rows]
    body = body_lines(rest, extra_boilerplate)

    if raw.meta.get("date") and not meta.date:
        date, time = normalise_date(raw.meta["date"])
        meta = merge(meta, Meta(date=date, time=time))
    if raw.meta.get("url") and not meta.url:
        meta = merge(meta, Meta(url=raw.meta["url"]))
    site, site_line = raw.meta.get("sitename"), None
    if not site:
        site, site_line = _find_site(lines)
    date = f"{meta.date} {meta.time}" if meta.date and meta.time else meta.date
    # the lines the metadata was read from, for answers about the article (who wrote it? when?)
    meta_lines = tuple(lines[i] for i in meta_rows) + ((site_line,) if site_line else ())
    return Document(
        path=path,
        title=title,
        date=date,
        source=meta.source,
        author=meta.author,
        url=meta.url,
        text="\n".join(body),
        site=site,
        content_hash=content_hash,
        meta_lines=meta_lines,
    )
