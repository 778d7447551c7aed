"""The span reader: labels and decoding on hand-made arrays (fast), a few training steps and loading (slow)."""

import json

import numpy as np
import pytest

from rag.reader.features import Windows, best_spans, clause_breaks, label_window


def _offsets(pairs):
    return np.array(pairs, dtype=np.int64)


def test_label_window_maps_characters_to_tokens():
    # tokens: <s> q </s></s> [0,2) [2,3) [3,6) [6,8) </s>
    offs = _offsets([(-1, -1)] * 4 + [(0, 2), (2, 3), (3, 6), (6, 8), (-1, -1)])
    assert label_window(offs, 2, 6) == (5, 6)
    assert label_window(offs, 3, 5) == (6, 6)  # a boundary inside a token takes the whole token
    assert label_window(offs, 0, 8) == (4, 7)
    assert label_window(offs, 8, 10) == (0, 0)  # not in this window: "no answer here"


def test_best_spans_scores_every_pair_and_reports_null():
    offs = _offsets([(-1, -1), (-1, -1), (0, 2), (2, 3), (3, 6), (-1, -1)])[None]
    w = Windows(np.zeros((1, 6), np.int64), np.ones((1, 6), np.int64), offs, np.array([0]))
    start = np.array([[1.0, 0, 0.5, 3.0, 0.2, 0]])
    end = np.array([[1.0, 0, 0.1, 0.3, 2.0, 0]])
    (g,), = best_spans(start, end, w)
    assert (g.start, g.end, round(g.score, 3), g.null) == (2, 6, 5.0, 2.0)
    (g,), = best_spans(start, end, w, max_tokens=1)  # spans of one token only
    assert (g.start, g.end) == (2, 3)


def test_clause_breaks_count_commas_but_not_inside_numbers():
    c = clause_breaks("长1,980米，宽60米;深3米")
    assert list(np.diff(c).nonzero()[0]) == [7, 12]  # the comma and semicolon; 1,980 is one number


def test_best_spans_within_one_clause_when_asked():
    # passage "张勇主持，副组长张常韧": tokens [0,2) [2,4) [4,5) [5,8) [8,11)
    text = "张勇主持，副组长张常韧"
    offs = _offsets([(-1, -1), (0, 2), (2, 4), (4, 5), (5, 8), (8, 11)])[None]
    w = Windows(np.zeros((1, 6), np.int64), np.ones((1, 6), np.int64), offs, np.array([0]))
    start = np.array([[0.0, 3.0, 0, 0, 0, 0.5]])
    end = np.array([[0.0, 1.0, 0, 0.5, 0, 3.0]])
    (g,), = best_spans(start, end, w)
    assert text[g.start:g.end] == text  # across the comma: 3 + 3
    (g,), = best_spans(start, end, w, breaks=[clause_breaks(text)])
    assert text[g.start:g.end] == "张勇"  # 3 + 1 beats 张常韧's 0.5 + 3
    (g,), = best_spans(start, end, w, breaks=[clause_breaks(text)], slack=1.0)
    assert text[g.start:g.end] == text  # the reader is surer of the whole (6) than of 张勇 (4) by more than the slack
    end[0, 3] = 1.5
    (g,), = best_spans(start, end, w, breaks=[clause_breaks(text)])
    assert text[g.start:g.end] == "张勇主持，"  # a break at the span's edge is trimmed later, not a crossing


def _tiny_squad(path):
    facts = [("青松县在哪一年建成新图书馆？", "青松县于2019年建成新图书馆，馆藏图书十二万册。", "2019年"),
             ("青松县新图书馆的馆藏有多少册？", "青松县于2019年建成新图书馆，馆藏图书十二万册。", "十二万册"),
             ("白河镇的特产是什么？", "白河镇的特产是山核桃，每年秋季大量上市。", "山核桃"),
             ("谁主持了白河镇的会议？", "会议由镇长李明主持，各村代表参加。", "李明"),
             ("红石村修建了什么？", "红石村去年修建了一座石桥，方便村民出行。", "一座石桥"),
             ("东湖公园有多少种植物？", "东湖公园种植了三百多种植物，是市民休闲的好去处。", "三百多种"),
             ("大会在哪里召开？", "大会在北京召开，为期三天。", "北京"),
             ("考试持续了多久？", "考试持续了两个小时，考生全部按时交卷。", "两个小时")]
    data = [{"title": str(i), "paragraphs": [{"context": c, "qas": [
        {"id": f"q{i}", "question": q, "answers": [{"text": a, "answer_start": c.index(a)}]}]}]}
        for i, (q, c, a) in enumerate(facts)]
    path.write_text(json.dumps({"version": "test", "data": data}, ensure_ascii=False), encoding="utf-8")


