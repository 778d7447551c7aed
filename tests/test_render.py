import pytest

from rag.records import Answer, Citation, Hit, ShortAnswer
from ui.render import highlight, render_answer, render_citation


def _citation(passage="前文。<script>alert(1)</script>答案句。后文。", sentence="答案句。"):
    p_start = 100
    s = passage.index(sentence)
    return Citation(path="/a/x.txt", title="标题<b>", date="2024-03-02", source="最高人民检察院",
                    url="https://example.org/a?b=1&c=2", sentence=sentence, start=p_start + s,
                    end=p_start + s + len(sentence), passage=passage, passage_start=p_start,
                    passage_end=p_start + len(passage))


def test_highlight_escapes_every_segment():
    out = highlight("a<b>c<img onerror=x>d", 1, 4)
    assert out == "a<mark>&lt;b&gt;</mark>c&lt;img onerror=x&gt;d"


def test_highlight_marks_exact_offsets_and_inner_span():
    assert highlight("一二三四五", 1, 4, inner=(2, 3)) == "一<mark>二<strong>三</strong>四</mark>五"


def test_citation_card_has_link_meta_and_marked_sentence():
    html = render_citation(1, _citation())
    assert "<mark>答案句。</mark>" in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert 'href="https://example.org/a?b=1&amp;c=2"' in html
    assert "2024-03-02" in html and "最高人民检察院" in html and "标题&lt;b&gt;" in html


def test_whole_article_is_folded_and_marked():
    c = _citation()
    article = "x" * 100 + c.passage
    html = render_citation(1, c, article)
    assert "<details" in html and html.count("<mark>答案句。</mark>") == 2


def test_whole_article_opens_at_the_highlighted_paragraph():
    c = _citation()
    article = "第一段<b>。\n" + "x" * (100 - 8) + c.passage
    html = render_citation(1, c, article, lang="en")
    earlier = html.index("earlier text")
    assert html.index("第一段&lt;b&gt;") > earlier and html.rindex("<mark>") > html.index("第一段")


def test_not_found_answer_offers_related_passages():
    hit = Hit(path="/a/y.txt", title="相关", date=None, source=None, url=None, text="<i>近似</i>", start=0, end=5, score=0.1)
    html = render_answer(Answer(question="q", found=False, text="", related=(hit,), message="不在档案中"), lang="en")
    assert "Not in the archive" in html and "&lt;i&gt;近似" in html


def test_not_found_reason_speaks_the_pages_language():
    from rag.records import NOT_FOUND_REASONS

    english = "The archive does not seem to answer this question; the closest passages are listed."
    answer = Answer(question="q", found=False, text="", message=english, reason="not_answered")
    assert "档案似乎没有回答这个问题" in render_answer(answer) and english not in render_answer(answer)
    assert "檔案似乎沒有回答這個問題" in render_answer(answer, lang="zh-TW")
    assert english in render_answer(answer, lang="en")
    for reason in NOT_FOUND_REASONS:  # every reason the library gives has the page's words
        html = render_answer(Answer(question="q", found=False, text="", message="x", reason=reason))
        assert "x</div>" not in html


def test_short_answer_is_emphasised_inside_the_quote():
    c = _citation()
    answer = Answer(question="q", found=True, text=c.sentence, citations=(c,),
                    short=ShortAnswer("答案", c.start, c.start + 2))
    html = render_answer(answer)
    assert "<strong>答案</strong>句。" in html


def test_card_shows_the_day_and_the_site_when_no_source():
    from ui.render import render_citation

    c = Citation(path="/a.txt", title="T", date="2019-07-03 09:22:50", source=None, url=None, sentence="句。",
                 start=0, end=2, passage="句。", passage_start=0, passage_end=2, site="职场范文网")
    html = render_citation(1, c, lang="en")
    assert "2019-07-03 ·" in html and "09:22" not in html and "职场范文网 (site)" in html


def test_cards_speak_the_readers_language():
    from ui.i18n import lang_of

    answer = Answer(question="q", found=False, text="", message="")
    assert "档案中没有找到答案" in render_answer(answer)  # simplified Chinese by default
    assert "檔案中沒有找到答案" in render_answer(answer, lang="zh-TW")
    assert "Not in the archive" in render_answer(answer, lang="en")
    assert lang_of("en-US,en;q=0.9") == "en" and lang_of("zh-TW,zh;q=0.8") == "zh-TW"
    assert lang_of("zh-HK") == "zh-TW" and lang_of("zh-CN,en;q=0.5") == "zh-CN"
    assert lang_of("fr-FR,fr;q=0.9") == "zh-CN" and lang_of(None) == "zh-CN"


def _dated_range():
    from rag.records import DateRange

    return DateRange(start="2023-07-01", end="2023-07-31", text="上个月", span=(0, 3), relative=True,
                     today="2023-08-20")


def test_dates_chip_names_range_words_and_day():
    import dataclasses

    a = Answer(question="上个月<x>的报道", found=True, text="答案句。", citations=(_citation(),),
               dates=_dated_range())
    html = render_answer(a)
    assert "按发布时间 2023-07-01 至 2023-07-31" in html and "上个月" in html and "2023-08-20" in html
    assert "发布时间" not in render_answer(dataclasses.replace(a, dates=None))
    assert "Published 2023-07-01 to 2023-07-31" in render_answer(a, lang="en")


def test_list_answer_cards_each_story_and_says_how_many_more():
    items = tuple(_citation() for _ in range(3))
    a = Answer(question="关于巡视的报道有哪些？", found=True, text="5 stories", citations=items[:1], kind="list",
               items=items, total=5, counted="articles whose title or text holds 巡视")
    html = render_answer(a)
    assert html.count('class="rag-card"') == 3
    assert "共找到 5 篇" in html and "另有 2 篇未列出" in html
    assert "<script>" not in html


