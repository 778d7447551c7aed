"""Stage 4b: the fused candidates' top reordered by what decides on news — the question's own words close together.

First-stage retrieval (``rag.retrieve``) scores every passage by BM25 over character terms and by the
e5 cosine. On a news archive that is not enough at the top of the list: twenty thousand reports of
similar events share most of a question's words, and what tells the right one apart is the rare
words, the names and numbers, and whether the question's words stand together in one place of the
passage rather than spread over it. This stage looks at the first ``depth`` passages only and scores
each one on :data:`FEATURES` with a logistic model fitted by ``python -m rag.rerank_fit`` on the
licensed training files asked against an archive that mixes their contexts with 20,000 news items
(``rag/rerank.json`` holds the weights and the record of that fit). The passages' order changes; their
``Scored.score`` stays the fused one, so what the answer stage weighs is unchanged.

``bench/news_retrieval.py`` and ``bench/retrieval.py`` report BM25 alone, dense alone, fused and
reranked side by side.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

import numpy as np

__all__ = ["FEATURES", "SHIPPED", "Reranker", "features", "load_reranker"]

SHIPPED = Path(__file__).with_name("rerank.json")

FEATURES = (
    "fused",  # the first stage's fused score (its best is about 1)
    "bm25",  # BM25 over the best BM25 of the candidates
    "dense",  # cosine minus the best cosine of the candidates, times 10
    "fused_rank",  # 1 / (1 + rank) in the first stage's order
    "bm25_rank",  # 1 / (1 + rank) by BM25 among the candidates
    "coverage",  # IDF-weighted share of the question's terms in the passage (title included)
    "bigram_coverage",  # the same for its two-character terms only
    "window",  # ... within the best window of WINDOW characters
    "rare",  # share of the question's three rarest terms present
    "longest_run",  # the longest run of the question's characters found in the passage, over its length
    "numbers",  # share of the question's numbers and Latin words present (1 when it has none)
    "has_numbers",  # the question has numbers or Latin words
    "title",  # IDF-weighted share of the question's terms in the title
)
WINDOW = 40  # characters: the question's words standing together
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?|[a-z]{2,}")


def _positions(folded: str, q_terms: Sequence[str]) -> list[tuple[int, str]]:
    return sorted((m.start(), t) for t in q_terms for m in re.finditer(re.escape(t), folded))


def _window(occ: list[tuple[int, str]], idf: dict[str, float], total: float, width: int) -> float:
    best, j, inside = 0.0, 0, {}
    for p, t in occ:  # a sliding window over the sorted occurrences
        inside[t] = inside.get(t, 0) + 1
        while occ[j][0] < p - width + 1:
            u = occ[j][1]
            inside[u] -= 1
            if not inside[u]:
                del inside[u]
            j += 1
        best = max(best, sum(idf[u] for u in inside))
    return best / total if total > 0 else 0.0


def features(question_folded: str, q_terms: Sequence[str], idf: dict[str, float], title: str,
             text: str, rarest: Sequence[str]) -> list[float]:
    """The passage's own features (:data:`FEATURES` from ``coverage`` on), on folded text.

    ``q_terms``: the question's BM25 terms (``rag.text.query_terms``), ``idf`` their weights;
    ``title`` and ``text`` folded (``rag.text.fold``); ``rarest``: the question's rarest terms
    among those some candidate holds (a term no passage has tells none apart)."""
    q = [t for t in dict.fromkeys(q_terms) if idf.get(t, 0.0) > 0]
    total = sum(idf[t] for t in q)
    whole = f"{title}\n{text}"
    present = [t for t in q if t in whole]
    coverage = sum(idf[t] for t in present) / total if total > 0 else 0.0
    bigrams = [t for t in q if len(t) == 2]
    b_total = sum(idf[t] for t in bigrams)
    bigram_coverage = sum(idf[t] for t in bigrams if t in whole) / b_total if b_total > 0 else coverage
    window = _window(_positions(text, present), idf, total, WINDOW) if present else 0.0
    rare = sum(t in whole for t in rarest) / len(rarest) if rarest else 0.0
    asked = re.sub(r"\W", "", question_folded)
    run = (SequenceMatcher(None, asked, whole, autojunk=False).find_longest_match(0, len(asked), 0, len(whole)).size
           if asked else 0)
    numbers = set(_NUMBER.findall(question_folded))
    number_share = sum(n in whole for n in numbers) / len(numbers) if numbers else 1.0
    title_cov = sum(idf[t] for t in q if t in title) / total if total > 0 and title else 0.0
    return [coverage, bigram_coverage, window, rare, run / max(len(asked), 1), number_share,
            float(bool(numbers)), title_cov]


@dataclass(frozen=True)
class Reranker:
    """A logistic model over :data:`FEATURES` (standardised), applied to the first ``depth`` candidates."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    depth: int = 30

    def __post_init__(self) -> None:
        if tuple(self.names) != FEATURES:
            raise ValueError(f"reranker features {self.names} differ from rag.rerank.FEATURES: refit it "
                             "(python -m rag.rerank_fit)")

    def to_json(self) -> dict:
        return {"names": list(self.names), "mean": list(self.mean), "scale": list(self.scale),
                "coef": list(self.coef), "intercept": self.intercept, "depth": self.depth}

    @classmethod
    def from_json(cls, d: dict) -> Reranker:
        return cls(tuple(d["names"]), tuple(d["mean"]), tuple(d["scale"]), tuple(d["coef"]), float(d["intercept"]),
                   int(d.get("depth", 30)))

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((x - np.asarray(self.mean)) / np.asarray(self.scale)) @ np.asarray(self.coef) + self.intercept

    def rerank(self, scored: list, rows: np.ndarray) -> list:
        """``scored`` with its first ``len(rows)`` entries reordered by the model (rows: their features)."""
        if len(rows) < 2:
            return scored
        order = np.argsort(-self.logits(rows), kind="stable")
        return [scored[i] for i in order] + scored[len(rows):]


