"""Questions about an article itself (author, date, source, site, link) are told from questions
about its story, and answered from the metadata line they came from."""

import pytest

from rag.about import asked_field


@pytest.mark.parametrize(("question", "field"), [
    ("这篇报道是谁写的？", "author"),
    ("《检察机关召开党建工作会》的作者是谁？", "author"),
    ("关于系统内巡视的那篇文章是哪天发布的？", "date"),
    ("這篇文章的發佈時間是哪一天？", "date"),
    ("这条消息什么时候发布的？", "date"),
    ("这篇文章的来源是哪里？", "source"),
    ("哪个网站刊登了教育整顿的文章？", "site"),
    ("这篇文章的原文链接是什么？", "url"),
    ("会议由谁主持？", None),
    ("中央第七督导组什么时候听取了汇报？", None),
    ("拓宽问题线索来源是为了什么？", None),
    ("巡视工作的根本任务是什么？", None),
    ("检察院发布了什么文件？", None),
    ("新华社是哪天发布台风预警消息的？", None),  # when another outlet published a thing, not this page's date
    ("该文是哪天刊登这则消息的？", "date"),
])
def test_asked_field(question, field):
    assert asked_field(question) == field


@pytest.mark.slow
def test_metadata_questions_quote_the_metadata_line(seed_index):
    a = seed_index.ask("最高检党组会研究部署组织工作的那篇文章是哪天发布的？")
    assert a.found and a.short.by == "metadata" and a.short.text == "2024-03-02"
    c = a.citations[0]
    assert c.field == "date" and "发布时间" in a.text and a.text[a.short.start:a.short.end] == "2024-03-02"
    assert c.path.endswith("000_020bbd73dfb7382b.txt") and c.sentence == a.text
    link = seed_index.ask("发挥系统内巡视作用那篇报道的原文链接是什么？")
    assert link.short.text == "https://www.spp.gov.cn/dj/xwjj/202404/t20240416_651948.shtml"
    assert link.text.startswith("原文链接")
    site = seed_index.ask("发挥党建政治优势带动检察工作发展这篇文章是哪个网站的？")
    assert site.short.text == "职场范文网" and "版权所有" in site.text
    source = seed_index.ask("最高检党组会研究部署组织工作的文章来源是哪里？")
    assert source.short.text == "最高人民检察院" and source.citations[0].field == "source"
    # the article does not name an author: the metadata path steps aside
    none = seed_index.ask("中央第七督导组听取浙江省检察队伍教育整顿工作汇报这篇报道的作者是谁？")
    assert none.short is None or none.short.by != "metadata"
    # an article that is not in the archive is not answered from another article's metadata
    other = seed_index.ask("《人工智能芯片出口管制新规》这篇文章是哪天发布的？")
    assert not (other.found and other.short and other.short.by == "metadata")


def test_a_traditional_date_line_is_quoted_as_it_stands():
    from rag.about import field_value, metadata_line
    from rag.records import Document

    lines = ("來源：廉政公署", "發佈時間：2022年3月1日")
    doc = Document(path="/a.txt", title="廉政教育月活動啟動", date="2022-03-01", source="廉政公署", author=None, url=None,
                   text="廉政公署於三月一日啟動廉政教育月。", meta_lines=lines)
    line, a, b = metadata_line(doc, "date", field_value(doc, "date"))
    assert line == "發佈時間：2022年3月1日" and line[a:b] == "2022年3月1日"  # the file's line, not a made-up one
