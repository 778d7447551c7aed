"""The benchmark's metric code on a four-context corpus with known answers (no evaluation data)."""

import json
import sys
from argparse import Namespace
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from retrieval import load_squad, percentile, rank_of, recall_metrics, run_file  # noqa: E402

TINY = {"data": [
    {"title": "长江", "paragraphs": [{"context": "长江是中国第一长河，全长约6300公里，流经青海、西藏、四川等省区。",
                                      "qas": [{"question": "长江全长约多少公里？", "answers": [{"text": "6300公里", "answer_start": 11}]}]}]},
    {"title": "黄河", "paragraphs": [{"context": "黄河是中国第二长河，被称为中华民族的母亲河，最终注入渤海。",
                                      "qas": [{"question": "黄河最终注入哪个海？", "answers": [{"text": "渤海", "answer_start": 26}]}]}]},
    {"title": "泰山", "paragraphs": [{"context": "泰山位于山东省泰安市，主峰玉皇顶海拔1545米，是五岳之首。",
                                      "qas": [{"question": "泰山主峰叫什么？", "answers": [{"text": "玉皇顶", "answer_start": 13}]}]}]},
    {"title": "西湖", "paragraphs": [{"context": "西湖位于浙江省杭州市西部，以苏堤春晓、断桥残雪等十景闻名。",
                                      "qas": [{"question": "西湖位于哪个城市？", "answers": [{"text": "杭州市", "answer_start": 7}]}]}]},
]}


def test_recall_metrics_exact():
    assert recall_metrics([1, 1, 3, None]) == {"R@1": 0.5, "R@5": 0.75, "R@20": 0.75, "MRR": (1 + 1 + 1 / 3) / 4}
    assert rank_of(["/a", "/b"], "/b") == 2 and rank_of(["/a"], "/c") is None
    assert percentile([5, 1, 3, 2, 4], 50) == 3


def test_load_squad(tmp_path):
    f = tmp_path / "tiny.json"
    f.write_text(json.dumps(TINY, ensure_ascii=False), encoding="utf-8")
    contexts, questions = load_squad(f)
    assert [t for t, _ in contexts] == ["长江", "黄河", "泰山", "西湖"]
    assert questions[2] == ("泰山主峰叫什么？", 2)
    assert len(load_squad(f, limit=2)[1]) == 2


@pytest.mark.slow
def test_run_file_on_tiny_corpus(tmp_path):
    f = tmp_path / "tiny.json"
    f.write_text(json.dumps(TINY, ensure_ascii=False), encoding="utf-8")
    out = run_file(f, Namespace(limit=None, sweep="0,1", config=None, keep=None, milvus=True, milvus_every=1))
    default = out["tiny.json default (w=0.4)"]
    assert default["R@1"] == 1.0 and default["MRR"] == 1.0 and default["documents"] == 4
    assert out["tiny.json w=0.0"]["R@1"] == 1.0
    assert default["p95_ms"] >= default["p50_ms"] > 0
    # the same questions on the Milvus backend (Milvus Lite), with the files backend's vectors
    assert out["tiny.json milvus-lite"]["R@1"] == default["R@1"]


def test_reader_choices_scores_each_strategy_on_the_same_spans():
    from reader_choices import score

    # one question: passage 0's span is surer (margin) but its sentence misses the question's
    # words; passage 1's sentence covers them and holds the gold answer
    rows = [[{"passage": 0, "margin": 10.0, "prior": 0.9, "coverage": 0.3, "window": 0.1, "em": 0.0, "f1": 0.2,
              "contains": False},
             {"passage": 1, "margin": 8.0, "prior": 0.8, "coverage": 0.8, "window": 0.6, "em": 1.0, "f1": 1.0,
              "contains": True}],
            []]  # a question the reader found nothing for scores 0
    assert score(rows, 1, 5.0, 8.0, 8.0) == (0.0, 0.1, 0.0)  # only passage 0 read
    assert score(rows, 2, 5.0, 0.0, 0.0) == (0.0, 0.1, 0.0)  # margin + prior: passage 0
    assert score(rows, 2, 5.0, 8.0, 8.0) == (0.5, 0.5, 0.5)  # coverage tips it to passage 1
