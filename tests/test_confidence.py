"""The answer confidence: the blend's weights, the learned scorer's file, fitting it, and ``ask`` using it."""

import json
import random

import pytest

from rag.confidence import FEATURES, ConfidenceModel, blend, load_confidence, squash_margin
from rag.confidence_fit import false_at_95, fit
from rag.errors import ConfigError


def _features(**given) -> tuple[float, ...]:
    base = dict.fromkeys(FEATURES, 0.0)
    base.update(given)
    return tuple(base[n] for n in FEATURES)


def test_blend_keeps_the_hand_set_weights():
    f = _features(passage_coverage=1.0, window_coverage=0.5, passage_cosine=0.85, sentence_cosine=0.95,
                  reader_margin=0.8, reader_read=1.0)
    rules = 0.3 * 1.0 + 0.2 * 0.5 + 0.3 * 0.5 + 0.2 * 1.0
    assert blend(f, 0.0) == pytest.approx(rules)
    assert blend(f, 0.1) == pytest.approx(0.9 * rules + 0.1 * 0.8)
    unread = _features(passage_coverage=1.0, reader_margin=0.5, reader_read=0.0)
    assert blend(unread, 0.5) == pytest.approx(0.3)  # no reader: its margin does not count


def test_squash_margin_is_a_sigmoid_that_never_overflows():
    assert squash_margin(0.0) == pytest.approx(0.5)
    assert squash_margin(4.0) == pytest.approx(1 / (1 + 2.718281828 ** -2), rel=1e-6)
    assert squash_margin(-1e6) == 0.0 and squash_margin(1e6) == 1.0


def _model() -> ConfidenceModel:
    n = len(FEATURES)
    return ConfidenceModel(FEATURES, (0.5,) * n, (0.25,) * n, (2.0,) + (0.0,) * (n - 1), -0.5)


def test_model_is_monotone_in_a_positive_feature_and_round_trips(tmp_path):
    m = _model()
    low, high = m(_features(passage_coverage=0.2)), m(_features(passage_coverage=0.9))
    assert 0.0 < low < high < 1.0
    path = tmp_path / "confidence.json"
    path.write_text(json.dumps({"model": m.to_json()}))
    assert load_confidence(path) == m


def test_a_bad_confidence_file_is_a_config_error_naming_it(tmp_path):
    with pytest.raises(ConfigError, match="nowhere.json.*does not exist"):
        load_confidence(tmp_path / "nowhere.json")
    junk = tmp_path / "junk.json"
    junk.write_text("{not json")
    with pytest.raises(ConfigError, match="junk.json.*not a fitted confidence model"):
        load_confidence(junk)
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"model": {**_model().to_json(), "features": ["a", "b"]}}))
    with pytest.raises(ConfigError, match="fit it again"):
        load_confidence(other)


def test_config_refuses_an_unknown_confidence():
    import rag

    with pytest.raises(ConfigError, match="confidence='magic' must be 'learned' or 'blend'"):
        rag.Config(confidence="magic")


def test_fit_learns_the_informative_feature_and_cross_validates():
    rng = random.Random(5)
    rows = []
    for ctx in range(60):
        for label in (1, 0):
            cov = min(1.0, max(0.0, rng.gauss(0.8 if label else 0.3, 0.15)))
            noise = rng.random()
            rows.append({"context": ctx, "script": "simplified" if ctx % 2 else "traditional", "label": label,
                         "evidence": list(_features(passage_coverage=cov, retrieval_score=noise, reader_read=1.0))})
    model, figures = fit(rows, c=1.0, folds=3)
    coef = dict(zip(FEATURES, model.coef))
    assert coef["passage_coverage"] > 1.0 and abs(coef["retrieval_score"]) < coef["passage_coverage"] / 3
    cv = figures["learned_cross_validated"]
    assert cv["auc"] > 0.95 and cv["both"]["false_answers"] < 0.3


def test_false_at_95_answers_95_percent():
    import numpy as np

    scores = np.array([0.1 * i for i in range(20)] + [0.05] * 10)
    labels = np.array([1] * 20 + [0] * 10)
    threshold, false = false_at_95(scores, labels)
    assert threshold == pytest.approx(0.1)  # the 2nd lowest of 20: 19 of 20 answered
    assert np.mean(scores[labels == 1] >= threshold) >= 0.95
    assert false == 0.0  # every unanswerable one (0.05) is below it


PARAGRAPHS = [
    ("长江", "长江是中国第一长河，全长约6300公里，发源于青藏高原。", "长江全长约多少公里？", "6300公里"),
    ("黄河", "黄河是中国第二长河，流经九个省区，最后注入渤海。", "黄河最后注入哪里？", "渤海"),
    ("泰山", "泰山位于山东省泰安市，主峰玉皇顶海拔1545米。", "泰山主峰叫什么？", "玉皇顶"),
    ("故宫", "故宫始建于明朝永乐四年，是明清两代的皇家宫殿。", "故宫是哪两代的皇家宫殿？", "明清两代"),
    ("西湖", "西湖位于浙江省杭州市西部，2011年列入世界遗产名录。", "西湖哪一年列入世界遗产名录？", "2011年"),
    ("长城", "长城东起山海关，西至嘉峪关，是古代的军事防御工程。", "长城西至哪里？", "嘉峪关"),
    ("熊猫", "大熊猫主要以竹子为食，野生种群生活在四川、陕西和甘肃。", "大熊猫主要吃什么？", "竹子"),
    ("茶叶", "龙井茶产于杭州西湖一带，以色绿、香郁、味甘、形美著称。", "龙井茶产于哪里？", "杭州西湖一带"),
    ("丝绸", "丝绸之路由西汉张骞出使西域开辟，连接东西方贸易。", "丝绸之路由谁开辟？", "张骞"),
    ("京剧", "京剧形成于清代北京，被视为中国的国粹之一。", "京剧形成于哪个朝代？", "清代"),
]


def test_fit_script_runs_on_a_small_squad_file_and_its_model_loads(tmp_path):
    """The whole script, end to end, on ten paragraphs: archives built in both scripts, the held-out
    questions asked with and without their article, the model written, loaded and used by ``ask``."""
    import rag
    from rag.confidence_fit import main

    data = {"data": [{"title": t, "paragraphs": [{"context": c, "qas": [
        {"id": f"q{i}", "question": q, "answers": [{"text": a, "answer_start": c.index(a)}]}]}]}
        for i, (t, c, q, a) in enumerate(PARAGRAPHS)]}
    squad = tmp_path / "small.json"
    squad.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "confidence.json"
    main([str(squad), "--siblings", "", "--out", str(out), "--work", str(tmp_path / "work")])
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["record"]["questions"] == 2 and saved["record"]["rows"] == 8  # 2 held-out x 2 scripts x 2
    assert saved["record"]["data"][0]["sha256"]
    model = load_confidence(out)
    index = rag.open_index(tmp_path / "work" / "simplified" / "idx",
                           config=rag.Config(confidence="learned", confidence_model=str(out)))
    answer = index.ask("泰山主峰叫什么？")
    assert answer.evidence and answer.confidence == pytest.approx(model(answer.evidence))