@pytest.mark.slow
def test_a_few_training_steps_lower_the_loss_and_the_weights_load(tmp_path):
    from rag.reader import Reader
    from rag.reader.model import load_span_reader
    from rag.reader.train import TrainSettings, train

    _tiny_squad(tmp_path / "tiny.json")
    settings = TrainSettings(epochs=8, batch_size=8, lr=3e-3, warmup=0.01, holdout_contexts=1, log_every=1,
                             save_every=1000, traditional_share=0.5)
    record = train([tmp_path / "tiny.json"], tmp_path / "w", settings, say=lambda m: None)
    losses = [loss for _, loss in record["loss_curve"]]
    assert losses[-1] < losses[0] * 0.8, losses
    assert set(record["weights_sha256"]) == {"adapter_model.safetensors", "span_head.safetensors"}
    reader = Reader(load_span_reader(tmp_path / "w"), int8=False)
    guesses = reader.read("白河镇的特产是什么？", ["白河镇的特产是山核桃，每年秋季大量上市。"])
    g = guesses[0]
    assert 0 <= g.start < g.end <= len("白河镇的特产是山核桃，每年秋季大量上市。")
    # a second stage starts from these weights and adds the best BM25 window of another context as a
    # "no answer" example for every question
    stage2 = TrainSettings(epochs=1, batch_size=8, lr=1e-3, warmup=0.01, holdout_contexts=1, log_every=1,
                           save_every=1000, init=str(tmp_path / "w"), negatives_best_window=1.0,
                           negatives_same_context=0.0, negatives_retrieved=0.0)
    again = train([tmp_path / "tiny.json"], tmp_path / "w2", stage2, say=lambda m: None)
    assert again["examples"] > record["examples"] - record["examples"] // 2  # negatives were added
    assert again["settings"]["init"] == str(tmp_path / "w")
    # a stage may grow the adapters' rank: the grown reader starts out reading exactly as the init reader
    from dataclasses import replace

    from rag.reader.features import encode_windows
    from rag.reader.train import _start_reader

    grown = _start_reader(replace(stage2, reader=replace(stage2.reader, lora_r=32, lora_alpha=64)))
    old = load_span_reader(tmp_path / "w")
    w = encode_windows(old.tokenizer, ["考试持续了多久？"], ["考试持续了两个小时，考生全部按时交卷。"], max_len=64, stride=16)
    for a, b in zip(old.predict(w.input_ids, w.attention_mask), grown.predict(w.input_ids, w.attention_mask)):
        assert np.allclose(a, b, atol=1e-4)
    def lora(r):
        return sum(p.numel() for n, p in r.encoder.named_parameters() if "lora_" in n)

    assert lora(grown) == 2 * lora(old)
    with pytest.raises(ValueError, match="grow"):
        _start_reader(replace(stage2, reader=replace(stage2.reader, lora_r=8, lora_alpha=16)))


