"""Ingest on the seeds and on a test archive generated from them (tests/make_archive.py)."""

from pathlib import Path

import pytest

from make_archive import make_archive
from rag.ingest import discover, load_documents
from rag.ingest.clean import clean, is_boilerplate, strip_pinyin
from rag.ingest.dedup import original_first, repost_groups
from rag.ingest.metadata import normalise_date, parse_date_line, parse_meta_line
from rag.ingest.read import RawText, decode_bytes

SEED_META = {
    "000": ("最高检党组会研究部署进一步加强检察机关组织工作和机关党建等工作", "2024-03-02",
            "最高人民检察院", "https://www.spp.gov.cn/tt/202403/t20240301_646823.shtml"),
    "001": ("最高检:发挥系统内巡视作用推动全面从严治检向纵深发展", "2024-05-26", "最高人民检察院",
            "https://www.spp.gov.cn/dj/xwjj/202404/t20240416_651948.shtml"),
    "002": ("最高檢要求:全鏈條落實檢察機關黨建工作責任制(2020年檢察機關黨建工作要點)", None, None, None),
    "003": ("发挥党建政治优势 带动检察工作发展", "2019-07-03 09:22:50", None, None),
    "004": ("中央第七督导组听取浙江省检察队伍教育整顿工作汇报", "2021-09-26", None, None),
}
BOILERPLATE = ["当前所在", "当前位置", "免责声明", "版权所有", "联系电话", "欢迎来到", "下一页", "猜你想看",
               "相关文章", "字号", "备案号", "政讯通中心", "【摘要】", "客服QQ", "发布时间", "原文链接"]


@pytest.fixture(scope="module")
def seed_docs(seeds_dir):
    files, skipped = discover([seeds_dir], max_files=100)
    loaded = load_documents(files, max_file_bytes=10_000_000)
    assert not skipped and not loaded.skipped
    return {Path(d.path).name[:3]: d for d in loaded.documents}


@pytest.mark.parametrize("key", sorted(SEED_META))
def test_seed_metadata_exact(seed_docs, key):
    d = seed_docs[key]
    assert (d.title, d.date, d.source, d.url) == SEED_META[key]
    assert d.author is None  # 佚名 or empty is not an author


@pytest.mark.parametrize("key", sorted(SEED_META))
def test_seed_boilerplate_removed(seed_docs, key):
    for phrase in BOILERPLATE:
        assert phrase not in seed_docs[key].text, phrase


def test_seed_bodies_kept_whole(seed_docs):
    assert seed_docs["000"].text.startswith("最高检党组会研究部署进一步加强检察机关组织工作和机关党建等工作\u2002应勇强调")
    assert seed_docs["000"].text.endswith("会议还研究了其他事项。")
    assert "巡视工作的根本任务是‘两个维护’。”" in seed_docs["001"].text
    assert seed_docs["003"].text.startswith("我市检察机关近年来走过了一段不平凡的历程")
    assert seed_docs["003"].text.endswith("是我们解放思想、统一思想的必然结果,是实现")
    assert seed_docs["004"].text.startswith("浙江检察网杭州讯 9月15日上午")


def test_pinyin_glosses_removed(seed_docs):
    text = seed_docs["002"].text
    assert "檢察機關" in text and "(jī)" not in text and "(guān)" not in text
    assert strip_pinyin("機(jī)關(guān)和(AI)與(2020)") == "機關和(AI)與(2020)"


def test_meta_line_parsing():
    m = parse_meta_line("发布时间:2024-03-02 来源: 中华人民共和国最高人民检察院 作者:佚名")
    assert (m.date, m.source, m.author) == ("2024-03-02", "最高人民检察院", None)  # one source, not two
    m = parse_meta_line("时间:2021-09-26  作者:  新闻来源: 【字号: | |")
    assert (m.date, m.source, m.author) == ("2021-09-26", None, None)
    assert parse_meta_line("会议指出，来源于群众的意见要认真听取。") is None
    assert normalise_date("2024年3月2日 9:05") == ("2024-03-02", "09:05")


