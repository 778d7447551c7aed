"""How each cost grows with the archive: build, one-file add/change/delete, search/ask latency, memory,
open time and disk size, at 10k, 100k and 1M passages (a table for people, JSON for machines).

    python bench/scale.py --sizes 10000 100000 --work /tmp/scale --out bench/results-scale.json
    python bench/scale.py --sizes 1000000 --work /tmp/scale --out bench/results-scale-1m.json

The archives are generated: each document is a headline and 5-9 sentences drawn (seeded) from a pool of
real sentences (the CMRC 2018 and XQuAD training contexts, the DRCD/CMRC evaluation contexts and the
seeds), so passages read like news text and reposts are rare. Embedding them all with the model would
take hours at these sizes (its speed is measured on its own: ``embed`` line), so passage vectors are
**perturbed copies of real vectors**: every pool sentence is embedded once with the real model, and a
passage's vector is the normalised sum of its sentences' vectors plus a little noise. Questions are
real (CMRC/DRCD questions, embedded by the real model at query time), and ``ask`` runs the real reader.
Build times below therefore exclude embedding; add passages / (embed passages/s) for a real archive.

Recall: the approximate index's dense top-10 against exact search over the same vectors, and how many of
the fused top-10 passages agree with an exact-search run, for the same questions.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"


def _pool(limit: int) -> tuple[list[str], list[str], list[str]]:
    """Sentences (a seeded sample of ``limit``), headlines and questions from the provided files."""
    from rag.text import split_sentences

    sentences, titles, questions = [], [], []
    files = sorted((SHARED / "train").glob("*.json")) + sorted((SHARED / "eval").glob("*.json"))
    for f in files:
        data = json.loads(f.read_text(encoding="utf-8"))
        for art in data["data"]:
            if art.get("title"):
                titles.append(art["title"])
            for para in art["paragraphs"]:
                ctx = para["context"]
                sentences.extend(ctx[s:e] for s, e in split_sentences(ctx) if 8 <= e - s <= 160)
                if "eval" in str(f):
                    questions.extend(q["question"] for q in para["qas"])
    for f in sorted((ROOT / "seeds").glob("*.txt")):
        text = f.read_text(encoding="utf-8")
        sentences.extend(text[s:e] for s, e in split_sentences(text) if 8 <= e - s <= 160)
    sentences = sorted(set(sentences))
    if len(sentences) > limit:
        sentences = sorted(random.Random(1).sample(sentences, limit))
    return sentences, sorted(set(titles)), questions


def _sentence_vectors(sentences: list[str], work: Path) -> np.ndarray:
    """Real vectors of the pool sentences (embedded once, kept in ``work``)."""
    from rag.config import Config
    from rag.embed import load_encoder

    path = work / f"pool-{len(sentences)}.npy"
    if path.exists():
        return np.load(path)
    c = Config()
    enc = load_encoder(c.model, c.query_prompt, c.passage_prompt, c.threads, c.int8_queries, c.query_runtime)
    t0 = time.perf_counter()
    vecs = enc.encode_passages(sentences, batch_size=64)
    print(f"pool: {len(sentences)} sentences embedded in {time.perf_counter() - t0:.0f} s", flush=True)
    np.save(path, vecs)
    return vecs


def perturbed_sum(parts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A generated passage's vector: the normalised sum of its sentences' real vectors (rows of ``parts``)
    plus Gaussian noise of 0.01 per dimension, normalised again."""
    v = parts.sum(axis=0) if len(parts) else np.zeros(parts.shape[1], np.float32)
    v = v / (np.linalg.norm(v) or 1.0) + rng.normal(0, 0.01, parts.shape[1]).astype(np.float32)
    return v / np.linalg.norm(v)


