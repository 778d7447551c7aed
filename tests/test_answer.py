"""short_answer and follow-up handling on sentences written for these tests."""

import pytest

from rag.answer import read_question
from rag.answer.passages import ASIDE as _ASIDE
from rag.conversation import resolve
from rag.records import Turn
from rag.span import short_answer

CASES = [
    ("检察院共派出多少股调查组？", "检察院共派出3股调查组，分赴各地开展工作。", "3股"),
    ("谁获得了本年度优秀检察官称号？", "经过评选，约翰·史密斯获得了本年度优秀检察官称号。", "约翰·史密斯"),
    ("为什么会议推迟举行？", "由于天气原因，会议推迟举行。", "由于天气原因"),
    ("这座大楼有多高？", "这座大楼高达320米，是全市最高建筑。", "320米"),
    ("谁主持了会议？", "市检察院检察长张建国主持了会议。", "张建国"),
    ("会议是什么时候召开的？", "2023年5月8日上午，市检察院召开全体干警大会。", "2023年5月8日上午"),
    ("巡視工作的根本任務是什麼？", "巡视工作的根本任务是“两个维护”。", "两个维护"),
    # ranges, separators and fractions are one quantity; a year the question names is not the answer
    ("这座桥长多少米？", "大桥全长1,200至1,500米，横跨两岸。", "1,200至1,500米"),
    ("2020年全市共有多少名检察官？", "2020年，全市共有检察官356名。", "356名"),
    ("辖区内有多少比例的村庄完成了整改？", "截至年底，辖区内四分之三的村庄完成了整改。", "四分之三"),
    # the unit the question counts in picks the quantity; an ordinal for 第几; the month of a date is no count
    ("他在几岁时退休？", "他在该院任职3年后，于68岁时退休。", "68岁"),
    ("该院的办案质量在全省排名第几？", "2022年，该院办案质量在全省18个地市中排名第三。", "第三"),
    ("專案組共抓獲多少名嫌疑人？", "專案組出動警力120人，共抓獲嫌疑人24名。", "24名"),
    # a when-question asking for a year prefers a year to a century
    ("这座寺庙在哪一年重建？", "寺庙始建于5世纪，毁于战火，1986年重建。", "1986年"),
    # which-questions: the asked-for noun says what kind of name answers
    ("会议在哪一座城市举行？", "5月8日，会议在杭州市举行，来自各地的代表参加。", "杭州市"),
    ("哪一位检察官获得了表彰？", "在大会上，市检察院检察官李明获得了表彰。", "李明"),
    ("会议由哪个单位主办？", "本次会议由最高人民检察院主办，各省检察院协办。", "最高人民检察院"),
    # no interrogative: the answer follows the question's last word
    ("这起案件的主审法官是？", "这起案件的主审法官是王立新。", "王立新"),
    # a description: what follows the asked-for noun, up to the clause end
    ("这项制度有什么特点？", "该制度的特点是程序简便、成本低廉，深受群众欢迎。", "程序简便、成本低廉"),
    # a definition: the span that only repeats the subject gives way to what the sentence says of it
    ("什么是简易程序？", "简易程序，指事实清楚的案件适用的快速审理方式。", "指事实清楚的案件适用的快速审理方式"),
    # the question lists some items of the sentence's enumeration and asks for the other one
    ("巡视组除了财务科、人事科，还检查了哪一个科室？", "巡视组先后检查了财务科、人事科和审计科的账目。", "审计科"),
    ("专项行动由市检察院和哪个单位联合开展？", "专项行动由市检察院与市公安局联合开展。", "市公安局"),
    # the asked-for noun after a describing clause; a time noun wants a period; an unnamed organisation by its suffix
    ("哪一部由检察机关制定的文件规范了听证程序？", "2020年，检察机关制定的《人民检察院审查案件听证工作规定》规范了听证程序。", "《人民检察院审查案件听证工作规定》"),
    ("这种制度起源于哪一个朝代？", "据史料记载，这种制度起源于宋代，后来逐渐完善。", "宋代"),
    ("哪一个组织发起了这项倡议？", "这项倡议由全国律师协会发起，得到广泛响应。", "全国律师协会"),
    # what the sentence calls the term a definition question asks about
    ("什么是认罪认罚从宽？", "犯罪嫌疑人自愿如实供述罪行并接受处罚的，可以依法从宽处理，称为认罪认罚从宽。",
     "犯罪嫌疑人自愿如实供述罪行并接受处罚的，可以依法从宽处理"),
    # why: the clause before the one that draws the result; the X of 以X为由
    ("为什么该项目被叫停？", "资金长期不到位，因此该项目被叫停。", "资金长期不到位"),
    ("他为什么辞去了职务？", "次年，他以身体不适为由辞去了职务。", "身体不适"),
    # a transliterated name is held together by its middle dots, even when jieba does not tag it
    ("谁第一个完成了这次横渡？", "据报道，1903年罗尔德·阿蒙森第一个完成了这次横渡。", "罗尔德·阿蒙森"),
    # X的N是什么: what follows the noun N in the sentence
    ("这种化合物的分子式是什么？", "该化合物由乙酸衍生而来，分子式为C2H5NO，易溶于水。", "C2H5NO"),
    # 部署了什么工作: the particle 了 is not in the statement; the answer runs to the 工作 that closes the clause
    ("党组会研究部署了什么工作？", "会议研究部署加强机关党的建设、推进信访工作法治化等工作。",
     "加强机关党的建设、推进信访工作法治化等"),
    # how many people: counted in 名 or 位 as well; the day of a date (10月4日) is not a count; traditional script
    ("有多少人參加？", "地檢署於10月4日舉辦宣導活動，共有三百餘名公務員參加。", "三百餘名"),
    ("大会共有多少名代表出席？", "5月6日，大会开幕，出席代表共计312位。", "312位"),
    # the sentence says what *is* the thing the question describes: the answer comes before its 是
    ("负责审查批准逮捕的机关是什么？", "人民检察院是负责审查批准逮捕的国家机关，依法独立行使检察权。", "人民检察院"),
    # a description (什么特点 / 分布在哪些地区) runs to the sentence's end; its restated subject stays
    ("新办案系统有什么特点？", "新办案系统流程简便，数据互通，全程留痕。", "新办案系统流程简便，数据互通，全程留痕"),
    # the asked-for noun followed by a colon introduces the answer
    ("会议提出了哪一句口号？", "会议重申了检察机关的口号：高质效办好每一个案件。", "高质效办好每一个案件"),
    # 其定位为X: the pronoun stands for the sentence's topic, which is the answer
    ("作为市检察院派出机构的单位是什么？", "开发区检察室成立于2019年；其性质是市检察院派出机构的单位。", "开发区检察室"),
    # which country / people: the name of one, often as a modifier; 哪个国王 is not a country question
    ("这部小说的作者是哪国人？", "法国著名作家雨果在流亡期间完成了这部小说。", "法国"),
    # cases are counted in 起/处/例…; 一间 / 一根 is "a", not a count
    ("纪委通报了几起典型案例？", "会议通报了违反中央八项规定精神的三起典型案例。", "三起"),
    ("这家医院有多少年历史？", "这是一间拥有140年历史的医院。", "140年"),
    # where: a place, with the place words that follow it
    ("第一批样本在哪里送检？", "第一批样本于6月3日在河北省石家庄市检验中心送检。", "河北省石家庄市检验中心"),
]


