"""Coordinate ascent on a score the fits care about directly (recall@1, F1), for small linear models.

``rag.rerank_fit`` and ``rag.span_choice_fit`` fit a handful of weights for a ranking measure, which a
likelihood (logistic, listwise) does not optimise: each weight in turn moves up or down by a step while the
objective rises, then the step halves.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["coordinate_ascent"]


def coordinate_ascent(objective: Callable[[np.ndarray], float], start: np.ndarray, *, fixed: int,
                      steps: Sequence[float], tolerance: float = 1e-4) -> np.ndarray:
    """The weights reached from ``start``; weight ``fixed`` never moves (it sets the scale).

    >>> w = coordinate_ascent(lambda v: -abs(v[1] - 2.0), np.array([1.0, 0.0]), fixed=0, steps=(1.0, 0.5))
    >>> w.tolist()
    [1.0, 2.0]
    """
    w = np.asarray(start, dtype=float).copy()
    best = objective(w)
    for step in steps:
        moved = True
        while moved:
            moved = False
            for j in range(len(w)):
                if j == fixed:
                    continue
                for delta in (step, -step):
                    v = w.copy()
                    v[j] += delta
                    o = objective(v)
                    if o > best + tolerance:
                        w, best, moved = v, o, True
    return w
