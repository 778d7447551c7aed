"""Dates in questions, and list / count / timeline answers, on a small dated archive (real model).

The archive is tests/dated_archive.py: its expected sets come from the files' own words and dates, not
from the answers.
"""
from __future__ import annotations

import datetime as dt

import pytest
from dated_archive import FILES, REPOST, TODAY, write

import rag
from rag import Config

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dated(tmp_path_factory):
    src = write(tmp_path_factory.mktemp("dated"))
    index = rag.build_index(src, tmp_path_factory.mktemp("idx") / "dated", config=Config(today=TODAY))
    return index


def _names(items):
    return {c.path.rsplit("/", 1)[-1][:-4] for c in items}


def _expected(word_sets, start, end):
    """Files published in [start, end] holding any of the words (reposts folded to their original)."""
    out = set()
    for name, (day, text) in FILES.items():
        if start <= day <= end and any(w in text for w in word_sets):
            out.add(name)
    return out


def test_list_last_month(dated):
    a = dated.ask("上个月关于台风的报道有哪些？")
    assert a.kind == "list" and a.found
    assert (a.dates.start, a.dates.end, a.dates.text) == ("2023-07-01", "2023-07-31", "上个月")
    assert _names(a.items) == _expected(["台风", "颱風"], "2023-07-01", "2023-07-31")
    for c in a.items:  # each item is a quote of its article
        assert dated.document(c.path).text[c.start:c.end] == c.sentence and "台风" in c.sentence


def test_count_folds_reposts_and_scripts(dated):
    a = dated.ask("8月关于台风的报道有几篇？")
    want = _expected(["台风", "颱風"], "2023-08-01", "2023-08-31")
    assert a.kind == "count" and a.total == len(want) == 3
    got = _names(a.items)
    assert len(got) == 3 and got - {REPOST[0]} <= want  # the repost stands for its story at most once
    assert "台风" in a.counted and "2023-08-01" in a.counted


def test_count_in_traditional_question(dated):
    a = dated.ask("上個月關於颱風的報導有幾篇？")
    assert a.kind == "count" and a.total == len(_expected(["台风"], "2023-07-01", "2023-07-31"))


def test_timeline_in_date_order(dated):
    a = dated.ask("杜苏芮台风的经过是怎样的？")
    assert a.kind == "timeline" and a.found
    days = [(c.event_date or c.date)[:10] for c in a.items]
    assert days == sorted(days)
    assert {"t1", "t2", "t3", "t4"} <= _names(a.items)
    # the revised death toll: both reports, in date order
    tolls = [c.sentence for c in a.items if "死亡" in c.sentence]
    assert len(tolls) == 2 and "20人" in tolls[0] and "33人" in tolls[1]
    first = next(c for c in a.items if _names([c]) == {"t1"})
    assert first.event_date == "2023-07-21"


def test_a_citation_cards_timeline_follows_its_story(dated):
    """The card's "timeline" action asks about the question's words that the cited sentence and other
    reports hold; its answer is the story's timeline, in date order."""
    a = dated.ask("台风杜苏芮在哪里登陆？")
    assert a.found and _names(a.citations) <= {"t2", "t3"}
    asked = dated.timeline_question(a.question, a.citations[0])
    assert asked.endswith("的经过") and "杜苏芮" in asked and "哪里" not in asked
    t = dated.ask(asked)
    assert t.kind == "timeline" and {"t1", "t2", "t3"} <= _names(t.items)
    days = [(c.event_date or c.date)[:10] for c in t.items]
    assert days == sorted(days)
    # a word no other report holds gives no action
    lone = dated.ask("暑期安全教育活动何时启动？")
    assert dated.timeline_question(lone.question, lone.citations[0]) == ""


def test_empty_range_says_what_it_read(dated):
    a = dated.ask("去年关于台风的报道有哪些？")
    assert not a.found and a.kind == "list" and a.reason == "no_match"
    assert "2022-01-01" in a.counted and "台风" in a.message


def test_relative_date_filters_a_sentence_question(dated):
    a = dated.ask("上个月检察院召开了什么会议？")
    assert a.kind == "sentence" and a.dates is not None and a.dates.start == "2023-07-01"
    assert a.found and a.citations[0].date.startswith("2023-07")


def test_question_dates_off_keeps_every_date(dated):
    a = dated.ask("上个月检察院召开了什么会议？", question_dates=False)
    assert a.dates is None


def test_explicit_dates_win(dated):
    a = dated.ask("上个月关于台风的报道有哪些？", date_from="2023-08-01", date_to="2023-08-31")
    assert a.dates is None and a.total == 3
    assert _names(a.items) - {REPOST[0]} <= _expected(["台风", "颱風"], "2023-08-01", "2023-08-31")


def test_no_date_keeps_the_archive(dated):
    a = dated.ask("关于暴雨的报道有哪些？")
    assert a.dates is None and _names(a.items) == {"r1", "r2", "r3"}


def test_when_question_gets_the_absolute_day(dated):
    a = dated.ask("市检察院党组会议是哪天召开的？")
    assert a.found and a.short is not None and "27日" in a.short.text
    assert a.short.date == "2023-07-27" and "2023-07-30" in a.short.date_how


def test_calendar_date_in_a_factoid_question_stays_a_word(dated):
    a = dated.ask("7月28日台风在哪里登陆？")
    assert a.dates is None and a.found and "登陆" in a.text  # the words 7月28日 still match, no filter


def test_today_defaults_to_the_machine_date(tmp_path):
    assert Config().today == "" and dt.date.fromisoformat(Config(today=TODAY).today)
    with pytest.raises(rag.ConfigError, match="today"):
        Config(today="20/08/2023")


def test_cli_prints_the_range_and_the_items(dated):
    from typer.testing import CliRunner

    from rag.cli import app

    out = CliRunner().invoke(app, ["ask", "上个月关于台风的报道有哪些？", "--index", str(dated.folder), "--local",
                                   "--today", TODAY])
    assert out.exit_code == 0, out.output
    assert "published 2023-07-01 to 2023-07-31" in out.output and "3 stories" in out.output
    assert out.output.count("\n[") == 3
    off = CliRunner().invoke(app, ["ask", "上个月关于台风的报道有哪些？", "--index", str(dated.folder), "--local",
                                   "--today", TODAY, "--no-question-dates", "--json"])
    import json

    record = json.loads(off.output)
    assert record["dates"] is None and record["total"] == 6  # every 台风/颱風 story of any date


def test_reports_that_differ_are_all_shown_latest_first(dated):
    a = dated.ask("杜苏芮残余环流造成多少人死亡？")
    assert a.found and a.short is not None
    shorts = [x.short for x in a.alternatives]
    assert any("33" in x for x in shorts) and any("20" in x for x in shorts)
    days = [x.citation.date for x in a.alternatives]
    assert days == sorted(days, reverse=True)
    latest = dated.ask("杜苏芮残余环流最新造成多少人死亡？")
    assert "33" in latest.short.text  # the latest report answers a 最新 question
    first = dated.ask("杜苏芮残余环流最初造成多少人死亡？")
    assert "20" in first.short.text and first.alternatives


def test_one_report_no_alternatives(dated):
    a = dated.ask("市检察院党组会议是哪天召开的？")
    assert a.alternatives == ()


def test_up_to_a_day_takes_the_reports_until_then(dated):
    a = dated.ask("截至8月3日，杜苏芮残余环流造成多少人死亡？")
    assert a.dates is not None and a.dates.start is None and a.dates.end == "2023-08-03"
    assert a.found and "20" in a.short.text and a.citations[0].date <= "2023-08-03"