def test_traditional_labels_and_a_date_before_the_label():
    # labels are read in their simplified form: 發佈日期 is 发布日期, 來源 is 来源
    m = parse_meta_line("發佈日期：2022年3月1日　來源：廉政公署")
    assert (m.date, m.source) == ("2022-03-01", "廉政公署")
    # an info line that opens with the date, then a label (a common page layout)
    m = parse_meta_line("[2024-01-15 10:20] 来源：清风网 作者：张三")
    assert (m.date, m.time, m.source, m.author) == ("2024-01-15", "10:20", "清风网", "张三")
    assert parse_meta_line("2024年1月5日，他说来源：不明的消息不可信。") is None  # a sentence, not an info line
    assert parse_meta_line("2024年3月5日　星期二　来源：检察日报　第1版").source == "检察日报"  # a wide gap ends it
    # the headline above an unfamiliar-looking label line stays the headline
    lines = ("廉政教育月活動啟動", "發佈日期：2022年3月1日", "來源：廉政公署",
             "廉政公署於三月一日啟動廉政教育月，共有三百名公務員參加首場講座。")
    doc = clean(RawText(lines, "big5", "text", {}), path="big5.txt")
    assert (doc.title, doc.date, doc.source) == ("廉政教育月活動啟動", "2022-03-01", "廉政公署")
    assert doc.text == lines[3]


def test_short_article_under_its_info_line_drops_the_navigation_above():
    # paragraphs shorter than a "paragraph-like" line: the body is still what follows the info line
    lines = ("首页", "|", "新闻中心", "|", "登录", "市纪委监委通报典型案例", "2024-01-15 来源：清风网",
             "近日，市纪委监委对三起问题进行通报。", "其中，张某违规收受礼金共计2.3万元。")
    doc = clean(RawText(lines, "utf-8", "html", {"title": "市纪委监委通报典型案例"}), path="case.html")
    assert (doc.date, doc.source) == ("2024-01-15", "清风网")
    assert doc.text.splitlines() == list(lines[7:])
    # the same short article with its info line at the bottom keeps its text too
    below = lines[5:6] + lines[7:] + lines[6:7]
    doc = clean(RawText(below, "utf-8", "text", {}), path="below.txt")
    assert doc.text.splitlines() == list(lines[7:]) and doc.source == "清风网"


def test_footer_lines_in_either_script_are_chrome():
    for line in ("（责任编辑：刘洋）", "主办：某县纪委监委 地址：某县人民路1号 技术支持：某公司", "共2页 第1页 下一页",
                 "上一頁", "【關閉窗口】", "免責聲明：本網轉載內容僅供參考"):
        assert is_boilerplate(line), line
    for line in ("主办方表示，会议将于明年举行。", "江苏检察机关去年起诉职务犯罪1024人", "第三页的内容是附件。"):
        assert not is_boilerplate(line), line


def test_page_title_with_a_site_tail_gives_way_to_the_headline_on_the_page():
    lines = ("首页", "检务公开", "区检察院开展送法进校园活动", "发布日期：2023-10-10 浏览次数：88",
             "10月9日，区检察院检察官走进实验中学，为800余名师生上了一堂法治课。")
    doc = clean(RawText(lines, "utf-8", "html", {"title": "区检察院开展送法进校园活动-某区检察院"}), path="br.html")
    assert (doc.title, doc.date, doc.text) == ("区检察院开展送法进校园活动", "2023-10-10", lines[4])
    # no such line on the page: the title as the page gives it (its tail cut only where it names a site)
    doc = clean(RawText(lines[3:], "utf-8", "html", {"title": "区检察院开展送法进校园活动-某区检察院"}), path="b.html")
    assert doc.title == "区检察院开展送法进校园活动-某区检察院"


def test_bare_dateline_under_the_headline():
    assert parse_date_line("2025-04-02 10:00 星期三").date == "2025-04-02"
    assert parse_date_line("（2023年1月2日）").date == "2023-01-02"
    assert parse_date_line("2024年10月5日，台北舉辦活動") is None  # a sentence that starts with a date
    lines = ("成都市召开基层党建工作推进会", "2025年4月2日",
             "4月1日，成都市召开基层党建工作推进会，市委组织部部长出席并讲话，会议指出要抓好基层。")
    doc = clean(RawText(lines, "utf-8", "text", {}), path="cd.txt")
    assert (doc.title, doc.date) == ("成都市召开基层党建工作推进会", "2025-04-02")
    assert doc.text.startswith("4月1日") and "2025年4月2日" not in doc.text
    # the date line may come first; it is still not the headline
    doc = clean(RawText(lines[1:2] + lines[:1] + lines[2:], "utf-8", "text", {}), path="cd2.txt")
    assert (doc.title, doc.date) == ("成都市召开基层党建工作推进会", "2025-04-02")
    # a labelled date wins over a date in the body, and a body line that is only a date stays far down
    labelled = ("某地召开会议", "发布时间：2024-01-02", "正文第一段，说明了会议的内容和要求，很长很长。")
    assert clean(RawText(labelled, "utf-8", "text", {}), path="x.txt").date == "2024-01-02"


