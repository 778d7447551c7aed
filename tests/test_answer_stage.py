"""The answer stage reads the question once and hands the reading to everything downstream."""

import collections
import sys

import pytest

QUESTIONS = ["巡视工作的根本任务是什么？", "這篇文章的作者是誰？", "最高检在哪一年发布了典型案例？"]


def _count_analysis(monkeypatch, question):
    """Calls that fold, tokenise or classify ``question``'s own text, by function, wherever rag imported them."""
    import rag.span
    import rag.text

    counts = collections.Counter()
    for module, name in ((rag.text, "fold"), (rag.text, "query_terms"), (rag.span, "normalise_question")):
        original = getattr(module, name)

        def counted(text, *a, _original=original, _name=name, **k):
            if text == question:
                counts[_name] += 1
            return _original(text, *a, **k)

        for mod in list(sys.modules.values()):
            if getattr(mod, "__name__", "").startswith("rag") and getattr(mod, name, None) is original:
                monkeypatch.setattr(mod, name, counted)
    return counts


@pytest.mark.slow
@pytest.mark.parametrize("question", QUESTIONS)
def test_one_ask_reads_the_question_once(seed_index, monkeypatch, question):
    seed_index.ask(question)  # models and caches loaded
    counts = _count_analysis(monkeypatch, question)
    answer = seed_index.ask(question)
    assert answer.question == question
    # folded once (its terms come from that folding: retrieval, coverage and the reader take them), its kind once
    assert counts == {"fold": 1, "normalise_question": 1}, counts


def test_the_question_record_holds_what_the_stage_reads():
    from rag.answer import read_question

    q = read_question("黃河發源於哪裡？", borrowed=["青海"], idf=lambda ts: {t: 2.0 for t in ts})
    assert q.traditional and q.simplified == "黄河发源于哪里？" and q.folded.startswith("黄河")
    assert q.where and q.kind == "what" and not q.one_clause
    assert q.idf["青海"] == pytest.approx(0.6) and q.idf["黄河"] == 2.0  # a borrowed term weighs less
    assert "青海" in q.all_terms and "青海" not in q.terms
    assert read_question("这篇文章的作者是谁？").field == "author"
    assert read_question("中央第七督导组组长是谁？").one_clause
    assert not read_question("各国分别派出多少人？").one_clause  # several answers: a list of clauses
    with pytest.raises(AttributeError):
        q.text = "changed"  # frozen