@pytest.mark.parametrize("question,sentence,expected", CASES)
def test_short_answer_spans(question, sentence, expected):
    short = short_answer(question, sentence, 100)
    assert short is not None and short.text == expected
    assert sentence[short.start - 100 : short.end - 100] == expected


def test_clause_when_nothing_is_anchored():
    # the question's words are paraphrased away: the clause that restates it the most answers
    short = short_answer("这部法律的主要内容是什么？", "该法明确了检察机关的职责，并规定了办案程序。", 0)
    assert short is not None and short.text in ("该法明确了检察机关的职责", "并规定了办案程序")


def test_no_short_answer_for_statements():
    assert short_answer("请介绍一下会议情况", "会议在北京召开。", 0) is None


def test_followups_borrow_terms_only_when_needed():
    earlier = [Turn("中央第七督导组组长是谁？", "中央第七督导组组长张勇主持并讲话。", "/a.txt", 10, 27)]
    more = resolve(read_question("他还强调了什么？"), earlier)
    assert more.kind == "more" and "督导" in more.terms and more.avoid == (("/a.txt", 10, 27),)  # no short: the quote
    assert more.articles[0][0] == "/a.txt"
    assert resolve(read_question("中央巡视工作领导小组授权最高检党组对多少个省级检察院党组开展巡视？"),
                   [Turn("巡视")]).kind == "new"
    assert resolve(read_question("他说了什么？"), []).kind == "new"
    assert resolve(read_question("那北京呢？"), earlier).kind == "follow-up"
    assert resolve(read_question("为什么？"), earlier).kind == "follow-up" and resolve(read_question("为什么？"), earlier).avoid == ()


