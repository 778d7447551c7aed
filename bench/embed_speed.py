"""Embedding throughput: passages/s of the default encoder by batch size and precision, the machine's
measured matrix-multiply GFLOP/s, the model's FLOPs per passage, and what bfloat16 and int8 passages cost in recall.

    python bench/embed_speed.py ../shared/eval/DRCD_dev.json --passages 1200
    python bench/embed_speed.py ../shared/eval/DRCD_dev.json --passages 1200 --queries

``--queries``: instead, a question's embedding as a search makes it (one at a time, one thread) by
each query runtime (torch float32, torch int8, ONNX Runtime int8): latency, cosine to float32, and
recall@5 against the float passages.

Passages are the index's own (150-character chunks of the file's contexts, headline first). Recall@5 is
document-level over those passages for the file's questions whose context is among them: dense alone, and
fused with BM25 exactly as retrieval fuses (rag.retrieve.fuse), float vectors against int8 ones.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def machine_gflops(threads: int, n: int = 1024, reps: int = 20, dtype=None) -> float:
    import torch

    torch.set_num_threads(threads)
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b
    t = time.perf_counter()
    for _ in range(reps):
        a @ b
    return 2 * n**3 * reps / (time.perf_counter() - t) / 1e9


def flops_per_passage(model, tokens: np.ndarray) -> float:
    """Multiply-adds x 2 of the encoder's linear layers and attention for passages of ``tokens`` tokens."""
    cfg = model[0].auto_model.config
    h, layers, ff = cfg.hidden_size, cfg.num_hidden_layers, cfg.intermediate_size
    linear = layers * (4 * h * h + 2 * h * ff)  # Q, K, V, output; two feed-forward matrices
    return float(np.mean(2 * linear * tokens + layers * 4 * tokens**2 * h))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", type=Path)
    ap.add_argument("--passages", type=int, default=1200)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--queries", action="store_true", help="time the question encoders instead")
    args = ap.parse_args()

    import torch

    from bench.retrieval import load_squad
    from rag.chunk import chunk_document
    from rag.config import Config
    from rag.embed import load_encoder
    from rag.lexical import LexicalIndex
    from rag.records import Document
    from rag.retrieve import fuse, passage_text
    from rag.text import query_terms, terms

    torch.set_num_threads(args.threads)
    contexts, questions = load_squad(args.file)
    texts, owner = [], []
    for cid, (title, ctx) in enumerate(contexts):
        doc = Document(path=str(cid), title=title, date=None, source=None, author=None, url=None, text=ctx)
        for c in chunk_document(doc, cid):
            texts.append(passage_text(doc, c))
            owner.append(cid)
        if len(texts) >= args.passages:
            break
    texts, owner = texts[: args.passages], np.array(owner[: args.passages])
    c = Config()
    enc = load_encoder(c.model, c.query_prompt, c.passage_prompt, args.threads, True)
    tok = enc._model.tokenizer
    n_tok = np.array([len(tok(c.passage_prompt + t)["input_ids"]) for t in texts])
    fpp = flops_per_passage(enc._model, n_tok)
    peak = machine_gflops(args.threads)
    peak16 = machine_gflops(args.threads, dtype=torch.bfloat16)
    print(f"{len(texts)} passages, {n_tok.mean():.0f} tokens on average; {fpp / 1e9:.2f} GFLOP per passage; "
          f"machine: {peak:.0f} GFLOP/s float32 matmul, {peak16:.0f} bfloat16 ({args.threads} threads)")

    def run(model, batch: int, bf16: bool = False) -> tuple[float, np.ndarray]:
        if bf16:  # as SentenceTransformerEncoder.encode_passages(bf16=True) does it
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return run(model, batch)
        enc._encode([c.passage_prompt + texts[0]], batch_size=1, model=model)  # warm
        t = time.perf_counter()
        order = np.argsort([len(x) for x in texts], kind="stable")
        out = np.zeros((len(texts), enc.dim), np.float32)
        for i in range(0, len(texts), batch):
            idx = order[i:i + batch]
            out[idx] = enc._encode([c.passage_prompt + texts[j] for j in idx], batch_size=batch, model=model)
        return len(texts) / (time.perf_counter() - t), out

    qs = [(q, cid) for q, cid in questions if cid in set(owner.tolist())][:400]
    qv = enc.encode_queries([q for q, _ in qs])
    lexical = LexicalIndex.build([terms(t) for t in texts], k1=c.bm25_k1, b=c.bm25_b)
    bm25 = [lexical.scores(query_terms(q)) for q, _ in qs]

    def recall(vectors: np.ndarray, questions: np.ndarray | None = None) -> tuple[float, float]:
        dense = fused = 0
        for (q, cid), v, b in zip(qs, qv if questions is None else questions, bm25):
            cos = vectors @ v
            top = list(dict.fromkeys(owner[np.argsort(-cos)].tolist()))[:5]
            dense += cid in top
            ranked = [owner[s.chunk_index] for s in fuse(b, cos, None, weight=c.dense_weight, candidates=c.candidates)]
            fused += cid in list(dict.fromkeys(ranked))[:5]
        return dense / len(qs), fused / len(qs)

    rows = []
    base = None
    from rag.embed import native_bf16

    plans = [("float32, batch 32 (the first default)", enc._model, 32, False),
             ("float32, batch 64", enc._model, 64, False)]
    if native_bf16():
        plans += [("bfloat16, batch 32 (the default before)", enc._model, 32, True),
                  ("bfloat16, batch 64", enc._model, 64, True)]
    if args.queries:
        _queries(enc, c, qs, run(enc._model, 32)[1], recall)
        return
    plans += [("torch int8 dynamic, batch 32", enc._int8_model(), 32, False),
              ("torch int8 dynamic, batch 64", enc._int8_model(), 64, False)]
    if enc._onnx is not None:  # model None: the encoder's int8 ONNX graph (Config.int8_passages)
        plans += [("ONNX Runtime int8, 1 passage a thread (default)", None, 256, False)]
    for name, model, batch, bf16 in plans:
        speed, vecs = run(model, batch, bf16)
        base = speed if base is None else base
        r_dense, r_fused = recall(vecs)
        rows.append((name, speed, speed / base, speed * fpp / 1e9, r_dense, r_fused))
        print(f"{name:38} {speed:6.1f} passages/s  x{speed / base:4.2f}  {speed * fpp / 1e9:5.0f} GFLOP/s  "
              f"recall@5 dense {r_dense:.3f} fused {r_fused:.3f}", flush=True)
    print(f"\n{len(qs)} questions. Float32 at batch 32 reaches {rows[0][3] / peak:.0%} of the machine's measured "
          f"float32 matmul rate; the limit for float32 is {peak * 1e9 / fpp:.0f} passages/s, for bfloat16 "
          f"{peak16 * 1e9 / fpp:.0f}.")


