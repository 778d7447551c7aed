"""The passage reranker: its features, its order, its fit, the shipped file, and the switch that turns it off."""

import json
from dataclasses import dataclass

import numpy as np
import pytest

from rag.rerank import FEATURES, SHIPPED, Reranker, candidate_rows, features, load_reranker
from rag.rerank_fit import _padded, _r1, news_questions, search_weights
from rag.text import fold, query_terms


@dataclass(frozen=True)
class _Scored:
    chunk_index: int
    score: float
    lexical: float
    dense: float


def _named(row) -> dict:
    return dict(zip(FEATURES[5:], row))


def test_question_words_standing_together_score_a_higher_window():
    q = "北京市公安局破获了多少起电信诈骗案件"
    terms = query_terms(q)
    idf = dict.fromkeys(terms, 1.0)
    together = features(fold(q), terms, idf, "", "今年北京市公安局破获电信诈骗案件1200起。", terms[:3])
    spread = features(fold(q), terms, idf, "", "北京市举行运动会。" + "天气晴朗，" * 10 + "公安局提醒防范电信诈骗。", terms[:3])
    assert _named(together)["window"] > _named(spread)["window"]
    assert _named(together)["longest_run"] > _named(spread)["longest_run"]


def test_numbers_of_the_question_must_be_in_the_passage():
    q = "2020年第3季度的营收是多少"
    terms = query_terms(q)
    idf = dict.fromkeys(terms, 1.0)
    has = _named(features(fold(q), terms, idf, "", "2020年第3季度营收增长", []))
    lacks = _named(features(fold(q), terms, idf, "", "2021年第4季度营收增长", []))
    assert has["has_numbers"] == lacks["has_numbers"] == 1.0
    assert has["numbers"] == 1.0 and lacks["numbers"] == 0.0
    none = _named(features(fold("营收是多少"), query_terms("营收是多少"), {"营": 1.0}, "", "营收增长", []))
    assert none["numbers"] == 1.0 and none["has_numbers"] == 0.0


def test_traditional_and_simplified_passages_get_the_same_features():
    q = "檢察院發布了哪些典型案例"
    terms = query_terms(q)
    idf = dict.fromkeys(terms, 1.0)
    assert features(fold(q), terms, idf, "", fold("最高检察院发布典型案例"), terms[:3]) == \
        features(fold(q), terms, idf, "", fold("最高檢察院發布典型案例"), terms[:3])


def _reranker(weights: dict, depth: int = 30) -> Reranker:
    n = len(FEATURES)
    return Reranker(FEATURES, (0.0,) * n, (1.0,) * n, tuple(weights.get(f, 0.0) for f in FEATURES), 0.0, depth)


def test_reranking_moves_only_the_first_candidates():
    scored = [_Scored(i, 1.0 - i / 10, 10.0 - i, 0.8) for i in range(6)]
    texts = [("", "无关的内容"), ("", "无关的内容"), ("", "北京市公安局破获电信诈骗案件"), ("", "无关")]
    q = "北京市公安局破获了多少起电信诈骗案件"
    terms = query_terms(q)
    rows = candidate_rows(scored, texts, fold(q), terms, dict.fromkeys(terms, 1.0))
    assert rows.shape == (4, len(FEATURES))
    out = _reranker({"window": 1.0}).rerank(scored, rows)
    assert [s.chunk_index for s in out][:1] == [2]  # the passage holding the question's words together
    assert [s.chunk_index for s in out][4:] == [4, 5]  # past the rows: the first stage's order
    assert sorted(s.chunk_index for s in out) == list(range(6))


def test_a_reranker_of_other_features_is_refused_with_what_to_do():
    with pytest.raises(ValueError, match="refit it"):
        Reranker(("fused", "bm25"), (0.0, 0.0), (1.0, 1.0), (1.0, 1.0), 0.0)


def test_the_weight_search_finds_the_feature_that_tells_the_gold_apart():
    rng = np.random.default_rng(0)
    x = rng.random((200 * 5, len(FEATURES)))
    y = np.zeros(len(x))
    q = np.repeat(np.arange(200), 5)
    gold = rng.integers(0, 5, 200)
    y[np.arange(200) * 5 + gold] = 1
    x[y == 1, FEATURES.index("title")] += 1.0  # only the title feature tells the gold apart
    padded = _padded(x, y, q, 5)
    w = search_weights([padded])
    assert _r1(padded, w) > 0.95 > _r1(padded, np.eye(len(FEATURES))[FEATURES.index("fused")])
    assert w[FEATURES.index("title")] > 0


def test_generated_news_questions_name_what_they_ask_for(tmp_path):
    import gzip

    items = [{"id": f"n{i:05d}", "date": "2023-05-01",
              "text": f"据新华社报道，{i + 3}月份全国新能源汽车销量达到{i + 50}万辆，同比增长三成以上。其他内容在这里。"}
             for i in range(20)]
    path = tmp_path / "news.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(json.dumps(it, ensure_ascii=False) for it in items))
    got = news_questions(path, 10)
    assert len(got) == 10
    assert all(q.endswith("？") and any(w in q for w in ("多少", "谁", "哪里", "哪个机构")) for q, _ in got)
    assert len({i for _, i in got}) == 10  # each from its own item
    assert news_questions(path, 10) == got  # seeded


def test_the_shipped_reranker_loads_with_its_record():
    model = load_reranker()
    assert model is not None and model.names == FEATURES and 5 <= model.depth <= 100
    record = json.loads(SHIPPED.read_text(encoding="utf-8"))["record"]
    assert {d["file"] for d in record["data"]} >= {"cmrc2018_train.json", "crud_news_2023.jsonl.gz"}
    assert all(len(d["sha256"]) == 64 for d in record["data"])
    assert not any("antiterror" in d["file"] or "eval" in d["file"] for d in record["data"])
    assert record["figures"]["training files"]["R@1 reranked (cross-validated)"] >= \
        record["figures"]["training files"]["R@1 fused (first stage)"]


@pytest.mark.slow
def test_the_switch_keeps_the_first_stage_order(seed_index):
    import rag

    plain = rag.open_index(seed_index.folder, config=seed_index.config.replace(rerank=False))
    assert plain._retriever.reranker is None and seed_index._retriever.reranker is not None
    q = "最高检发布了哪些典型案例"
    first = plain._retriever.score_passages(q)
    again = seed_index._retriever.score_passages(q)
    assert sorted(s.chunk_index for s in first) == sorted(s.chunk_index for s in again)
    assert [s.score for s in first] == sorted((s.score for s in first), reverse=True)
    assert seed_index.ask(q).found