def test_a_question_about_the_article_is_not_what_a_followup_is_about():
    # 这篇报道是哪天发布的？ names no topic: the next follow-up borrows the story question's words
    story = Turn("廉政教育月首场讲座有多少人参加？")
    ctx = resolve(read_question("这篇文章的来源是哪里？"), [story, Turn("这篇报道是哪天发布的？")])
    assert ctx.kind == "follow-up" and "讲座" in ctx.terms and ctx.query.startswith(story.question)


def test_window_coverage_rewards_question_words_close_together():
    from rag.answer.coverage import coverage as _coverage
    from rag.answer.coverage import window_coverage as _window_coverage
    from rag.text import query_terms

    q = query_terms("市检察院办理了多少件公益诉讼案件？")
    idf = dict.fromkeys(q, 1.0)
    close = "今年以来，市检察院办理公益诉讼案件56件，同比上升12%。"
    spread = "市检察院召开会议，部署全年工作，要求各部门加强协作，依法办理各类案件，积极推进公益诉讼。"
    # the same words are present in both sentences ...
    assert _coverage(q, close, idf) == pytest.approx(_coverage(q, spread, idf), abs=0.15)
    # ... but only one says them together
    assert _window_coverage(q, close, idf, 20) > _window_coverage(q, spread, idf, 20) + 0.2
    # title words are given: they count wherever the sentence is
    title = frozenset(query_terms("市检察院"))
    assert _window_coverage(q, spread, idf, 20, title) > _window_coverage(q, spread, idf, 20)


def _sentences(doc_text, scores):
    """The sentence producer's candidates for each sentence of ``doc_text`` with the given scores, best first."""
    from types import SimpleNamespace

    from rag.answer import Candidate
    from rag.text import split_sentences

    spans = split_sentences(doc_text)
    passage = SimpleNamespace(doc_id=0)
    cands = [Candidate(passage, (s, e), "rules", {"sentence_score": score})
             for (s, e), score in zip(spans, scores, strict=True)]
    return sorted(cands, key=lambda c: -c.features["sentence_score"])


def _doc(text):
    from rag.records import Document

    return Document(path="a.txt", title=None, date=None, source=None, author=None, url=None, text=text)


def test_a_close_runner_up_next_door_joins_the_quote():
    from rag.answer.quote import pair_with_rival

    text = "1918年，政府决定将两条河分流至沙漠地区。此举导致流入湖泊的水量大为减少。湖泊随后逐年萎缩。"
    doc = _doc(text)
    # the second sentence restates the question; the first, almost as good, holds the year
    cands = _sentences(text, [0.57, 0.66, 0.30])
    start, end = pair_with_rival(doc, cands[0], cands, 0.1, 100)
    assert text[start:end] == "1918年，政府决定将两条河分流至沙漠地区。此举导致流入湖泊的水量大为减少。"
    # a runner-up far behind, or not adjacent, leaves the best sentence alone
    cands = _sentences(text, [0.40, 0.66, 0.30])
    assert pair_with_rival(doc, cands[0], cands, 0.1, 100) == cands[0].sentence
    cands = _sentences(text, [0.65, 0.30, 0.66])
    assert pair_with_rival(doc, cands[0], cands, 0.1, 100) == cands[0].sentence
    # pair_chars=0 (Config) quotes one sentence only
    cands = _sentences(text, [0.57, 0.66, 0.30])
    assert pair_with_rival(doc, cands[0], cands, 0.1, 0) == cands[0].sentence


