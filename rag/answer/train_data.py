"""The open-domain training material for the answer scorer (``python -m rag.answer.fit`` uses it).

Every paragraph of the licensed training files (``../shared/train/``: cmrc2018_train, xquad_zh,
squad2_zh_answerable) becomes one file of an archive, once in simplified script and once in a
traditional copy (OpenCC s2twp), so that the scorer learns from the setting ``ask`` sees: a
question against thousands of articles, with its own article in the archive (answerable) or
left out (``exclude``: unanswerable). The evaluation files are never read.

``python -m rag.answer.train_data --work DIR`` writes and builds both archives (about 7 minutes
each on 2 cores); a second run finds them built.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TRAIN_FILES", "TrainQuestion", "archive", "paragraphs", "questions"]

TRAIN_FILES = (Path("../shared/train/cmrc2018_train.json"), Path("../shared/train/xquad_zh.json"),
               Path("../shared/train/squad2_zh_answerable.json"))


@dataclass(frozen=True)
class TrainQuestion:
    qid: str
    context: int  # index into paragraphs()
    question: str
    answers: tuple[str, ...]
    source: str  # the file's stem


def paragraphs(files=TRAIN_FILES) -> list[tuple[str, str, str]]:
    """Every paragraph as (file stem, title, text), in file order."""
    out = []
    for f in files:
        for article in json.loads(Path(f).read_text(encoding="utf-8"))["data"]:
            out.extend((Path(f).stem, article.get("title", ""), p["context"]) for p in article["paragraphs"])
    return out


def questions(files=TRAIN_FILES) -> list[TrainQuestion]:
    """Every question with its paragraph's number and its gold answers' texts."""
    out, cid = [], 0
    for f in files:
        for article in json.loads(Path(f).read_text(encoding="utf-8"))["data"]:
            for p in article["paragraphs"]:
                for qa in p["qas"]:
                    answers = tuple(dict.fromkeys(a["text"] for a in qa.get("answers", []) if a["text"].strip()))
                    if answers:
                        out.append(TrainQuestion(str(qa["id"]), cid, qa["question"], answers, Path(f).stem))
                cid += 1
    return out


def archive(folder: Path, convert=lambda s: s, files=TRAIN_FILES, say=print) -> list[str]:
    """One file per paragraph (title line, then text) under ``folder/corpus``, built into
    ``folder/idx`` unless an earlier run did; the files' absolute paths, by paragraph."""
    import rag

    corpus = Path(folder) / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (_, title, text) in enumerate(paragraphs(files)):
        p = corpus / f"{i:05d}.txt"
        body = f"{convert(title)}\n{convert(text)}\n"
        if not p.exists() or p.read_text(encoding="utf-8") != body:
            p.write_text(body, encoding="utf-8")
        paths.append(str(p.absolute()))
    if not (Path(folder) / "idx" / "manifest.json").exists():
        t = time.perf_counter()
        rag.build_index(corpus, Path(folder) / "idx")
        say(f"{folder}: {len(paths)} articles built in {time.perf_counter() - t:.0f} s")
    return paths


def to_traditional():
    from opencc import OpenCC

    return OpenCC("s2twp").convert


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/rag-answer-fit"))
    args = ap.parse_args(argv)
    archive(args.work / "simplified")
    archive(args.work / "traditional", to_traditional())


if __name__ == "__main__":
    main()