def test_metadata_line_below_the_article_keeps_the_body():
    # trafilatura sometimes returns a page's breadcrumb and info line after the article text
    lines = ("本报讯（记者 周文）5月19日，南京市人民检察院举办检察开放日活动，邀请60余名代表走进检察机关。",
             "活动中，代表们参观了12309检察服务中心和案件管理中心，观看了检察工作宣传片。",
             "第1页 第2页 下一页", "您现在的位置：首页 > 检察动态", "时间：2025年5月20日 来源：南京检察网 浏览次数：1234")
    doc = clean(RawText(lines, "gb18030", "html", {"title": "南京市检察院开展检察开放日活动"}), path="nj.html")
    assert (doc.date, doc.source) == ("2025-05-20", "南京检察网")
    assert doc.text.splitlines() == list(lines[:2])


def test_markdown_marks_are_not_text(tmp_path):
    from rag.ingest.read import read_file

    (tmp_path / "a.md").write_text("# 扬州市纪委监委开展警示教育\n\n> 2025年6月3日\n\n- 参观廉政教育基地。\n1. 观看警示片。\n", "utf-8")
    lines = [ln for ln in read_file(tmp_path / "a.md", max_bytes=10_000).lines if ln]
    assert lines == ["扬州市纪委监委开展警示教育", "2025年6月3日", "参观廉政教育基地。", "观看警示片。"]


def test_markup_left_in_a_text_file_is_not_text(tmp_path):
    from rag.ingest.read import read_file

    (tmp_path / "a.txt").write_text('会议强调<br/>要从严治检&nbsp;&amp;依法履职。<p class="x">第二段<span>内容</span>。</p>'
                                    "不等式 a<b 与 AT&T 保持原样。", "utf-8")
    lines = [ln.strip() for ln in read_file(tmp_path / "a.txt", max_bytes=10_000).lines if ln.strip()]
    assert lines == ["会议强调", "要从严治检\xa0&依法履职。", "第二段内容。", "不等式 a<b 与 AT&T 保持原样。"]


def test_original_copy_is_cited_first():
    from rag.records import Document

    def doc(path, title, date, source):
        return Document(path=path, title=title, date=date, source=source, author=None, url=None, text="正文",
                        site=None, content_hash="")

    copies = [doc("b.txt", "转载：会议召开", "2024-03-01", "乙报"), doc("c.txt", "会议召开", "2024-03-04", "丙网"),
              doc("a.txt", "会议召开", "2024-03-02", None), doc("d.txt", "会议召开", None, "丁报")]
    assert [copies[i].path for i in original_first(copies)] == ["a.txt", "c.txt", "d.txt", "b.txt"]


def test_decode_bytes_encodings():
    text = "最高人民检察院召开党组会，研究部署检察机关组织工作。" * 3
    assert decode_bytes(text.encode("gb18030")) == (text, "gb18030")
    assert decode_bytes(text.encode("utf-16"))[0] == text
    trad = "最高人民檢察院召開黨組會，研究部署檢察機關黨的建設。" * 3
    decoded, enc = decode_bytes(trad.encode("big5"))
    assert decoded == trad and enc in ("big5", "big5hkscs", "cp950")
    # A page that declares GB2312 but holds GBK-only characters still decodes.
    assert decode_bytes("镕基".encode("gbk") * 10, declared="gb2312")[0] == "镕基" * 10


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("archive")
    files = make_archive(root, huge_bytes=3_000_000)
    found, skipped = discover([root], max_files=100)
    loaded = load_documents(found, max_file_bytes=2_000_000)
    docs = {Path(d.path).name: d for d in loaded.documents}
    reasons = {Path(s.path).name: s.reason for s in list(skipped) + list(loaded.skipped)}
    return files, docs, reasons


