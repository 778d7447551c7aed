"""How the answer stage should use the reader: measured offline on a part of a SQuAD file.

For each question, the passages are retrieved once and the reader reads the best
``--passages`` of them; every strategy (how many passages, raw span score or margin
over "no answer", a retrieval prior, falling back to the rules below a margin) is then
scored on the same reader outputs, so strategies are compared on identical inputs.

Usage: python bench/reader_choices.py FILE.json --keep DIR [--part dev] [--limit N] [--weights DIR]
(``--keep`` as in bench/answers.py: the index built there is reused.)
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

import rag
from rag.span import question_kind

sys.path.insert(0, str(Path(__file__).resolve().parent))
from answers import _norm, _part, char_f1  # noqa: E402
from retrieval import load_squad_answers, write_corpus  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("file", type=Path)
    ap.add_argument("--keep", type=Path, required=True)
    ap.add_argument("--part", default="dev")
    ap.add_argument("--limit", type=int, default=300)
    ap.add_argument("--weights")
    ap.add_argument("--passages", type=int, default=5)
    ap.add_argument("--int8", action="store_true", help="int8 reader instead of float32")
    args = ap.parse_args()
    contexts, questions = load_squad_answers(args.file)
    questions = _part(questions, args.part)[: args.limit]
    root = args.keep / args.file.stem
    if not (root / "idx" / "manifest.json").exists():
        (root / "corpus").mkdir(parents=True, exist_ok=True)
        write_corpus(contexts, root / "corpus")
        rag.build_index(root / "corpus", root / "idx")
    cfg = {"answer_threshold": 0.0, "reader": "rules"}
    index = rag.open_index(root / "idx", config=rag.Config(**cfg))
    from rag.reader import load_reader

    reader = load_reader(args.weights, args.int8)
    retr = index._retriever
    rows = []
    for q, cid, golds in questions:
        rules = index.ask(q)
        qvec = retr.encoder.encode_queries([q])[0]
        scored = retr.score_passages(q, query_vector=qvec)[: args.passages]
        chunks = [retr.chunks[p.chunk_index] for p in scored]
        guesses = reader.read(q, [c.text for c in chunks], top=1)
        spans = []
        for g in guesses:
            c = chunks[g.passage]
            spans.append((g.passage, g.score, g.null, c.text[g.start : g.end], scored[g.passage].score))
        f1 = lambda t, golds=golds: max(char_f1(t, x) for x in golds)  # noqa: E731
        em = lambda t, golds=golds: max(float(_norm(t) == _norm(x)) for x in golds)  # noqa: E731
        rows.append({"kind": question_kind(q) or "other", "spans": spans,
                     "rules": (f1(rules.short.text) if rules.short else 0.0, em(rules.short.text) if rules.short else 0.0),
                     "f1": f1, "em": em})
    print(f"{args.file.name}: {len(rows)} questions ({args.part})")
    r_f1 = sum(r["rules"][0] for r in rows) / len(rows)
    print(f"  rules alone: F1 {r_f1:.3f}")
    for n, mode, prior, fallback in itertools.product(range(1, args.passages + 1), ["score", "margin"],
                                                      [0.0, 5.0], [None, -2.0, 0.0, 2.0]):
        f1s, ems, used = [], [], 0
        for r in rows:
            cand = [s for s in r["spans"] if s[0] < n]
            if not cand:
                f1s.append(r["rules"][0]); ems.append(r["rules"][1]); continue
            nulls = min(s[2] for s in cand)
            key = (lambda s: s[1] + prior * s[4]) if mode == "score" else (lambda s: s[1] - s[2] + prior * s[4])
            best = max(cand, key=key)
            if fallback is not None and best[1] - nulls < fallback:
                f1s.append(r["rules"][0]); ems.append(r["rules"][1]); continue
            used += 1
            f1s.append(r["f1"](best[3])); ems.append(r["em"](best[3]))
        print(f"  passages {n} {mode:6s} prior {prior:3.1f} fallback {fallback!s:5s}: EM {sum(ems)/len(rows):.3f} "
              f"F1 {sum(f1s)/len(rows):.3f} reader used {used/len(rows):.2f}")


if __name__ == "__main__":
    main()
