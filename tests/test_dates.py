"""Dates in questions (rag.dates.read_dates) and in articles (resolve_in_article).

The phrasings and their expected ranges are in tests/date_phrasings.tsv, written by hand; each is read
as typed and in an OpenCC s2twp (Taiwan) copy.
"""
from pathlib import Path

import opencc
import pytest

from rag.dates import read_dates, resolve_in_article

_TSV = Path(__file__).with_name("date_phrasings.tsv")


def _rows():
    for line in _TSV.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            yield tuple(line.split("\t"))


ROWS = list(_rows())
_TW = opencc.OpenCC("s2twp")


def test_enough_phrasings():
    assert len(ROWS) >= 80


@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_phrasings_read_right(script):
    wrong = []
    for question, today, start, end in ROWS:
        q = question if script == "simplified" else _TW.convert(question)
        got = read_dates(q, today)
        seen = ("none", "none") if got is None else (got.start or "-", got.end or "-")
        if seen != (start, end):
            wrong.append((q, today, seen, (start, end)))
    assert len(wrong) <= 0.05 * len(ROWS), wrong


def test_span_points_into_the_question_as_typed():
    q = "上個月關於颱風的報道有幾篇？"
    got = read_dates(q, "2023-08-20")
    assert q[got.span[0]:got.span[1]] == got.text == "上個月"
    assert got.relative and got.today == "2023-08-20"


def test_calendar_dates_are_not_relative():
    assert not read_dates("2023年8月的报道", "2024-01-01").relative
    assert read_dates("近三个月的报道", "2024-01-01").relative


def test_bad_today_names_the_value():
    with pytest.raises(ValueError, match="2023/08/20"):
        read_dates("上个月的报道", "2023/08/20")


ARTICLE = [  # (text, words, publication day, expected value)
    ("会议于27日晚在北京召开。", "27日晚", "2023-08-28", "2023-08-27"),
    ("29日，检察院发布通报。", "29日", "2023-08-02", "2023-07-29"),
    ("昨天下午，暴雨袭击了城区。", "昨天", "2023-08-01", "2023-07-31"),
    ("前天，代表团抵达。", "前天", "2023-08-01", "2023-07-30"),
    ("今天上午，发布会举行。", "今天", "2023-08-01", "2023-08-01"),
    ("8月26日，代表团抵达。次日上午会见了市长。", "次日", "2023-08-30", "2023-08-27"),
    ("8月26日，代表团抵达。当天下午参观了工厂。", "当天", "2023-08-30", "2023-08-26"),
    ("7月3日起开展整治。同月，省里召开会议。", "同月", "2023-08-30", "2023-07"),
    ("上周五，法院宣判。", "上周五", "2023-08-16", "2023-08-11"),
    ("今年3月，该院成立专班。", "今年3月", "2023-08-16", "2023-03"),
    ("去年12月5日，案件移送起诉。", "去年12月5日", "2023-08-16", "2022-12-05"),
    ("12月30日，项目开工。", "12月30日", "2024-01-03", "2023-12-30"),
    ("2022年5月4日，他被任命为检察长。", "2022年5月4日", "2023-08-16", "2022-05-04"),
    ("三十日上午，会议闭幕。", "三十日", "2023-07-31", "2023-07-30"),
]


@pytest.mark.parametrize("script", ["simplified", "traditional"])
@pytest.mark.parametrize("text,words,published,value", ARTICLE)
def test_dates_in_articles(script, text, words, published, value):
    if script == "traditional":
        text, words = _TW.convert(text), _TW.convert(words)
    start = text.index(words)
    got = resolve_in_article(text, start, start + len(words), published)
    assert got is not None and got.value == value, got
    assert got.how


def test_no_date_no_publication_day():
    assert resolve_in_article("他说了很多话。", 0, 3, "2023-08-01") is None
    assert resolve_in_article("昨天下午开会。", 0, 2, None) is None
