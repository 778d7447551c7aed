"""End-to-end: our own questions about each seed, in both scripts, against the real model.

The questions were written for these tests from the seed articles; none comes from
an evaluation file. Each names the seed that answers it and words the answer must
contain (compared after script folding).
"""

import pytest

from rag.text import fold

pytestmark = pytest.mark.slow

QUESTIONS = [
    ("000", "最高检研究部署组织工作和机关党建的党组会是哪天召开的？", "3月1日"),
    ("000", "检察教育培训是建设高素质检察队伍的什么工程？", "先导性、基础性、战略性工程"),
    ("000", "机关党建的根本保证是什么？", "机关党的建设是机关建设的根本保证"),
    ("000", "最高检要深化哪些地区的检察院改革？", "铁路、林区、垦区、矿区检察院改革"),
    ("001", "巡视工作的根本任务是什么？", "两个维护"),
    ("001", "中央巡视工作领导小组授权最高检党组对多少个省级检察院党组开展巡视？", "32个省级检察院"),
    ("001", "系统内巡视要坚持什么巡视工作方针？", "发现问题、形成震慑,推动改革、促进发展"),
    ("001", "领导干部要认真学习哪个条例？", "《中国共产党纪律处分条例》"),
    ("002", "检察机关是党绝对领导下的什么机关？", "政治机关、法律监督机关和司法机关"),
    ("002", "检察信访工作是检察机关践行什么的重要体现？", "群众路线"),
    ("002", "研究部署以检察履职推进信访工作法治化的党组会是哪天召开的？", "8月22日"),
    ("002", "驻院纪检监察组要履行好什么责任？", "监督责任"),
    ("003", "党建工作与检察工作是什么关系？", "纲\"与\"目\"的关系"),
    ("003", "做好检察工作的关键在哪里？", "关键也在党"),
    ("003", "思想建设和组织建设像什么？", "两个门栓"),
    ("004", "中央第七督导组组长是谁？", "张勇"),
    ("004", "浙江省检察院党组书记、检察长是谁？", "贾宇"),
    ("004", "浙江省检察院队伍教育整顿工作汇报会是什么时候召开的？", "9月15日上午"),
    ("004", "查纠整改环节有什么特点？", "时间紧、任务重、要求高"),
]
SHORT = [
    ("中央第七督导组组长是谁？", "张勇"),
    ("系统内巡视由谁牵头？", "最高检党组"),
    ("巡视工作的根本任务是什么？", "两个维护"),
    ("中央巡视工作领导小组授权最高检党组对多少个省级检察院党组开展巡视？", "32个"),
    ("浙江省检察院队伍教育整顿工作汇报会是什么时候召开的？", "9月15日上午"),
]
# Close in topic to the seeds, but not answered by them.
NOT_COVERED = [
    "最高检如何开展未成年人检察工作？",
    "上海市检察院今年办理了多少起电信诈骗案件？",
    "公益诉讼检察在生态环境保护方面取得了哪些成效？",
    "最高检对网络暴力犯罪案件提出了什么指导意见？",
    "欧洲杯足球赛冠军是谁？",
]


def _s2t(text):
    import opencc

    return opencc.OpenCC("s2t").convert(text)


# Known misses of the trained reader (issue #16): it prefers a span in another article's passage.
# (seed, script, a word of the question) the shipped reader answers with another sentence (issue #16)
READER_MISSES: dict[tuple[str, str, str], str] = {
    # Retrieval ranks seed 000 first (fused 0.91 against 0.84 for 002) but the reader's margin for
    # 002's "8月22日,…召开党组会,…研究部署加强检察机关党的建设" beats 000's 3月1日 meeting by more than
    # that lead is worth; the simplified question's lead (1.00 against 0.51) is enough. Back since
    # passages are embedded by the ONNX int8 graph (f084d31), which narrowed the traditional lead.
    ("000", "traditional", "哪天"): "the reader prefers seed 002's 8月22日 meeting",
}
# ("004", *, "特点") were misses (the sentence that says 职能特点) until the third training stage.