def _queries(enc, c, qs, passages: np.ndarray, recall) -> None:
    """Per-question latency (one thread, as a search embeds it), fidelity and recall of each runtime."""
    import statistics

    import torch

    torch.set_num_threads(1)
    texts = [c.query_prompt + q for q, _ in qs]
    onnx = enc._onnx  # None where the ONNX graph could not be made (the encoder logged why)
    runtimes = [("torch float32", lambda t: enc._encode([t], batch_size=1, model=enc._model)),
                ("torch int8 (dynamic quantisation)", lambda t: enc._encode([t], batch_size=1, model=enc._int8_model()))]
    if onnx is not None:
        runtimes.append(("ONNX Runtime int8 (the default)", lambda t: onnx.encode([t])))
    vectors, times = {}, {}
    for name, fn in runtimes:
        for t in texts[:10]:
            fn(t)
        times[name], vectors[name] = [], []
    for t in texts:  # interleaved: every runtime sees the same machine state
        for name, fn in runtimes:
            t0 = time.perf_counter()
            vectors[name].append(fn(t)[0])
            times[name].append((time.perf_counter() - t0) * 1000)
    full = np.array(vectors["torch float32"])
    print(f"{len(texts)} questions, one at a time on one thread; recall@5 over the float32 passages")
    for name, _ in runtimes:
        v = np.array(vectors[name])
        r_dense, r_fused = recall(passages, v)
        print(f"{name:36} p50 {statistics.median(times[name]):5.1f} ms  p95 {np.percentile(times[name], 95):5.1f} ms  "
              f"cosine to float32 {np.mean((v * full).sum(axis=1)):.4f}  recall@5 dense {r_dense:.3f} fused {r_fused:.3f}",
              flush=True)


if __name__ == "__main__":
    main()
