"""Compare HTML main-content extractors on Chinese news pages generated from the seeds.

Each seed article is rendered into three page layouts (a plain article page; a
portal page with a navigation bar, a sidebar of linked headlines, a "related
articles" list and a comment section; an old table layout with <br>-separated
paragraphs). For each extractor we measure, over all pages:

- recall: the share of the article's sentences found in the extracted text,
- precision: the share of extracted characters that belong to article sentences.

Extractors: trafilatura alone, the line-density extractor alone, and the
pipeline the project uses (trafilatura, density fallback, then rag's cleaning).

Usage: python bench/html_extraction.py [--json]
"""

from __future__ import annotations

import argparse
import json
from html import escape
from pathlib import Path

from lxml import html as lxml_html

from rag.ingest import discover, load_documents
from rag.ingest.clean import clean
from rag.ingest.html import density_lines, trafilatura_lines
from rag.ingest.read import RawText
from rag.text import split_sentences

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
HEADLINES = [f"{p}检察院召开{t}工作会议部署下一阶段重点任务" for p in ("北京市", "上海市", "广东省", "浙江省", "江苏省")
             for t in ("公益诉讼", "未成年人检察", "刑事执行")]


def _paras(text: str, tag: str = "p") -> str:
    return "".join(f"<{tag}>{escape(p)}</{tag}>\n" for p in text.split("\n") if p.strip())


def render(layout: str, title: str, date: str, body: str) -> str:
    nav = "".join(f'<a href="/c{i}">{n}</a> ' for i, n in enumerate(["首页", "要闻", "检察动态", "党建", "反腐", "视频", "专题"]))
    side = "".join(f'<li><a href="/n{i}">{escape(h)}</a></li>' for i, h in enumerate(HEADLINES))
    info = f"<div class='info'>发布时间：{date} 来源：检察新闻网</div>"
    if layout == "plain":
        return (f"<html><head><meta charset='utf-8'><title>{escape(title)}</title></head><body>"
                f"<h1>{escape(title)}</h1>{info}<div class='content'>{_paras(body)}</div>"
                f"<div class='footer'>版权所有 检察新闻网</div></body></html>")
    if layout == "portal":
        comments = "".join(f"<div class='comment'><span>网友{i}</span><p>这篇报道写得很好，值得认真学习，支持检察机关的工作！</p></div>"
                           for i in range(6))
        return (f"<html><head><meta charset='utf-8'><title>{escape(title)}_检察新闻网</title></head><body>"
                f"<div class='nav'>{nav}</div><div class='crumb'>当前位置：首页 &gt; 要闻</div>"
                f"<div class='main'><div class='article'><h1>{escape(title)}</h1>{info}{_paras(body)}</div>"
                f"<div class='related'><h3>相关文章</h3><ul>{side}</ul></div>"
                f"<div class='comments'><h3>网友评论</h3>{comments}</div></div>"
                f"<div class='sidebar'><h3>热点新闻</h3><ul>{side}</ul></div>"
                f"<div class='footer'>版权所有 检察新闻网 京ICP备12345678号</div></body></html>")
    body_br = "<br>".join(escape(p) for p in body.split("\n") if p.strip())
    return (f"<html><head><meta charset='utf-8'><title>{escape(title)}</title></head><body><table>"
            f"<tr><td colspan=2>{nav}</td></tr><tr><td class='side'><ul>{side}</ul></td>"
            f"<td><b>{escape(title)}</b><br>发布时间：{date}<br>{body_br}</td></tr>"
            f"<tr><td colspan=2>版权所有 检察新闻网</td></tr></table></body></html>")


def score(extracted: str, sentences: list[str]) -> tuple[int, int, int, int]:
    """(sentences found, sentences, article characters extracted, characters extracted)."""
    flat = "".join(extracted.split())
    found = [s for s in sentences if "".join(s.split()) in flat]
    inside = sum(len("".join(s.split())) for s in found)
    return len(found), len(sentences), min(inside, len(flat)), len(flat)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    files, _ = discover([SEEDS], max_files=1000)
    docs = load_documents(files, max_file_bytes=10_000_000).documents
    totals: dict[str, list[int]] = {}
    for doc in docs:
        sentences = [doc.text[s:e] for s, e in split_sentences(doc.text)]
        for layout in ("plain", "portal", "table"):
            page = render(layout, doc.title or "", (doc.date or "2024-01-01")[:10], doc.text)
            traf, meta = trafilatura_lines(page)
            dens = density_lines(lxml_html.fromstring(page))
            lines = traf if sum(map(len, traf)) >= 50 else dens
            piped = clean(RawText(tuple(lines), "utf-8", "html", meta), path="x.html").text
            for name, text in (("trafilatura", "\n".join(traf)), ("line-density", "\n".join(dens)),
                               ("pipeline (trafilatura + fallback + clean)", piped)):
                t = totals.setdefault(f"{name}", [0, 0, 0, 0])
                for i, v in enumerate(score(text, sentences)):
                    t[i] += v
    results = {name: {"recall": f / n, "precision": a / max(1, c)} for name, (f, n, a, c) in totals.items()}
    if args.json:
        print(json.dumps(results, indent=1))
        return
    print(f"{len(docs)} articles x 3 layouts")
    print(f"{'extractor':44} {'recall':>7} {'precision':>9}")
    for name, r in results.items():
        print(f"{name:44} {r['recall']:7.3f} {r['precision']:9.3f}")


if __name__ == "__main__":
    main()