def test_make_examples_best_window_negatives_come_from_other_contexts_without_the_answer():
    import random

    from rag.reader.train import QA, TrainSettings, make_examples

    facts = [("甲县于2019年建成新图书馆，馆藏十二万册。", "甲县在哪一年建成新图书馆？", "2019年"),
             ("乙县于2020年建成新图书馆，图书馆在城东。", "乙县在哪一年建成新图书馆？", "2020年"),
             ("丙县于2018年建成新体育馆，可容纳三千人。", "丙县在哪一年建成新体育馆？", "2018年")]
    qas = [QA(f"q{i}", i, c, q, (a,), c.index(a)) for i, (c, q, a) in enumerate(facts)]
    settings = TrainSettings(negatives_best_window=1.0, negatives_same_context=0.0, negatives_retrieved=0.0,
                             traditional_share=0.0, window_chars=40)
    examples = make_examples(qas, settings, random.Random(1))
    negatives = [x for x in examples if x.start < 0]
    assert len(negatives) == 3  # one per question
    for x in negatives:
        qa = next(q for q in qas if q.question == x.question)
        assert x.passage not in qa.context and qa.answers[0] not in x.passage


def test_make_examples_trains_on_traditional_copies_as_the_reader_reads_them():
    """A traditional copy (OpenCC s2twp: Taiwan wording) reaches the model mapped back to simplified
    characters one for one, as Reader.read maps a traditional archive; the answer's offsets stay exact."""
    import random

    from rag.reader.train import QA, TrainSettings, make_examples

    context = "该县的软件园区于2019年建成，园区内有三十家企业。"
    qas = [QA("q0", 0, context, "软件园区在哪一年建成？", ("2019年",), context.index("2019年"))]
    seen = {}
    for view in (True, False):
        settings = TrainSettings(traditional_share=1.0, negatives_same_context=0.0, negatives_retrieved=0.0,
                                 reader_view=view)
        (x,) = make_examples(qas, settings, random.Random(1))
        assert x.passage[x.start:x.end] == "2019年"
        seen[view] = x
    assert "軟體" in seen[False].passage and "該縣" in seen[False].passage  # the copy, as converted
    assert "软体" in seen[True].passage and "该县" in seen[True].passage  # Taiwan wording, simplified characters


@pytest.mark.slow
def test_the_reader_shares_the_encoders_vocabulary_table_and_reads_the_same():
    from rag.config import Config
    from rag.embed import load_encoder
    from rag.reader.features import encode_windows
    from rag.reader.model import load_span_reader

    c = Config()
    enc = load_encoder(c.model, c.query_prompt, c.passage_prompt, c.threads, c.int8_queries, c.query_runtime)
    shared, own = load_span_reader(share=enc), load_span_reader()
    assert shared.encoder.get_base_model().embeddings.word_embeddings is enc.word_embeddings()
    assert shared.tokenizer is enc.tokenizer()
    q, p = "巡视工作的根本任务是什么？", "中央巡视工作领导小组指出，巡视工作的根本任务是‘两个维护’。"
    w = encode_windows(own.tokenizer, [q], [p], max_len=144, stride=48)
    for a, b in zip(shared.predict(w.input_ids, w.attention_mask), own.predict(w.input_ids, w.attention_mask)):
        np.testing.assert_allclose(a, b, atol=1e-5)


def _adapter_folder(folder, weights: dict, r: int, alpha: int) -> None:
    """A minimal reader folder around ``weights`` (LoRA A/B tensors), for the shrink tests."""
    import torch
    from safetensors.torch import save_file

    folder.mkdir()
    save_file(weights, str(folder / "adapter_model.safetensors"))
    save_file({"weight": torch.zeros(2, 8), "bias": torch.zeros(2)}, str(folder / "span_head.safetensors"))
    (folder / "adapter_config.json").write_text(json.dumps({"r": r, "lora_alpha": alpha, "peft_type": "LORA"}))
    (folder / "reader.json").write_text(json.dumps({"lora_r": r, "lora_alpha": alpha}))