@pytest.mark.parametrize("script", ["simplified", "traditional"])
@pytest.mark.parametrize("seed,question,expected", QUESTIONS)
def test_own_questions_answered_with_citation(seed_index, seed, question, expected, script, request):
    for (s, sc, word), why in READER_MISSES.items():
        if (s, sc) == (seed, script) and word in question:
            request.applymarker(pytest.mark.xfail(reason=f"{why} (issue #16)", strict=False))
    q = question if script == "simplified" else _s2t(question)
    answer = seed_index.ask(q)
    assert answer.found, (q, answer.confidence)
    c = answer.citations[0]
    assert c.path.rsplit("/", 1)[-1].startswith(seed)
    assert fold(expected).replace("\"", "") in fold(answer.text).replace("\"", "").replace("“", "").replace("”", "")
    doc = seed_index.document(c.path)
    assert doc.text[c.start : c.end] == c.sentence == answer.text
    assert doc.text[c.passage_start : c.passage_end] == c.passage and c.sentence in c.passage
    assert (c.title, c.date, c.source, c.url) == (doc.title, doc.date, doc.source, doc.url)


@pytest.fixture(scope="module")
def rules_index(seed_index):
    import rag

    return rag.open_index(seed_index.folder, config=rag.Config(reader="rules"))


@pytest.mark.parametrize("question,expected", SHORT)
def test_short_answers_by_the_rules(rules_index, question, expected):
    answer = rules_index.ask(question)
    assert answer.short is not None and answer.short.text == expected and answer.short.by == "rules"
    doc = rules_index.document(answer.citations[0].path)
    assert doc.text[answer.short.start : answer.short.end] == expected


def test_short_answers_by_the_reader(seed_index):
    """The reader's spans point into the document and hold the answer; most match it exactly.
    (A quality bar, not a per-question promise: span boundaries are the reader's weak point.)"""
    exact = by_reader = 0
    for question, expected in SHORT:
        answer = seed_index.ask(question)
        assert answer.found and answer.short is not None
        doc = seed_index.document(answer.citations[0].path)
        assert doc.text[answer.short.start : answer.short.end] == answer.short.text
        assert answer.short.text in answer.text  # the quote holds the span
        exact += answer.short.text == expected
        # below its minimum margin over "no answer" (reader_min_margin) the rules answer instead
        by_reader += answer.short.by == "reader" or (answer.short.by == "rules" and answer.reader_margin is not None
                                                     and answer.reader_margin < seed_index.config.reader_min_margin)
    assert exact >= 3 and by_reader == len(SHORT)


@pytest.mark.parametrize("question", NOT_COVERED)
def test_questions_outside_the_archive_abstain(seed_index, question):
    answer = seed_index.ask(question)
    assert not answer.found
    assert answer.text == "" and answer.citations == ()
    assert answer.message and answer.related


def test_follow_up_uses_history(seed_index):
    first = "系统内巡视由谁牵头？"
    answer = seed_index.ask("要注重发挥什么优势？", history=[first])
    assert answer.found and "检地协调配合优势" in answer.text
    answer = seed_index.ask("他还强调了什么？", history=["中央第七督导组组长是谁？"])
    assert answer.found and answer.citations[0].path.rsplit("/", 1)[-1].startswith("004")


def test_search_returns_one_hit_per_document(seed_index):
    hits = seed_index.search("巡视工作的根本任务", k=5)
    assert hits[0].path.rsplit("/", 1)[-1].startswith("001")
    assert len({h.path for h in hits}) == len(hits) == 5
    assert all(h.score >= n.score for h, n in zip(hits, hits[1:]))
    doc = seed_index.document(hits[0].path)
    assert doc.text[hits[0].start : hits[0].end] == hits[0].text


def test_filters_narrow_retrieval(seed_index):
    hits = seed_index.search("巡视工作的根本任务", k=5, date_from="2021-01-01", date_to="2021-12-31")
    assert [h.date for h in hits] == ["2021-09-26"]
    hits = seed_index.search("党组会", k=5, sources=["最高人民检察院"])
    assert {h.source for h in hits} == {"最高人民检察院"}
