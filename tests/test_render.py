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
