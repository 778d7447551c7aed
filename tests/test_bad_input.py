"""Bad input everywhere: odd questions, k and dates get an answer or a clear RagError, never a crash (real model)."""

import pytest

import rag

pytestmark = pytest.mark.slow

ODD = ["", "   \n\t", "巡视" * 5000, "🙂🙂🙂🔥", "What is the fundamental task of inspection work?", "？？？", "\x00\x01",
       "<script>alert(1)</script>", "SELECT * FROM documents; --", "的的的的的"]


@pytest.mark.parametrize("question", ODD, ids=range(len(ODD)))
def test_odd_questions_get_an_answer_record(seed_index, question):
    answer = seed_index.ask(question)
    assert isinstance(answer, rag.Answer)
    if not question.strip():
        assert not answer.found and answer.message
    if answer.found:
        c = answer.citations[0]
        assert seed_index.document(c.path).text[c.start : c.end] == answer.text
    hits = seed_index.search(question, k=3)
    assert len(hits) <= 3


def test_k_out_of_range(seed_index):
    for k in (0, -1):
        with pytest.raises(rag.RagError, match="at least 1"):
            seed_index.search("巡视", k=k)
    assert len(seed_index.search("巡视", k=10_000)) == len(seed_index)  # one hit per document at most


def test_follow_up_with_odd_history(seed_index):
    answer = seed_index.ask("他还强调了什么？", history=["", "🙂", "巡视" * 3000])
    assert isinstance(answer, rag.Answer)
