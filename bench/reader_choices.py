"""How the answer stage should choose among the reader's spans: measured offline on a part of SQuAD files.

For each question the passages are retrieved once and the reader reads the best ``--passages`` of
them (one best span per window, as ``index.ask`` does); every strategy is then scored on the same
reader outputs, so strategies are compared on identical inputs. A span's key is

    margin over its window's "no answer" + prior * passage's fused retrieval score
    + coverage * question's IDF-weighted terms in the span's sentence (title words count as present)
    + window * the same within the sentence's best 20-character window (title words left out)

and the best key across the passages read is the short answer; the sentence that holds it is the
quote. Printed for each file and for the mean over the files: EM and F1 of the short answer and the
share of quotes that contain a gold answer, the strategies ordered by mean F1, with the shipped one
(the hand-set weights ``rag.span_choice.HAND``, ``Config().reader_passages``) marked; ``ask`` now
chooses with the weights ``python -m rag.span_choice_fit`` fits on training questions.

Usage: python bench/reader_choices.py FILE.json [FILE.json ...] --keep DIR [--part dev] [--limit N]
       [--passages 4] [--rows ROWS.json]
(``--keep`` as in bench/answers.py: the index built there is reused; ``--rows`` keeps the reader's
outputs so that a second run, with the same arguments, skips reading.)
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import rag
from rag.answer import read_question
from rag.answer.coverage import sentence_says
from rag.text import terms
from rag.span_choice import HAND
from rag.text import split_sentences

sys.path.insert(0, str(Path(__file__).resolve().parent))
from answers import _norm, _part, char_f1  # noqa: E402
from retrieval import load_squad_answers, write_corpus  # noqa: E402


def read_file(path: Path, keep: Path, part: str, limit: int, passages: int) -> list[list[dict]]:
    """Per question, the reader's best span in each window of the best ``passages`` passages, with features."""
    contexts, questions = load_squad_answers(path)
    questions = _part(questions, part)[:limit]
    root = keep / path.stem
    if not (root / "idx" / "manifest.json").exists():
        (root / "corpus").mkdir(parents=True, exist_ok=True)
        write_corpus(contexts, root / "corpus")
        rag.build_index(root / "corpus", root / "idx")
    index = rag.open_index(root / "idx", config=rag.Config(answer_threshold=0.0))
    retr, reader = index._retriever, index._reader
    rows = []
    for q, _cid, golds in questions:
        qvec = retr.encoder.encode_queries([q])[0]
        scored = retr.score_passages(q, query_vector=qvec)[:passages]
        chunks = [retr.chunks[p.chunk_index] for p in scored]
        question = read_question(q, idf=retr.lexical.idf)
        spans = []
        for g in reader.read(q, [c.text for c in chunks], top=1):
            c = chunks[g.passage]
            doc = retr.documents[c.doc_id]
            a, b = c.start + g.start, c.start + g.end
            inside = [(s, e) for s, e in split_sentences(doc.text, c.start, c.end) if s < b and e > a] or [(a, b)]
            sentence = doc.text[inside[0][0] : inside[-1][1]]
            whole, window = sentence_says(question, frozenset(terms(doc.title or "")), sentence)
            span = doc.text[a:b]
            spans.append({"passage": g.passage, "margin": g.score - g.null, "prior": scored[g.passage].score,
                          "coverage": whole, "window": window,
                          "em": max(float(_norm(span) == _norm(x)) for x in golds),
                          "f1": max(char_f1(span, x) for x in golds),
                          "contains": any(_norm(x) and _norm(x) in _norm(sentence) for x in golds)})
        rows.append(spans)
    return rows


def score(rows: list[list[dict]], passages: int, prior: float, coverage: float, window: float) -> tuple[float, ...]:
    """EM, F1 and quote-contains-gold of the strategy over ``rows`` (a question without spans scores 0)."""
    em = f1 = contains = 0.0
    for spans in rows:
        cands = [s for s in spans if s["passage"] < passages]
        if not cands:
            continue
        best = max(cands, key=lambda s: s["margin"] + prior * s["prior"] + coverage * s["coverage"]
                   + window * s["window"])
        em, f1, contains = em + best["em"], f1 + best["f1"], contains + best["contains"]
    n = max(len(rows), 1)
    return em / n, f1 / n, contains / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", type=Path)
    ap.add_argument("--keep", type=Path, required=True)
    ap.add_argument("--part", default="dev")
    ap.add_argument("--limit", type=int, default=100_000)
    ap.add_argument("--passages", type=int, default=4, help="the most passages any strategy reads")
    ap.add_argument("--rows", type=Path, help="keep the reader's outputs here (read again when present)")
    ap.add_argument("--top", type=int, default=15, help="strategies printed")
    args = ap.parse_args()
    if args.rows and args.rows.exists():
        data = json.loads(args.rows.read_text(encoding="utf-8"))
    else:
        data = {f.name: read_file(f, args.keep, args.part, args.limit, args.passages) for f in args.files}
        if args.rows:
            args.rows.write_text(json.dumps(data), encoding="utf-8")
    # the hand-set choice (rag.span_choice.HAND) that the fitted one (rag/span_choice.json) started from
    shipped = (rag.Config().reader_passages, *HAND.weights[1:4])
    grid = set(itertools.product(range(1, args.passages + 1), [0.0, 2.5, 5.0, 7.5], [0.0, 2.0, 4.0, 8.0, 16.0],
                                 [0.0, 2.0, 4.0, 8.0, 16.0])) | {shipped}
    results = []
    for strategy in grid:
        per_file = [score(rows, *strategy) for rows in data.values()]
        mean = tuple(sum(x[i] for x in per_file) / len(per_file) for i in range(3))
        results.append((strategy, per_file, mean))
    results.sort(key=lambda r: -r[2][1])
    print(f"{', '.join(f'{k} ({len(v)} q)' for k, v in data.items())}, part {args.part}: EM / F1 / contains")
    for rank, (strategy, per_file, mean) in enumerate(results):
        if rank < args.top or strategy == shipped:
            cells = "   ".join(f"{e:.3f} / {f:.3f} / {c:.3f}" for e, f, c in per_file)
            mark = "  <- shipped" if strategy == shipped else ""
            print(f"  {rank + 1:4d}. passages {strategy[0]} prior {strategy[1]:3.1f} coverage {strategy[2]:4.1f} "
                  f"window {strategy[3]:4.1f}: {cells}   mean F1 {mean[1]:.3f}{mark}")


if __name__ == "__main__":
    main()
