"""The one scorer: every candidate's features -> a ranking score, and for the best candidate the
probability that it is right, which decides between answering and "not in the archive".

Two fitted parts, both in ``scorer.json`` next to this module with the record of their fit
(``python -m rag.answer.fit``, on the training files in the open-domain setting ``ask`` sees):

- ``Trees``: gradient-boosted regression trees (fitted with scikit-learn's
  HistGradientBoostingRegressor) predicting a candidate's F1 with the gold answer from its
  features (``rag.answer.features.FEATURES``). Boosted trees, because the features interact
  (a date is good evidence for a when-question, not for a why-question; the reader's score
  means more in the passage it read best); measured against a logistic regression on the same
  rows, cross-validated: F1 of the chosen candidate +0.02, false answers at 97 % answered -0.04
  (docs/experiments.md). The trees are exported as plain arrays and evaluated here with
  numpy: nothing but numpy is loaded at question time, and no pickle is shipped.
- ``Head``: a logistic regression over the chosen candidate's features, its tree score and its
  lead over the runner-up: P(the chosen candidate is right).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.answer.features import FEATURES

__all__ = ["SHIPPED", "HEAD_EXTRA", "Head", "Scorer", "Trees", "load_scorer"]

SHIPPED = Path(__file__).with_name("scorer.json")
HEAD_EXTRA = ("tree_score", "lead")  # the head's inputs after FEATURES


@dataclass(frozen=True)
class Trees:
    """Boosted regression trees as arrays: node ``i`` of tree ``t`` sends ``x`` to ``left[t][i]``
    when ``x[feature[t][i]] <= threshold[t][i]``, else ``right[t][i]``; a leaf adds ``value``."""

    base: float
    feature: tuple[np.ndarray, ...]
    threshold: tuple[np.ndarray, ...]
    left: tuple[np.ndarray, ...]
    right: tuple[np.ndarray, ...]
    leaf: tuple[np.ndarray, ...]
    value: tuple[np.ndarray, ...]

    def predict(self, x: np.ndarray) -> np.ndarray:
        out = np.full(len(x), self.base)
        rows = np.arange(len(x))
        for f, th, lo, hi, leaf, val in zip(self.feature, self.threshold, self.left, self.right, self.leaf,
                                            self.value):
            node = np.zeros(len(x), dtype=np.int64)
            while True:
                inner = ~leaf[node]
                if not inner.any():
                    break
                go_left = x[rows, f[node]] <= th[node]
                node = np.where(inner, np.where(go_left, lo[node], hi[node]), node)
            out += val[node]
        return out

    def to_json(self) -> dict:
        return {"base": self.base, "trees": [
            {"feature": f.tolist(), "threshold": th.tolist(), "left": lo.tolist(), "right": hi.tolist(),
             "leaf": lf.astype(int).tolist(), "value": v.tolist()}
            for f, th, lo, hi, lf, v in zip(self.feature, self.threshold, self.left, self.right, self.leaf,
                                            self.value)]}

    @classmethod
    def from_json(cls, data: dict) -> Trees:
        trees = data["trees"]

        def col(name, dtype):
            return tuple(np.asarray(t[name], dtype=dtype) for t in trees)

        return cls(float(data["base"]), col("feature", np.int64), col("threshold", np.float64),
                   col("left", np.int64), col("right", np.int64), col("leaf", bool), col("value", np.float64))

    @classmethod
    def from_sklearn(cls, model) -> Trees:
        """The trees of a fitted HistGradientBoostingRegressor (numerical features, no missing values)."""
        nodes = [p[0].nodes for p in model._predictors]
        return cls(float(np.ravel(model._baseline_prediction)[0]),
                   tuple(n["feature_idx"].astype(np.int64) for n in nodes),
                   tuple(n["num_threshold"].astype(np.float64) for n in nodes),
                   tuple(n["left"].astype(np.int64) for n in nodes), tuple(n["right"].astype(np.int64) for n in nodes),
                   tuple(n["is_leaf"].astype(bool) for n in nodes), tuple(n["value"].astype(np.float64) for n in nodes))


@dataclass(frozen=True)
class Head:
    """A logistic regression over standardised inputs (FEATURES, then HEAD_EXTRA)."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    bias: float

    def __call__(self, inputs: Sequence[float]) -> float:
        z = self.bias + sum(c * (x - m) / s for c, x, m, s in zip(self.coef, inputs, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict:
        return {"mean": list(self.mean), "scale": list(self.scale), "coef": list(self.coef), "bias": self.bias}

    @classmethod
    def from_json(cls, data: dict) -> Head:
        return cls(tuple(map(float, data["mean"])), tuple(map(float, data["scale"])),
                   tuple(map(float, data["coef"])), float(data["bias"]))


@dataclass(frozen=True)
class Scorer:
    trees: Trees
    head: Head

    def rank(self, candidates: Sequence) -> list:
        """``candidates`` best first, each with ``score`` (the trees') and ``probability`` (the
        head's: P(right) were it chosen, its lead over the best of the others)."""
        if not candidates:
            return []
        x = np.array([[c.features[n] for n in FEATURES] for c in candidates], dtype=np.float64)
        scores = self.trees.predict(x)
        order = np.argsort(-scores, kind="stable")
        first, second = scores[order[0]], (scores[order[1]] if len(order) > 1 else scores[order[0]] - 1.0)
        out = []
        for i in order:
            c = candidates[i]
            c.score = float(scores[i])
            lead = c.score - (second if i == order[0] else first)
            c.probability = self.head([*x[i], c.score, lead])
            out.append(c)
        return out

    def to_json(self) -> dict:
        return {"features": list(FEATURES), "head_extra": list(HEAD_EXTRA), "trees": self.trees.to_json(),
                "head": self.head.to_json()}

    @classmethod
    def from_json(cls, data: dict, source: str = "answer scorer") -> Scorer:
        names = tuple(data["features"])
        if names != FEATURES:
            raise ValueError(f"{source} was fitted on features {list(names)}, this version computes "
                             f"{list(FEATURES)}: fit it again with python -m rag.answer.fit")
        return cls(Trees.from_json(data["trees"]), Head.from_json(data["head"]))


def load_scorer(path: str | Path = "") -> Scorer:
    """The fitted scorer at ``path`` (empty: the shipped one); a missing or unfitted file is a
    ConfigError that names it."""
    from rag.errors import ConfigError

    source = Path(path) if path else SHIPPED
    try:
        return Scorer.from_json(json.loads(source.read_text(encoding="utf-8"))["model"], str(source))
    except FileNotFoundError:
        raise ConfigError(f"scorer={str(source)!r} does not exist: give the scorer.json that "
                          "python -m rag.answer.fit wrote, or leave it empty for the shipped one") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"scorer={str(source)!r} is not a fitted answer scorer ({exc}); "
                          "fit one with python -m rag.answer.fit") from None