def candidate_rows(scored: Sequence, texts: Sequence[tuple[str, str]], question_folded: str,
                   q_terms: Sequence[str], idf: dict[str, float]) -> np.ndarray:
    """The :data:`FEATURES` of the first ``len(texts)`` entries of ``scored`` (fused order), given
    each one's folded (title, text)."""
    top = list(scored[: len(texts)])
    if not top:
        return np.zeros((0, len(FEATURES)))
    bm25 = np.array([s.lexical for s in top], dtype=np.float64)
    cos = np.array([s.dense for s in top], dtype=np.float64)
    q = [t for t in dict.fromkeys(q_terms) if idf.get(t, 0.0) > 0]
    held = [t for t in q if any(t in a or t in b for a, b in texts)]
    rarest = sorted(held, key=lambda t: -idf[t])[:3]
    bm25_rank = np.empty(len(top))
    bm25_rank[np.argsort(-bm25, kind="stable")] = np.arange(len(top))
    best = bm25.max() if bm25.max() > 0 else 1.0
    rows = []
    for i, (s, (title, text)) in enumerate(zip(top, texts)):
        rows.append([s.score, s.lexical / best, 10.0 * (s.dense - cos.max()), 1.0 / (1 + i),
                     1.0 / (1 + bm25_rank[i]), *features(question_folded, q_terms, idf, title, text, rarest)])
    return np.array(rows, dtype=np.float64)


@lru_cache(maxsize=4)
def load_reranker(path: str | None = None) -> Reranker | None:
    """The shipped reranker (``rag/rerank.json``), or None when there is none."""
    p = Path(path) if path else SHIPPED
    if not p.exists():
        return None
    return Reranker.from_json(json.loads(p.read_text(encoding="utf-8"))["model"])
