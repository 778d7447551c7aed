from rag.text import fold, fold_aligned, query_terms, split_sentences, strip_question_words, terms


def test_fold_traditional_to_simplified_and_width():
    assert fold("最高檢黨組會") == "最高检党组会"
    assert fold("ＡＢＣ１２") == "abc12"


def test_fold_aligned_keeps_length():
    text = "檢察機關黨建工作責任制，２０２０年"
    assert len(fold_aligned(text)) == len(text)


def test_split_sentences_offsets_and_quotes():
    text = "“巡视是政治巡视。”会议指出，要加强。\n第二段！最后"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == ["“巡视是政治巡视。”", "会议指出，要加强。", "第二段！", "最后"]


def test_split_sentences_keeps_enumerations_whole():
    text = "一是统一研究；二是统一部署；三是统一落实。下一句。"
    assert [text[s:e] for s, e in split_sentences(text)] == ["一是统一研究；二是统一部署；三是统一落实。", "下一句。"]


def test_terms_are_char_unigrams_bigrams_and_words():
    assert terms("巡視工作 AI 32个") == ["巡", "视", "工", "作", "巡视", "视工", "工作", "ai", "32", "个"]


def test_question_words_removed():
    assert "什么" not in strip_question_words("根本任务是什么？")
    assert set(query_terms("巡视工作的根本任务是什么？")) >= {"巡视", "任务"}
    assert "什么" not in query_terms("巡视工作的根本任务是什么？")


def test_runs_without_full_stops_are_capped():
    from rag.text import MAX_SENTENCE

    flattened = "会议强调要加强队伍建设 " * 60  # a page flattened to one line without 。
    spans = split_sentences(flattened)
    assert len(spans) > 1 and all(e - s <= MAX_SENTENCE for s, e in spans)
    assert all(flattened[e - 1] == "设" for s, e in spans)  # cut at the spaces, not inside a word
    assert [e - s for s, e in split_sentences("甲" * 700)] == [300, 300, 100]
    long_sentence = "他说，" + "很长的句子内容，" * 20 + "结束。"  # 166 characters: one sentence
    assert split_sentences(long_sentence) == [(0, len(long_sentence))]


def test_english_sentences_split_at_full_stops():
    t = "The city invited 60 deputies on April 30. Dr. Li briefed them. It ended."
    assert [t[s:e] for s, e in split_sentences(t)] == [
        "The city invited 60 deputies on April 30.", "Dr. Li briefed them.", "It ended."]


def test_titles_lose_a_site_name_glued_with_a_dash():
    from rag.ingest.clean import _clean_title

    assert _clean_title("最高检部署开展专项活动-新华网") == "最高检部署开展专项活动"
    assert _clean_title("最高检部署开展专项活动—人民日报") == "最高检部署开展专项活动"
    assert _clean_title("2024-2025年工作要点") == "2024-2025年工作要点"  # a dash inside the headline stays