def _quote(text, sentence, **kw):
    from rag.answer.quote import stand_alone

    start = text.index(sentence)
    a, b = stand_alone(_doc(text), start, start + len(sentence), **kw)
    return text[a:b]


def test_a_quote_that_points_back_takes_in_the_sentence_before():
    text = "次磷酸可以将碘还原为氢碘酸。因此，次磷酸被列为第一类易制毒化学品。购买需要许可。"
    assert _quote(text, "因此，次磷酸被列为第一类易制毒化学品。") == (
        "次磷酸可以将碘还原为氢碘酸。因此，次磷酸被列为第一类易制毒化学品。")
    # traditional script points back the same way (於是 folds to 于是)
    text = "他在決賽中受傷。於是，他正式結束運動生涯。"
    assert _quote(text, "於是，他正式結束運動生涯。") == text
    # a sentence that stands on its own, or one that opens its paragraph, is quoted alone
    text = "检察院召开会议。会议由检察长主持。"
    assert _quote(text, "会议由检察长主持。") == "会议由检察长主持。"
    text = "第一段到此为止。\n这次会议由检察长主持。"
    assert _quote(text, "这次会议由检察长主持。") == "这次会议由检察长主持。"


def test_a_quote_that_only_introduces_takes_in_what_follows():
    text = "会议提出三点要求：\n一是从严治党，二是依法办案。其他内容从略。"
    assert _quote(text, "会议提出三点要求：") == "会议提出三点要求：\n一是从严治党，二是依法办案。"
    # never longer than max_chars: then the sentence stays alone
    assert _quote(text, "会议提出三点要求：", max_chars=20) == "会议提出三点要求："
    text = "检察机关依法办案。" * 10 + "因此，案件质量明显提升。"
    assert _quote(text, "因此，案件质量明显提升。", max_chars=15) == "因此，案件质量明显提升。"


def test_a_pair_too_long_to_read_as_one_answer_is_not_joined():
    from rag.answer.quote import pair_with_rival

    text = "会议听取了工作报告。" + "与会代表围绕检察工作高质量发展进行了深入讨论，" * 4 + "形成共识。"
    doc = _doc(text)
    cands = _sentences(text, [0.60, 0.62])
    assert pair_with_rival(doc, cands[0], cands, 0.1, 100) == cands[0].sentence


def test_pairing_settings_are_validated():
    from rag.config import Config
    from rag.errors import ConfigError

    assert Config(pair_chars=0).pair_chars == 0
    with pytest.raises(ConfigError, match="pair_gap=-0.1"):
        Config(pair_gap=-0.1)


def test_bracketed_asides_are_never_answer_sentences():
    # bylines, photo credits and editors' notes stand alone in brackets at an article's end
    for aside in ("(檢察日報社 鞏宸宇)", "（记者 张三 通讯员 李四）", "【编者按：本文有删节】", "（图片来源：新华社）"):
        assert _ASIDE.match(aside)
    # an enumeration head or a sentence with a parenthetical is still a sentence
    for sentence in ("（一）坚持党的全面领导。", "会议还研究了其他事项（详见附件）。", "(2020)年度报告发布。"):
        assert not _ASIDE.match(sentence)


def test_a_king_is_not_a_country():
    from rag.span import _NATION

    assert _NATION.search("他是哪国人") and _NATION.search("由哪个国家协助") and _NATION.search("哪一民族的作品")
    assert not _NATION.search("这是哪个国王的雕像") and not _NATION.search("在哪国际机场")