def test_archive_every_bad_file_reported(archive):
    _, _, reasons = archive
    assert "empty" in reasons["empty.txt"]
    assert "no article text" in reasons["blank.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "unsupported file type '.xlsx'" in reasons["data.xlsx"]
    assert "not a readable .docx" in reasons["broken.docx"]
    assert "over the limit" in reasons["huge.txt"]
    assert "no article text" in reasons["nav.txt"]
    assert "symlink loop" in reasons["back"]


def test_archive_reencoded_copies_match_seeds(archive, seed_docs):
    _, docs, _ = archive
    assert docs["gbk_000.txt"].text == seed_docs["000"].text
    assert docs["utf16_001.txt"].text == seed_docs["001"].text
    assert docs["bom_004.txt"].text == seed_docs["004"].text
    assert docs["big5_002.txt"].title == SEED_META["002"][0]
    assert "\ufffd" not in "".join(d.text for d in docs.values())


def test_archive_html_page(archive):
    _, docs, _ = archive
    d = docs["page_001.html"]
    assert (d.title, d.date, d.source) == ("最高检：发挥系统内巡视利剑作用", "2024-04-16 10:30", "最高人民检察院")
    assert d.url == "https://www.spp.gov.cn/dj/xwjj/202404/t20240416_651948.shtml"
    assert "巡视工作的根本任务是‘两个维护’" in d.text
    for phrase in ("当前位置", "版权所有", "ICP", "关于我们", "onerror"):
        assert phrase not in d.text


def test_archive_repost_metadata_and_grouping(archive):
    _, docs, _ = archive
    d = docs["repost_000.txt"]
    assert (d.title, d.date, d.source, d.author) == ("最高检部署加强检察机关组织工作和机关党建", "2024-03-04", "检察日报", "本报记者 王晓")
    assert "上一篇" not in d.text and "未经授权" not in d.text
    names = sorted(docs)
    groups = repost_groups([docs[n].text for n in names])
    named = sorted(sorted(names[i] for i in g) for g in groups)
    assert ["gbk_000.txt", "repost_000.txt"] in named
    assert ["page_001.html", "utf16_001.txt"] in named


def _tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with Latin text lines (Helvetica), written by hand."""
    ops = " ".join(f"BT /F1 12 Tf 72 {720 - 20 * i} Td ({t}) Tj ET" for i, t in enumerate(lines))
    objs = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(ops)} >>\nstream\n{ops}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_docx_tables_are_read_in_place(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("市检察院召开党组会议", level=1)
    d.add_paragraph("6月3日，市检察院召开党组会议，传达学习全国检察长会议精神。检察长周强主持会议并讲话。")
    table = d.add_table(rows=2, cols=3)
    for c, text in enumerate(("项目", "数量", "备注")):
        table.cell(0, c).text = text
    table.cell(1, 0).text = "起诉人数"
    table.cell(1, 1).merge(table.cell(1, 2)).text = "356人"  # a merged cell is read once
    d.add_paragraph("会议要求，全院干警要把学习成果转化为实际行动。")  # short, after the table
    d.save(tmp_path / "t.docx")
    doc = load_documents([tmp_path / "t.docx"], max_file_bytes=10_000_000).documents[0]
    assert doc.text.splitlines() == ["6月3日，市检察院召开党组会议，传达学习全国检察长会议精神。检察长周强主持会议并讲话。",
                                     "项目　数量　备注", "起诉人数　356人", "会议要求，全院干警要把学习成果转化为实际行动。"]


def test_docx_and_pdf_are_read(tmp_path):
    import docx

    d = docx.Document()
    d.core_properties.title = "检察机关召开党建工作会议"
    d.add_paragraph("检察机关召开党建工作会议")
    d.add_paragraph("发布时间：2024-05-01 来源：检察日报")
    d.add_paragraph("会议强调，要以高质量党建引领高质效检察履职，切实把党的领导贯彻到检察工作全过程。")
    d.save(tmp_path / "a.docx")
    (tmp_path / "b.pdf").write_bytes(_tiny_pdf(["Procuratorate news", "The procuratorate held a meeting on discipline work today."]))
    loaded = load_documents([tmp_path / "a.docx", tmp_path / "b.pdf"], max_file_bytes=10_000_000)
    assert not loaded.skipped
    docs = {Path(x.path).suffix: x for x in loaded.documents}
    assert (docs[".docx"].title, docs[".docx"].date, docs[".docx"].source) == ("检察机关召开党建工作会议", "2024-05-01", "检察日报")
    assert docs[".docx"].text == "会议强调，要以高质量党建引领高质效检察履职，切实把党的领导贯彻到检察工作全过程。"
    assert docs[".pdf"].title == "Procuratorate news"
    assert "held a meeting on discipline work" in docs[".pdf"].text


def test_one_paragraph_item_mentioning_a_phone_number_is_kept(tmp_path):
    """A news item that is one long paragraph is not chrome because it says 联系电话 or ©."""
    from rag.ingest import load_documents

    body = ("市民服务热线今天正式开通，市民可以拨打热线反映生活中遇到的问题。" * 4
            + "联系电话：12345。欢迎广大市民积极参与，共同建设美好家园。")
    p = tmp_path / "item.txt"
    p.write_text(f"发布时间：2023-07-11\n{body}\n", encoding="utf-8")
    loaded = load_documents([p], max_file_bytes=10**6)
    assert not loaded.skipped and loaded.documents[0].text == body
    footer = tmp_path / "footer.txt"  # a short footer line still goes
    footer.write_text(f"发布时间：2023-07-11\n{body.replace('联系电话：12345。', '')}\n联系电话：010-12345678\n",
                      encoding="utf-8")
    assert "010-12345678" not in load_documents([footer], max_file_bytes=10**6).documents[0].text
