"""How many IVF lists a question must probe for recall@10 against exact search, on *real* vectors.

    python bench/ann_real.py --work /tmp/ann-real

``bench/scale.py`` measures the approximate index at 1M passages whose vectors are generated (sums of real
sentence vectors plus noise). This script asks the same question of real e5 vectors: every distinct
sentence (8-160 characters) and 150-character passage of the provided training and evaluation files and
the seeds (about 54,500 texts, embedded once and kept in ``--work``: about 25 minutes on 2 cores), indexed
as the files backend indexes a large archive (``rag.dense.train_approximate``: IVF-SQ8, inner product), with lists of the size the 1M index
has (about 272 vectors each), so the share of lists probed matches. For each share it prints recall@10 of
real questions (100 candidates rescored exactly, as retrieval does), of passages used as queries (a
symmetric search), and of the same number of generated vectors made as ``bench/scale.py`` makes them
(from ``--work``/pool.npy: copy ``pool-12000.npy`` from bench/scale.py's work folder; that column is left
out without it).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from scale import SHARED, _pool, perturbed_sum  # noqa: E402

SHARES = (128 / 4349, 256 / 4349, 512 / 4349, 0.24, 0.5)  # the 1M index's 128/256/512 of 4,349 lists, then more


def _texts() -> tuple[list[str], list[str]]:
    sentences, _, questions = _pool(10**9)
    texts = list(sentences)
    for f in sorted((SHARED / "train").glob("*.json")) + sorted((SHARED / "eval").glob("*.json")):
        for art in json.loads(f.read_text(encoding="utf-8"))["data"]:
            for p in art["paragraphs"]:
                c = p["context"]
                texts.extend(c[i:i + 150] for i in range(0, len(c), 150) if len(c[i:i + 150]) >= 30)
    return sorted(set(texts)), questions


def _recall(index, vectors: np.ndarray, queries: np.ndarray, nprobe: int, skip_self: bool = False) -> float:
    index.nprobe = nprobe
    _, found = index.search(queries, 101)
    exact = np.argsort(-(vectors @ queries.T), axis=0)[:11].T
    hits = []
    for query, row, want in zip(queries, found, exact):
        ids = row[row >= 0]
        top = ids[np.argsort(-(vectors[ids] @ query))[:11]]
        if skip_self:  # a passage finds itself first: compare the next ten
            want, top = want[1:], top[1:]
        hits.append(len(set(top[:10].tolist()) & set(want[:10].tolist())) / 10)
    return float(np.mean(hits))


def _ivf(vectors: np.ndarray, nlist: int):
    """The approximate index as a build makes it (:func:`rag.dense.train_approximate`), holding ``vectors``."""
    from rag.dense import train_approximate

    ann = train_approximate(vectors, nlist=nlist, nprobe=1)
    ann.add(vectors, 0)
    return ann.index


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/ann-real"))
    ap.add_argument("--questions", type=int, default=300)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    from rag.config import Config
    from rag.embed import load_encoder

    c = Config()
    enc = load_encoder(c.model, c.query_prompt, c.passage_prompt, c.threads, c.int8_queries, c.query_runtime)
    texts, questions = _texts()
    cache = args.work / f"real-{len(texts)}.npy"
    if cache.exists():
        vectors = np.load(cache)
    else:
        t0 = time.perf_counter()
        vectors = enc.encode_passages(texts, batch_size=64)
        np.save(cache, vectors)
        print(f"{len(texts)} texts embedded in {time.perf_counter() - t0:.0f} s", flush=True)
    random.Random(3).shuffle(questions)
    q = np.ascontiguousarray(enc.encode_queries(questions[: args.questions]), dtype=np.float32)
    p = np.ascontiguousarray(vectors[np.random.default_rng(0).choice(len(vectors), args.questions, replace=False)])

    pool = np.load(args.work / "pool.npy") if (args.work / "pool.npy").exists() else None
    generated = None
    if pool is not None:
        rng = np.random.default_rng(5)
        generated = np.zeros_like(vectors)
        for i in range(len(vectors)):
            generated[i] = perturbed_sum(pool[rng.choice(len(pool), rng.integers(2, 4), replace=False)], rng)

    nlist = max(16, round(len(vectors) / 272))
    real = _ivf(vectors, nlist)
    gen = _ivf(generated, nlist) if generated is not None else None
    cos = vectors @ q.T
    print(f"{len(vectors)} real vectors, {nlist} lists; question-passage cosine mean {cos.mean():.3f}, "
          f"passage-passage {float((vectors[:2000] @ p.T).mean()):.3f}")
    print("| lists probed | share | questions, real vectors | passages as queries, real | questions, generated |")
    print("|---|---|---|---|---|")
    for share in SHARES:
        n = max(1, round(share * nlist))
        g = f"{_recall(gen, generated, q, n):.3f}" if gen is not None else "(no pool.npy)"
        print(f"| {n} | {share:.1%} | {_recall(real, vectors, q, n):.3f} | "
              f"{_recall(real, vectors, p, n, skip_self=True):.3f} | {g} |", flush=True)


if __name__ == "__main__":
    main()