def test_count_answer_says_what_it_counted():
    a = Answer(question="8月关于台风的报道有几篇？", found=True, text="1 story", citations=(_citation(),), kind="count",
               items=(_citation(),), total=1, counted="articles published 2023-08-01 to 2023-08-31 whose title or "
               "text holds 台风<b>", dates=_dated_range())
    html = render_answer(a, lang="zh-TW")
    assert "共 1 篇" in html and "台风&lt;b&gt;" in html and "2023-07-01" in html


def test_count_basis_is_written_in_the_pages_language():
    a = Answer(question="8月关于台风的报道有几篇？", found=True, text="1 story", citations=(_citation(),), kind="count",
               items=(_citation(),), total=1, counted="articles published 2023-08-01 to 2023-08-31 whose title or "
               "text holds 台风 + 登陆", words=("台风", "登陆<b>"), published=("2023-08-01", "2023-08-31"))
    zh = render_answer(a)
    assert "发布于 2023-08-01 至 2023-08-31、标题或正文含“台风”和“登陆&lt;b&gt;”的报道" in zh
    assert "articles published" not in zh  # no English on a Chinese page
    tw = render_answer(a, lang="zh-TW")
    assert "發布於 2023-08-01 至 2023-08-31" in tw and "“台风”和“登陆&lt;b&gt;”" in tw  # the words as asked
    assert "articles published 2023-08-01 to 2023-08-31 whose title or text holds 台风 + 登陆" in render_answer(a, lang="en")
    none = Answer(question="去年关于台风的报道", found=False, text="", kind="list", reason="no_match",
                  message="No article published from 2022-01-01 holds 台风", words=("台风",), published=("2022-01-01", ""))
    assert "档案中没有发布于 2022-01-01 当天及以后、标题或正文含“台风”的报道" in render_answer(none)
    vague = Answer(question="有哪些报道？", found=False, text="", kind="list", reason="not_answered",
                   message="Say what the reports should be about (for example 关于巡视的报道有哪些).")
    assert "请说明要找哪方面的报道" in render_answer(vague) and "Say what" not in render_answer(vague)


def test_traditional_page_says_fa_bu_for_published():
    from ui.i18n import t

    assert "發布" in t("dates_chip", "zh-TW", range="x", words="8月", today="2023-08-20")
    assert "釋出" not in t("alternatives", "zh-TW")


def test_timeline_items_show_the_event_day():
    import dataclasses

    c = dataclasses.replace(_citation(), event_date="2023-08-27", event_how="against the publication day 2023-08-28")
    a = Answer(question="经过是怎样的？", found=True, text="1 story", citations=(c,), kind="timeline", items=(c,), total=1)
    html = render_answer(a)
    assert "事件日期 2023-08-27" in html and "按发布日期 2023-08-28 推算" in html


def test_when_short_answer_shows_the_absolute_day():
    c = _citation()
    short = ShortAnswer(text="答案", start=c.start, end=c.start + 2, by="reader", date="2023-08-27",
                        date_how="against the publication day 2023-08-28")
    html = render_answer(Answer(question="哪天？", found=True, text="答案句。", citations=(c,), short=short))
    assert "即 2023-08-27" in html


def test_many_not_found_shows_its_message():
    a = Answer(question="去年关于台风的报道", found=False, text="", kind="list", reason="no_match",
               message="No article published 2022-01-01 to 2022-12-31 holds 台风<i>")
    html = render_answer(a)
    assert "台风&lt;i&gt;" in html and "rag-notfound" in html


def test_alternatives_listed_with_day_and_source():
    from rag.records import Alternative

    c = _citation()
    alts = (Alternative("死亡33人。", "33人", c), Alternative("死亡20人<b>。", "20人", c))
    html = render_answer(Answer(question="多少人？", found=True, text="答案句。", citations=(c,), alternatives=alts))
    assert "各报道说法不一" in html and html.count("<li>") == 2
    assert "2024-03-02" in html and "死亡20人<b>" not in html and "死亡20人&lt;b&gt;。" in html


def test_a_cards_timeline_action_carries_its_question_escaped():
    html = render_citation(1, _citation(), timeline='台风"x"<b>的经过')
    assert 'class="rag-timeline"' in html and 'title="台风&quot;x&quot;&lt;b&gt;的经过"' in html
    assert "rag-timeline" not in render_citation(1, _citation())


@pytest.mark.slow
def test_examples_fit_the_archive(seed_index, tmp_path):
    """The seed questions on the sample archive; an archive they do not fit gets questions about its own
    subjects, named by the titles of several of its stories."""
    import rag
    from rag.library import Library
    from ui.examples import SEED_EXAMPLES, examples_for

    assert examples_for(Library({"seeds": seed_index})) == SEED_EXAMPLES
    src = tmp_path / "storms"
    src.mkdir()
    for i, (title, body) in enumerate([("台风杜苏芮登陆福建", "台风杜苏芮28日上午在福建晋江沿海登陆。"),
                                       ("台风杜苏芮残余环流影响华北", "受台风杜苏芮残余环流影响，华北出现强降雨。"),
                                       ("北京暴雨致道路积水", "北京遭遇特大暴雨，多条道路积水。")]):
        (src / f"{i}.txt").write_text(f"{title}\n发布时间：2023-07-2{i}\n{body}\n", encoding="utf-8")
    storms = rag.build_index(src, tmp_path / "idx")
    offered = examples_for(Library({"storms": storms}))
    assert "关于台风的报道有哪些？" in offered or "关于杜苏芮的报道有哪些？" in offered
    assert not set(offered) & set(SEED_EXAMPLES[:4])  # no question about 巡视 on an archive of storms
