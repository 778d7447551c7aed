"""The answer stage reads the question once: nothing after ``rag.answer.question.analyse`` folds,
tokenises or classifies it again, and every producer answers through the one scorer."""

import sys
import traceback

import pytest

import rag.answer.question as question_module
from rag import text as text_module
from rag import span as span_module

QUESTION = "巡视工作的根本任务是什么？"


def _counting(monkeypatch, name, original, calls):
    def counted(*args, **kwargs):
        # the question itself (however punctuated), not an archive sentence that quotes its words
        if args and isinstance(args[0], str) and args[0].strip().rstrip("？?。") == QUESTION.rstrip("？"):
            inside = any(f.name == "analyse" and f.filename.endswith("question.py")
                         for f in traceback.extract_stack())
            calls.append((name, "analyse" if inside else "again"))
        return original(*args, **kwargs)

    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("rag") and getattr(module, name, None) is original:
            monkeypatch.setattr(module, name, counted)


@pytest.mark.slow
def test_one_ask_reads_the_question_once(seed_index, monkeypatch):
    calls, analysed = [], []
    for name, original in (("fold", text_module.fold), ("fold_aligned", text_module.fold_aligned),
                           ("query_terms", text_module.query_terms), ("terms", text_module.terms),
                           ("question_kind", span_module.question_kind)):
        _counting(monkeypatch, name, original, calls)
    analyse = question_module.analyse

    def once(*args, **kwargs):
        analysed.append(args[0])
        return analyse(*args, **kwargs)

    monkeypatch.setattr(sys.modules["rag.index"], "analyse", once)
    answer = seed_index.ask(QUESTION)
    assert answer.found and answer.short is not None
    assert analysed == [QUESTION]
    assert {k for k, where in calls if where == "analyse"} >= {"fold", "query_terms", "question_kind"}
    assert [c for c in calls if c[1] == "again"] == []


@pytest.mark.slow
def test_candidates_come_from_named_producers_and_one_scorer(seed_index):
    from rag.answer.producers import PRODUCERS

    found = seed_index.candidates(QUESTION)
    assert found and {p for c in found for p in c.producers} <= set(PRODUCERS)
    scores = [c.score for c in found]
    assert scores == sorted(scores, reverse=True)  # ranked by the one scorer
    assert all(0 <= c.probability <= 1 for c in found)
    answer = seed_index.ask(QUESTION)
    assert answer.short.by == found[0].producers[0] and answer.short.text == found[0].text
    assert answer.confidence == pytest.approx(found[0].probability)


def test_the_default_threshold_is_the_one_the_scorer_was_fitted_for():
    """``Config.answer_threshold`` is the fit's threshold (the one answering 97 % of answerable
    training questions): refitting the scorer without moving it would answer another share."""
    import json

    from rag import Config
    from rag.answer.scorer import SHIPPED

    record = json.loads(SHIPPED.read_text(encoding="utf-8"))["record"]
    assert Config().answer_threshold == pytest.approx(record["threshold"], abs=0.005)
