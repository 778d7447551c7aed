"""short_answer and follow-up handling on sentences written for these tests."""

import pytest

from rag.answer import followup_terms
from rag.span import short_answer

CASES = [
    ("检察院共派出多少股调查组？", "检察院共派出3股调查组，分赴各地开展工作。", "3股"),
    ("谁获得了本年度优秀检察官称号？", "经过评选，约翰·史密斯获得了本年度优秀检察官称号。", "约翰·史密斯"),
    ("为什么会议推迟举行？", "由于天气原因，会议推迟举行。", "由于天气原因"),
    ("这座大楼有多高？", "这座大楼高达320米，是全市最高建筑。", "320米"),
    ("谁主持了会议？", "市检察院检察长张建国主持了会议。", "张建国"),
    ("会议是什么时候召开的？", "2023年5月8日上午，市检察院召开全体干警大会。", "2023年5月8日上午"),
    ("巡視工作的根本任務是什麼？", "巡视工作的根本任务是“两个维护”。", "两个维护"),
]


@pytest.mark.parametrize("question,sentence,expected", CASES)
def test_short_answer_spans(question, sentence, expected):
    short = short_answer(question, sentence, 100)
    assert short is not None and short.text == expected
    assert sentence[short.start - 100 : short.end - 100] == expected


def test_no_short_answer_for_statements():
    assert short_answer("请介绍一下会议情况", "会议在北京召开。", 0) is None


def test_followups_borrow_terms_only_when_needed():
    assert followup_terms("他还强调了什么？", ["中央第七督导组组长是谁？"])
    assert "督导" in followup_terms("他还强调了什么？", ["中央第七督导组组长是谁？"])
    assert followup_terms("中央巡视工作领导小组授权最高检党组对多少个省级检察院党组开展巡视？", ["巡视"]) == []
    assert followup_terms("他说了什么？", []) == []
