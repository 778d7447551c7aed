"""How the reader's spans are chosen: the weights' file, its fit, and what ``ask`` hands it."""

import json

import numpy as np
import pytest

from rag.span_choice import FEATURES, HAND, SHIPPED, SpanChoice, load_span_choice
from rag.span_choice_fit import _chosen_f1, fit, search


def test_the_hand_set_choice_is_the_formula_it_replaced():
    w = HAND.named()
    assert (w["margin"], w["retrieval"], w["sentence_coverage"], w["window_coverage"]) == (1.0, 5.0, 8.0, 8.0)
    assert sum(abs(v) for k, v in w.items() if k not in ("margin", "retrieval", "sentence_coverage",
                                                          "window_coverage")) == 0


def test_weights_of_other_features_are_refused_with_what_to_do(tmp_path):
    with pytest.raises(ValueError, match="refit it"):
        SpanChoice((1.0, 2.0))
    p = tmp_path / "old.json"
    p.write_text(json.dumps({"model": {"names": ["margin"], "weights": [1.0]}}))
    with pytest.raises(ValueError, match="refit it"):
        load_span_choice(str(p))
    assert load_span_choice(str(tmp_path / "absent.json")) == HAND  # no file: the hand-set choice


def _rows(n: int, seed: int, decisive: str) -> list[dict]:
    """Questions of three candidates where only ``decisive`` tells the right span (F1 1) apart."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        x = rng.random((3, len(FEATURES)))
        x[:, FEATURES.index("margin")] = rng.random(3) * 0.1  # the reader's margin says little here
        right = int(rng.integers(3))
        x[right, FEATURES.index(decisive)] += 1.0
        f1 = [1.0 if j == right else 0.0 for j in range(3)]
        rows.append({"context": i % 40, "x": x.tolist(), "f1": f1, "script": "simplified" if i % 2 else "traditional"})
    return rows


def test_the_search_learns_the_feature_that_decides_and_never_loses_to_its_start():
    rows = _rows(300, 0, "kind_fits")
    start = np.asarray(HAND.weights)
    w = search(rows, start)
    assert _chosen_f1(rows, w) >= _chosen_f1(rows, start)
    assert _chosen_f1(rows, w) > 0.9 and w[FEATURES.index("kind_fits")] > 0
    assert w[FEATURES.index("margin")] == 1.0  # the scale stays
    weights, figures = fit(rows, folds=3)
    assert set(figures) == {"simplified", "traditional"}
    for f in figures.values():
        assert f["F1 fitted choice (cross-validated)"] > f["F1 hand-set choice"]
        assert f["F1 best proposed span"] == 1.0


def test_the_shipped_weights_load_with_their_record():
    choice = load_span_choice()
    assert choice != HAND and len(choice.weights) == len(FEATURES)
    record = json.loads(SHIPPED.read_text(encoding="utf-8"))["record"]
    assert [d["file"] for d in record["data"]] == ["squad2_zh_answerable.json"]  # the reader never trained on it
    assert len(record["data"][0]["sha256"]) == 64
    for script in ("simplified", "traditional"):
        f = record["figures"][script]
        assert f["F1 fitted choice (cross-validated)"] >= f["F1 hand-set choice"]


@pytest.mark.slow
def test_ask_hands_every_proposed_span_to_the_choice(seed_index):
    from rag.answer import read_question
    from rag.answer.passages import read_passages
    from rag.answer.producers import reader as reader_producer
    from rag.answer.tuning import SPANS_PER_WINDOW

    r = seed_index._retriever
    q = read_question("巡视工作的根本任务是什么？", idf=r.lexical.idf)
    passages = read_passages(r, r.score_passages(q), 3)
    cands = reader_producer.candidates(q, passages, reader=seed_index._reader)
    assert 1 < len(cands) <= 3 * SPANS_PER_WINDOW * 4  # what the fit collects: three a window
    assert len({c.passage.rank for c in cands}) == len(passages)
    assert all(set(FEATURES) <= set(c.features) for c in cands)
    doc = cands[0].passage.doc
    assert all(c.sentence[0] <= c.start < c.end <= c.sentence[1] for c in cands)
    assert seed_index._span_choice == HAND  # the default: the best span of each window
    cands = reader_producer.candidates(q, passages, reader=seed_index._reader, spans=HAND.spans_per_window)
    best = max(cands, key=lambda c: HAND.score([c.features[f] for f in FEATURES]))
    assert best.short.text == seed_index.ask(q.text).short.text
    assert doc.text  # spans are document offsets