class PoolEncoder:
    """The real encoder for questions; passages get the sum of their pool sentences' real vectors."""

    def __init__(self, real, table: dict[str, int], vectors: np.ndarray) -> None:
        self.real, self.table, self.vectors = real, table, vectors
        self.name, self.dim = real.name, real.dim

    def encode_queries(self, texts):
        return self.real.encode_queries(texts)

    def word_embeddings(self):
        return self.real.word_embeddings()

    def encode_passages(self, texts, *, batch_size: int = 32, progress=None, int8: bool = False, bf16: bool = False):
        from rag.text import split_sentences

        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, t in enumerate(texts):
            ids = [self.table[t[s:e]] for s, e in split_sentences(t) if t[s:e] in self.table]
            out[i] = perturbed_sum(self.vectors[ids], np.random.default_rng(zlib.crc32(t.encode('utf-8'))))
            if progress and i % 4096 == 0:
                progress(i, len(texts))
        return out


def make_archive(folder: Path, passages: int, sentences: list[str], titles: list[str], seed: int = 5,
                 per_doc: int = 6) -> int:
    """Write about ``passages`` passages' worth of documents (~``per_doc`` passages each); returns the file count."""

    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    n_docs = max(1, passages // per_doc)
    for i in range(n_docs):
        sub = folder / f"{i // 1000:04d}"
        sub.mkdir(exist_ok=True)
        body = []
        while sum(len(s) for s in body) < 137 * per_doc:
            body.append(rng.choice(sentences))
        date = f"20{10 + rng.randrange(14)}-{1 + rng.randrange(12):02d}-{1 + rng.randrange(28):02d}"
        title = f"{rng.choice(titles)}：{body[0][:18]}"
        text = f"{title}\n发布时间：{date}  来源：测试网{i % 37}\n" + "\n".join(body) + "\n"
        (sub / f"doc{i:07d}.txt").write_text(text, encoding="utf-8")
    return n_docs


def _rss_mb(kind: str = "VmRSS") -> float:
    """Resident memory in MB; ``kind="RssFile"``: the part that is mapped files (index files read
    through memory maps, reclaimable by the kernel), ``"RssAnon"``: the process's own memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(kind + ":"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _open_probe(index: Path, questions: list[str] = ()) -> dict:
    """Open time and memory, measured in a fresh process (after the model is loaded); then the
    memory after searching ``questions`` (split into the process's own and mapped index files)."""
    code = f"""
import json, time, sys
sys.path.insert(0, {str(ROOT)!r})
sys.argv = ['probe']
from bench.scale import _rss_mb
from rag.config import Config
from rag.embed import load_encoder
from rag.reader import load_reader
c = Config()
enc = load_encoder(c.model, c.query_prompt, c.passage_prompt, c.threads, c.int8_queries, c.query_runtime)
load_reader(c.reader_weights or None, c.reader_int8, enc)  # as Index loads it (sharing the encoder's table)
before = _rss_mb()
import rag
t = time.perf_counter()
idx = rag.open_index({str(index)!r})
opened = time.perf_counter() - t
after = _rss_mb()
idx.search("检察机关", k=5)
first = _rss_mb()
for q in {list(questions)!r}:
    idx.search(q, k=5)
print(json.dumps({{"open_s": round(opened, 2), "rss_after_open_mb": round(after), "rss_index_mb": round(after - before),
                  "rss_after_first_search_mb": round(first), "rss_after_searches_mb": round(_rss_mb()),
                  "rss_anon_after_searches_mb": round(_rss_mb("RssAnon")),
                  "rss_file_after_searches_mb": round(_rss_mb("RssFile")), "searches": {len(questions)}}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def _disk_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


def run_size(size: int, work: Path, pool, vectors: np.ndarray, questions: list[str], n_questions: int,
             per_doc: int = 6, reuse: bool = False) -> dict:
    import rag
    import rag.build
    from rag.config import Config
    from rag.embed import load_encoder

    sentences, titles, _ = pool
    c = Config()
    real = load_encoder(c.model, c.query_prompt, c.passage_prompt, c.threads, c.int8_queries, c.query_runtime)
    fake = PoolEncoder(real, {s: i for i, s in enumerate(sentences)}, vectors)
    rag.build.load_encoder = lambda *a, **k: fake  # noqa: the bench's passages get pooled vectors

    src, idx = work / f"src-{size}", work / f"idx-{size}"
    if not src.exists():
        t = time.perf_counter()
        files = make_archive(src, size, sentences, titles, per_doc=per_doc)
        print(f"[{size}] archive: {files} files in {time.perf_counter() - t:.0f} s", flush=True)
    if reuse and (idx / "manifest.json").exists():  # measure searching again (e.g. on an idle machine)
        index = rag.open_index(idx)
        row = {"target_passages": size, "documents": len(index), "passages": len(index._retriever.chunks),
               "dense": index.manifest["dense"], "disk_mb": round(_disk_mb(idx)), "reused": True}
        return _measure(row, size, idx, questions, n_questions)
    if idx.exists():
        shutil.rmtree(idx)
    t = time.perf_counter()
    index = rag.build_index(src, idx)
    build_s = time.perf_counter() - t
    passages = len(index._retriever.chunks)
    print(f"[{size}] build: {len(index)} documents, {passages} passages, {build_s:.0f} s "
          f"(dense {index.manifest['dense']['kind']})", flush=True)
    row = {"target_passages": size, "documents": len(index), "passages": passages, "build_s": round(build_s, 1),
           "dense": index.manifest["dense"], "disk_mb": round(_disk_mb(idx))}

    # one-file add / change / delete, each a file named on its own (as `rag update FILE`)
    rng = random.Random(11)
    new = src / "new" / "added.txt"
    new.parent.mkdir(exist_ok=True)
    new.write_text("新增报道：检察机关召开专题会议\n发布时间：2026-12-01\n" + "\n".join(rng.sample(sentences, 7)),
                   encoding="utf-8")
    t = time.perf_counter()
    index.update(new)
    row["add_one_s"] = round(time.perf_counter() - t, 3)
    new.write_text(new.read_text(encoding="utf-8") + "\n" + rng.choice(sentences), encoding="utf-8")
    t = time.perf_counter()
    index.update(new)
    row["change_one_s"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    index.remove(new, delete_files=True)
    row["delete_one_s"] = round(time.perf_counter() - t, 3)
    row["segments_after"] = len(index.manifest["segments"])
    print(f"[{size}] add {row['add_one_s']} s, change {row['change_one_s']} s, delete {row['delete_one_s']} s",
          flush=True)

    return _measure(row, size, idx, questions, n_questions)


def _measure(row: dict, size: int, idx: Path, questions: list[str], n_questions: int) -> dict:
    import rag

    qs = questions[:n_questions]
    # memory after searching: other questions than the timed ones, whose pages stay cold
    probe_qs = questions[n_questions + 50 : 2 * n_questions + 50]
    row.update(_open_probe(idx, probe_qs))
    print(f"[{size}] open {row['open_s']} s, RSS after open {row['rss_after_open_mb']} MB "
          f"(index {row['rss_index_mb']} MB); after {len(probe_qs)} searches {row['rss_after_searches_mb']} MB "
          f"(own {row['rss_anon_after_searches_mb']} MB, mapped index files {row['rss_file_after_searches_mb']} MB)",
          flush=True)

    index = rag.open_index(idx)
    # a serving process has answered questions before: warm the page cache with 50 *other* questions,
    # and jieba's tagger as `rag serve` does at start
    from rag.span import warm_up

    warm_up()
    for q in questions[n_questions : n_questions + 50]:
        index.search(q)
    index.ask(questions[n_questions])
    lat_s, lat_a = [], []
    for q in qs:
        t = time.perf_counter()
        index.search(q, k=5)
        lat_s.append((time.perf_counter() - t) * 1000)
    for q in qs[: max(20, n_questions // 2)]:
        t = time.perf_counter()
        index.ask(q)
        lat_a.append((time.perf_counter() - t) * 1000)
    row.update(search_p50_ms=round(_pct(lat_s, 50)), search_p95_ms=round(_pct(lat_s, 95)),
               ask_p50_ms=round(_pct(lat_a, 50)), ask_p95_ms=round(_pct(lat_a, 95)))
    print(f"[{size}] search p50 {row['search_p50_ms']} ms p95 {row['search_p95_ms']} ms; "
          f"ask p50 {row['ask_p50_ms']} ms p95 {row['ask_p95_ms']} ms", flush=True)

    dense = index._retriever.dense
    if dense.approximate is not None:
        row["recall"] = _recall(index, qs)
        print(f"[{size}] recall {row['recall']}", flush=True)
    return row


def _recall(index, qs: list[str]) -> dict:
    """Dense recall@10 of the approximate index against exact search, by lists probed, as retrieval uses it
    (100 candidates rescored exactly, the best 10 kept); also counting a result whose cosine is within 0.001
    of the exact 10th as found (near-ties); and the fused top-10 agreement at the configured lists."""
    from rag.dense import DenseIndex

    retr = index._retriever
    approx = retr.dense
    exact = DenseIndex(approx.parts, approx.live, None)
    qv = retr.encoder.encode_queries(qs)
    truth = []
    for v in qv:
        cos = exact.scores(v)
        cos[~approx.live] = -2
        top = np.argpartition(-cos, 10)[:10]
        truth.append((set(top.tolist()), float(cos[top].min())))
    out = {}
    for probes in (32, 64, 128, 256, 512):
        approx.approximate.index.nprobe = probes
        hit = near = 0
        times = []
        for v, (want, tenth) in zip(qv, truth):
            t = time.perf_counter()
            got = approx.approximate.search(v, 100)
            cos = approx.cosines(v, got)
            got, cos = got[np.argsort(-cos)[:10]], np.sort(cos)[::-1][:10]
            times.append((time.perf_counter() - t) * 1000)
            hit += len(want & set(got.tolist()))
            near += int((cos >= tenth - 1e-3).sum())
        out[f"dense@10_nprobe{probes}"] = round(hit / (10 * len(qs)), 4)
        out[f"near@10_nprobe{probes}"] = round(near / (10 * len(qs)), 4)
        out[f"ms_nprobe{probes}"] = round(statistics.median(times), 2)
    approx.approximate.index.nprobe = approx.approximate.nprobe
    agree = 0
    for q, v in zip(qs, qv):
        a = [s.chunk_index for s in retr.score_passages(q, query_vector=v)[:10]]
        retr.dense = exact
        b = [s.chunk_index for s in retr.score_passages(q, query_vector=v)[:10]]
        retr.dense = approx
        agree += len(set(a) & set(b))
    out["fused@10_agreement"] = round(agree / (10 * len(qs)), 4)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--work", type=Path, default=Path("/tmp/scale"))
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--questions", type=int, default=200)
    ap.add_argument("--reuse", action="store_true", help="open an index an earlier run built; measure search only")
    ap.add_argument("--doc-passages", type=int, default=6, help="passages per generated document")
    ap.add_argument("--pool", type=int, default=12_000, help="pool sentences embedded with the real model")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    pool = _pool(args.pool)
    vectors = _sentence_vectors(pool[0], args.work)
    questions = pool[2][:]
    random.Random(3).shuffle(questions)
    rows = [run_size(s, args.work, pool, vectors, questions, args.questions, args.doc_passages, args.reuse)
            for s in args.sizes]
    print(f"\n{'passages':>9} {'build s':>8} {'add s':>6} {'chg s':>6} {'del s':>6} {'open s':>6} {'RSS MB':>7} "
          f"{'disk MB':>7} {'srch p50/95':>12} {'ask p50/95':>11}  dense")
    for r in rows:
        print(f"{r['passages']:>9} {r.get('build_s', '-'):>8} {r.get('add_one_s', '-'):>6} "
              f"{r.get('change_one_s', '-'):>6} {r.get('delete_one_s', '-'):>6} {r['open_s']:>6} {r['rss_after_open_mb']:>7} {r['disk_mb']:>7} "
              f"{r['search_p50_ms']:>5}/{r['search_p95_ms']:<6} {r['ask_p50_ms']:>4}/{r['ask_p95_ms']:<6} "
              f"{r['dense']['kind']}")
    if args.out:
        args.out.write_text(json.dumps({"machine": os.cpu_count(), "rows": rows}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