def test_a_date_does_not_answer_a_which_person_question():
    short = short_answer("该决议经过了哪一教宗的认可？", "该决议的最终地位在1927年6月2日得到教宗庇护十一世的认可。", 0)
    assert short is not None and "1927" not in short.text and short.text in "教宗庇护十一世"


def test_reader_spans_lose_edge_spaces_and_unpaired_marks():
    from rag.answer.producers.reader import trim_span as _trim_span

    text = "会议指出，\n“檢察信訪工作”是重要體現。《红楼梦》成书于清代。"
    cut = lambda a, b: text[slice(*_trim_span(text, a, b))]  # noqa: E731
    assert cut(4, 14) == "檢察信訪工作"
    assert cut(text.index("《"), text.index("》") + 1) == "《红楼梦》"
    assert cut(5, 5) == ""
    plain = '授予"基层检察院建设组织工作奖"和"先进集体"'
    cut = lambda a, b: plain[slice(*_trim_span(plain, a, b))]  # noqa: E731
    assert cut(2, 15) == "基层检察院建设组织工作奖"  # an opening straight quote without its close
    assert cut(2, 16) == "基层检察院建设组织工作奖"  # straight quotes around the whole answer
    assert cut(0, len(plain)) == plain  # two pairs: every quote has its partner


def test_who_when_and_how_many_questions_are_read_within_one_clause():
    from rag.answer import read_question

    def _one_clause(q):
        return read_question(q).one_clause

    assert _one_clause("中央第七督导组组长是谁？") and _one_clause("航班於何時開通?")
    assert _one_clause("修水縣境內的鳥類共有幾種?")
    assert not _one_clause("白河镇的特产是什么？")  # a what-question may be a clause or two
    assert not _one_clause("西班牙人的语言使用比例分别是多少？")  # several answers: a list of clauses


def test_the_reader_span_whose_sentence_says_what_was_asked_wins_over_a_surer_one():
    """Two meetings: the reader is surer of the wrong one's date (a larger margin), but only the
    other sentence names the 组织工作 the question asks about, and that coverage decides."""
    from types import SimpleNamespace

    from rag.answer import Scorer, read_question
    from rag.answer.passages import read_passages
    from rag.answer.producers import reader as reader_producer
    from rag.span_choice import HAND
    from rag.reader.features import SpanGuess
    from rag.records import Chunk
    from rag.retrieve import Scored

    texts = ["8月22日，最高检召开党组会，研究部署信访工作。", "3月1日，最高检召开党组会，研究部署组织工作。"]
    docs = [_doc(t) for t in texts]
    chunks = [Chunk(i, 0, len(t), t) for i, t in enumerate(texts)]
    idf = {"组织": 3.0, "组织工作": 3.0, "党组会": 1.0, "召开": 0.5, "信访": 3.0}
    retriever = SimpleNamespace(documents=docs, chunks=chunks,
                                lexical=SimpleNamespace(idf=lambda ts: {t: idf.get(t, 0.1) for t in ts}))

    class Reader:
        simplify = False

        def __init__(self, margins):
            self.margins = margins

        def read(self, question, passages, *, top=1, bf16=False, **_):
            return [SpanGuess(i, 0, p.index("日") + 1, m, 0.0) for i, (p, m) in enumerate(zip(passages, self.margins))]

    scored = [Scored(0, 0.9, 0.5, 0.8), Scored(1, 0.9, 0.5, 0.8)]
    question = read_question("研究部署组织工作的党组会是哪天召开的？", idf=retriever.lexical.idf)
    passages = read_passages(retriever, scored, 2)
    scorer = Scorer(HAND, min_margin=2.0)

    def best(margins):
        return scorer.best_span(reader_producer.candidates(question, passages, reader=Reader(margins), spans=1))

    span, margin = best([11.0, 9.0])
    assert span.short.text == "3月1日" and margin == 9.0 and span.producer == "reader"
    # a much surer reader still wins: coverage is evidence, not a veto
    span, _ = best([20.0, 9.0])
    assert span.short.text == "8月22日"
