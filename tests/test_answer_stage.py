"""The answer stage reads the question once and hands the reading to everything downstream."""

import collections
import sys

import pytest

QUESTIONS = ["巡视工作的根本任务是什么？", "這篇文章的作者是誰？", "最高检在哪一年发布了典型案例？",
             "上个月关于巡视的报道有哪些？", "去年的報道裡巡視的根本任務是什麼？"]


def _count_analysis(monkeypatch, question):
    """Calls that fold, tokenise or classify ``question``'s own text, by function, wherever rag imported them."""
    import rag.answer.frame
    import rag.dates
    import rag.span
    import rag.text

    counts = collections.Counter()
    for module, name in ((rag.text, "fold"), (rag.text, "query_terms"), (rag.text, "simplified_aligned"),
                         (rag.span, "normalise_question"), (rag.span, "question_kind"), (rag.dates, "read_dates"),
                         (rag.answer.frame, "frame_of"), (rag.answer.frame, "subject_words")):
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
    # its script and date words read once; folded once (its terms come from that folding: retrieval, coverage,
    # the conversation and the reader take them), its kind once; where date words filter, the rest is what
    # is folded and classified (once), and a list's subject words are cut once
    assert max(counts.values()) == 1 and {"simplified_aligned", "read_dates"} <= counts.keys(), counts
    filtered = answer.dates is not None
    assert ("fold" in counts) == ("normalise_question" in counts) == (not filtered), counts
    assert ("subject_words" in counts) == (answer.kind == "list"), counts


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


def test_a_taiwan_word_in_a_list_question_finds_both_forms():
    """電動腳踏車 (Taiwan) is 电动自行车 on the mainland: a count asked in Taiwan's words finds the mainland
    reports, and the search keeps the Taiwan form for an archive written in it."""
    from rag.answer import read_question
    from rag.answer.frame import variants

    q = read_question("上個月關於電動腳踏車的報導有幾篇？", today="2023-08-20")
    assert q.frame.kind == "count" and "自行车" in q.subject and q.date_filter.start == "2023-07-01"
    assert {"自行车", "自行車", "腳踏車"} <= set(variants("自行车"))
    assert read_question("上个月关于电动自行车的报道有几篇？", today="2023-08-20").subject == q.subject
    assert "电动自行车" in q.mainland  # the words are joined into a phrase against what was meant


def test_a_when_answer_without_a_date_gets_the_date_of_its_quote():
    from types import MappingProxyType

    from rag.answer import Candidate, read_question
    from rag.answer.passages import Passage
    from rag.answer.producers import typed
    from rag.records import Chunk, Document, ShortAnswer
    from rag.retrieve import Scored

    text = "14日，韩联社网站头条刊登“自华出发邮轮月底将时隔6年停靠济州港”的消息。"
    q = read_question("韩联社是哪天刊登邮轮停靠济州港的消息的？")

    def reader_said(span: str, date: str | None) -> Candidate:
        doc = Document(path="/n.txt", title=None, date=date, source=None, author=None, url=None, text=text)
        passage = Passage(0, Scored(0, 1.0, 1.0, 1.0), Chunk(0, 0, len(text), text), doc)
        a = text.index(span)
        return Candidate(passage, (0, len(text)), "reader", MappingProxyType({}),
                         ShortAnswer(span, a, a + len(span), "reader"))

    got = typed.candidates(q, reader_said("自华出发邮轮月底", "2023-08-15"), 0, len(text))
    assert [c.short.text for c in got] == ["14日"] and got[0].short.by == "typed"
    assert typed.candidates(q, reader_said("14日", "2023-08-15"), 0, len(text)) == []  # the reader gave a date
    assert typed.candidates(q, reader_said("自华出发邮轮月底", None), 0, len(text)) == []  # undated: left alone


def _literals(tree):
    """Numbers in ``tree`` that could tune behaviour: not 0, 1, -1 or 2, not a ``round`` digit count, an
    index, a slice bound (ISO dates are cut at 10) or a cache size."""
    import ast

    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "round":
            skip.update(id(a) for a in node.args[1:])
        elif isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            skip.add(id(node.slice))  # an index into a tuple
        elif isinstance(node, ast.Slice):
            skip.update(id(x) for x in (node.lower, node.upper, node.step) if x is not None)
        elif isinstance(node, ast.keyword) and node.arg == "maxsize":
            skip.add(id(node.value))
    return [node for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and type(node.value) in (int, float)
            and node.value not in (0, 1, -1, 2) and id(node) not in skip]


def test_answer_stage_has_no_inline_tuning_numbers_and_no_long_functions():
    """Every tuning number is named in rag/answer/tuning.py; no function under rag/answer/ passes 60 lines."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "rag" / "answer"
    found, long = [], []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        if path.name != "tuning.py":
            found += [f"{path.name}:{n.lineno} {n.value}" for n in _literals(tree)]
        long += [f"{path.name}:{n.name} ({n.end_lineno - n.lineno + 1} lines)" for n in ast.walk(tree)
                 if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.end_lineno - n.lineno + 1 > 60]
    assert not found, f"name these in rag/answer/tuning.py: {found}"
    assert not long, f"split these along the pipeline: {long}"