def test_shrink_keeps_an_update_whose_rank_is_already_low_and_drops_the_smallest_directions(tmp_path):
    import torch
    from safetensors.torch import load_file

    from rag.reader.shrink import shrink_adapter

    g = torch.Generator().manual_seed(0)
    low_b = torch.randn(12, 3, generator=g) @ torch.randn(3, 8, generator=g)  # rank 3 although r = 8
    a = torch.randn(8, 16, generator=g)
    key = "base_model.model.encoder.layer.0.attention.self.query.lora_{}.weight"
    _adapter_folder(tmp_path / "src", {key.format("A"): a, key.format("B"): low_b}, r=8, alpha=16)

    summary = shrink_adapter(tmp_path / "src", tmp_path / "dst", 3)
    out = load_file(str(tmp_path / "dst" / "adapter_model.safetensors"))
    assert out[key.format("A")].shape == (3, 16) and out[key.format("B")].shape == (12, 3)
    before = 2.0 * low_b @ a  # scale alpha / r = 2, kept by shrinking
    after = 2.0 * out[key.format("B")] @ out[key.format("A")]
    assert torch.allclose(before, after, atol=1e-4)
    assert summary["energy_kept_min"] == pytest.approx(1.0, abs=1e-6)
    cfg = json.loads((tmp_path / "dst" / "adapter_config.json").read_text())
    assert (cfg["r"], cfg["lora_alpha"]) == (3, 6)
    assert json.loads((tmp_path / "dst" / "reader.json").read_text())["lora_r"] == 3

    summary = shrink_adapter(tmp_path / "src", tmp_path / "dst2", 1)  # a real cut: some energy is lost
    assert 0 < summary["energy_kept_min"] < 1
    with pytest.raises(ValueError, match="between 1 and"):
        shrink_adapter(tmp_path / "src", tmp_path / "dst3", 8)


def test_make_examples_sibling_negatives_come_from_the_same_article_without_the_answer():
    """A question whose article has other paragraphs gets a "no answer" window from them: the one
    sharing most of its words, never one holding the answer, never from another article."""
    import random

    from rag.reader.train import QA, TrainSettings, make_examples

    article = ["甲县于2019年建成新图书馆，馆藏十二万册。",
               "甲县新图书馆位于城东，由市设计院设计。",
               "甲县的体育馆可容纳三千人，每年举办运动会。"]
    other = "乙县新图书馆于2020年建成，位于城西。"
    qas = [QA("q0", 0, article[0], "甲县新图书馆在哪一年建成？", ("2019年",), article[0].index("2019年"), 0),
           QA("q1", 1, article[1], "甲县新图书馆位于哪里？", ("城东",), article[1].index("城东"), 0),
           QA("q2", 2, article[2], "甲县体育馆能容纳多少人？", ("三千人",), article[2].index("三千人"), 0),
           QA("q3", 3, other, "乙县新图书馆在哪一年建成？", ("2020年",), other.index("2020年"), 1)]
    settings = TrainSettings(negatives_sibling=1.0, negatives_best_window=0.0, negatives_same_context=0.0,
                             negatives_retrieved=0.0, traditional_share=0.0, window_chars=40)
    negatives = {x.question: x.passage for x in make_examples(qas, settings, random.Random(1)) if x.start < 0}
    assert negatives["甲县新图书馆在哪一年建成？"] == article[1]  # the sibling about the same library
    assert negatives["甲县新图书馆位于哪里？"] == article[0]
    assert "乙县新图书馆在哪一年建成？" not in negatives  # its article has one paragraph
    for q in qas:
        assert q.answers[0] not in negatives.get(q.question, "")


def test_a_negatives_only_file_lends_sibling_windows_and_no_answer_spans():
    import random

    from rag.reader.train import QA, TrainSettings, make_examples

    article = ["甲县于2019年建成新图书馆，馆藏十二万册。", "甲县新图书馆位于城东，由市设计院设计。"]
    qas = [QA("q0", 0, article[0], "甲县新图书馆在哪一年建成？", ("2019年",), article[0].index("2019年"), 0, True),
           QA("q1", 1, article[1], "甲县新图书馆位于哪里？", ("城东",), article[1].index("城东"), 0, True)]
    settings = TrainSettings(negatives_sibling=1.0, negatives_best_window=1.0, negatives_same_context=1.0,
                             negatives_retrieved=1.0, traditional_share=0.0, window_chars=40)
    examples = make_examples(qas, settings, random.Random(1))
    assert sorted((x.question, x.passage, x.start) for x in examples) == [
        ("甲县新图书馆位于哪里？", article[0], -1), ("甲县新图书馆在哪一年建成？", article[1], -1)]
