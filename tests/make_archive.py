"""Make a test archive from the seeds: re-encoded copies, an HTML page, a repost, bad files.

Run it directly to look at the result: ``python tests/make_archive.py /tmp/archive``.
"""

from __future__ import annotations

import re
import sys
from html import escape
from pathlib import Path

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed(name_prefix: str) -> str:
    return next(SEEDS.glob(f"{name_prefix}_*.txt")).read_text(encoding="utf-8")


def _body(text: str, first: str, last: str) -> str:
    """The lines of a seed from the line starting with ``first`` to the one starting with ``last``."""
    lines = text.splitlines()
    a = next(i for i, ln in enumerate(lines) if ln.strip().startswith(first))
    b = next(i for i, ln in enumerate(lines) if ln.strip().startswith(last))
    return "\n".join(lines[a : b + 1])


def make_archive(dest: Path, *, huge_bytes: int = 3_000_000) -> dict[str, Path]:
    """Write the test archive under ``dest``; return its files by role."""
    dest.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def put(role: str, name: str, data: bytes) -> None:
        path = dest / name
        path.write_bytes(data)
        files[role] = path

    put("gbk", "gbk_000.txt", seed("000").encode("gb18030"))
    put("big5", "big5_002.txt", _big5(seed("002")))
    put("utf16", "utf16_001.txt", seed("001").encode("utf-16"))
    put("utf8bom", "bom_004.txt", seed("004").encode("utf-8-sig"))

    body = _body(seed("001"), "最高检党组会传达学习", "会议还研究了其他事项")
    paragraphs = "".join(f"<p>{escape(p.strip())}</p>\n" for p in body.splitlines() if p.strip())
    html = f"""<!DOCTYPE html>
<html><head><meta charset="gbk"><title>巡视利剑作用_最高检_检察新闻网</title>
<meta name="description" content="最高检党组会传达学习全国巡视工作会议精神"></head>
<body><div class="nav"><a href="/">首页</a> | <a href="/news">新闻</a> | <a href="/about">关于我们</a></div>
<div class="crumb">当前位置：首页 &gt; 检察新闻 &gt; 正文</div>
<div class="article"><h1>最高检：发挥系统内巡视利剑作用</h1>
<div class="info">发布时间：2024年4月16日 10:30 来源：最高人民检察院 作者：佚名</div>
{paragraphs}<p>原文链接：https://www.spp.gov.cn/dj/xwjj/202404/t20240416_651948.shtml</p></div>
<div class="footer">版权所有 检察新闻网 京ICP备12345678号 联系电话：010-12345678</div>
<script>var x = "<img onerror=alert(1)>";</script></body></html>"""
    put("html", "page_001.html", html.encode("gb18030"))

    repost_body = _body(seed("000"), "3月1日", "会议还研究了其他事项")
    repost = (
        "法治在线网\n首页 | 要闻 | 反腐\n当前位置：首页 > 要闻\n"
        "最高检部署加强检察机关组织工作和机关党建\n"
        "发布日期：2024-03-04 来源：检察日报 作者：本报记者 王晓\n"
        f"{repost_body}\n"
        "上一篇：无\n下一篇：无\n版权所有 法治在线网 未经授权禁止转载\n"
    )
    put("repost", "repost_000.txt", repost.encode("utf-8"))

    put("empty", "empty.txt", b"")
    put("blank", "blank.txt", " \n\t\n\u3000\n".encode("utf-8"))
    put("binary", "binary.txt", bytes(range(256)) * 40)
    put("unsupported", "data.xlsx", b"PK\x03\x04 not really a spreadsheet")
    put("corrupt_docx", "broken.docx", b"this is not a zip file at all")
    put("nav_only", "nav.txt", "首页 > 新闻\n上一篇\n下一篇\n版权所有 某某网\n".encode("utf-8"))
    put("huge", "huge.txt", ("很长的文件。" * (huge_bytes // 18 + 1)).encode("utf-8"))
    loop = dest / "sub"
    loop.mkdir(exist_ok=True)
    if not (loop / "back").exists():
        (loop / "back").symlink_to(dest, target_is_directory=True)  # a symlink loop
    files["loop"] = loop / "back"
    return files


def _big5(text: str) -> bytes:
    """Big5 bytes of ``text``. A Big5 page cannot hold tone-marked pinyin, so the
    glosses go first; the seed's few characters outside Big5 are dropped."""
    text = re.sub(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]+\)", "", text)
    return "".join(ch for ch in text if _in_big5(ch)).encode("big5")


def _in_big5(ch: str) -> bool:
    try:
        ch.encode("big5")
        return True
    except UnicodeEncodeError:
        return False


if __name__ == "__main__":
    out = make_archive(Path(sys.argv[1] if len(sys.argv) > 1 else "test-archive"))
    for role, path in out.items():
        print(f"{role:14} {path}")
