"""How sure an answer is: named evidence about the quoted sentence, and the scorer that weighs it.

The answer stage measures, for the sentence it is about to quote, how much of the question the
passage, the sentence and the article's title hold, how close the question's embedding is to the
passage and to the sentence, how well the passage ranked, and by how much the reader's best span
beat "no answer here" (``FEATURES``). One of two weightings turns them into the confidence that
``ask`` compares with ``Config.answer_threshold`` (``Config.confidence``):

- ``"blend"`` (default): hand-set weights (0.3 passage coverage, 0.2 window coverage, 0.3 and 0.2 the
  two cosines, then ``reader_weight`` of the reader's margin), with the threshold chosen on the dev
  halves by bench/calibrate.py;
- ``"learned"``: a logistic regression over the features, fitted by ``python -m rag.confidence_fit``
  on questions of the training files asked with and without their own article in the archive (never
  on the evaluation files), shipped as ``confidence.json`` next to this module with the data's hashes
  and the fit's figures; it meets CMRC's false-answer target but not DRCD's (docs/experiments.md).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FEATURES", "ConfidenceModel", "blend", "load_confidence", "rescale_cosine", "squash_margin"]

FEATURES = (
    "passage_coverage",  # IDF-weighted share of the question's terms in the passage
    "sentence_coverage",  # ... in the quoted sentence, title words counted as present
    "window_coverage",  # ... within 20 characters of the sentence, title words left out
    "title_coverage",  # ... in the article's title
    "passage_cosine",  # question . passage (e5 cosine)
    "sentence_cosine",  # question . quoted sentence
    "retrieval_score",  # the passage's fused retrieval score (0..1)
    "reader_margin",  # the reader's best span over "no answer here", squashed to 0..1 (0.5 unread)
    "reader_read",  # 1 when the reader read the passages, else 0
    "question_terms",  # log(1 + distinct weighted terms in the question): how much coverage can say
)

SHIPPED = Path(__file__).with_name("confidence.json")


def rescale_cosine(cosine: float) -> float:
    """e5 cosines live in about 0.75 (unrelated) .. 0.95 (same content); map that to 0..1."""
    return min(1.0, max(0.0, (cosine - 0.75) / 0.2))


def squash_margin(margin: float) -> float:
    """The reader's margin of its best span over 'no answer here' (logits), mapped to 0..1."""
    return 0.5 * (1.0 + math.tanh(margin / 4))  # = 1 / (1 + exp(-margin / 2)), without overflow


def blend(features: Sequence[float], reader_weight: float) -> float:
    """The hand-weighted confidence (``Config.confidence="blend"``)."""
    f = dict(zip(FEATURES, features))
    rules = (0.3 * f["passage_coverage"] + 0.2 * f["window_coverage"]
             + 0.3 * rescale_cosine(f["passage_cosine"]) + 0.2 * rescale_cosine(f["sentence_cosine"]))
    if not f["reader_read"]:
        return rules
    return (1 - reader_weight) * rules + reader_weight * f["reader_margin"]


@dataclass(frozen=True)
class ConfidenceModel:
    """A logistic regression over standardised features: P(the archive holds the answer)."""

    names: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    bias: float

    def __call__(self, features: Sequence[float]) -> float:
        z = self.bias + sum(c * (x - m) / s for c, x, m, s in zip(self.coef, features, self.mean, self.scale))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def to_json(self) -> dict:
        return {"features": list(self.names), "mean": list(self.mean), "scale": list(self.scale),
                "coef": list(self.coef), "bias": self.bias}

    @classmethod
    def from_json(cls, data: dict, source: str = "confidence model") -> ConfidenceModel:
        names = tuple(data["features"])
        if names != FEATURES:
            raise ValueError(f"{source} was fitted on features {list(names)}, this version computes "
                             f"{list(FEATURES)}: fit it again with python -m rag.confidence_fit")
        return cls(names, tuple(map(float, data["mean"])), tuple(map(float, data["scale"])),
                   tuple(map(float, data["coef"])), float(data["bias"]))

    @classmethod
    def load(cls, path: Path) -> ConfidenceModel:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8"))["model"], str(path))


def load_confidence(path: str | Path = "") -> ConfidenceModel:
    """The fitted scorer at ``path`` (empty: the shipped one); a missing or unreadable file is a
    ConfigError that names it."""
    from rag.errors import ConfigError

    source = Path(path) if path else SHIPPED
    try:
        return ConfidenceModel.load(source)
    except FileNotFoundError:
        raise ConfigError(f"confidence_model={str(source)!r} does not exist: give the confidence.json "
                          "that python -m rag.confidence_fit wrote, or leave it empty for the shipped one") from None
    except (ValueError, KeyError, TypeError) as exc:  # JSONDecodeError is a ValueError
        raise ConfigError(f"confidence_model={str(source)!r} is not a fitted confidence model ({exc}); "
                          "fit one with python -m rag.confidence_fit") from None
