"""Train the span reader on SQuAD-format Chinese QA sets (``../shared/train/``), reproducibly.

    python -m rag.reader.train --out rag/reader/weights --log train.log

Data: every question of the training files, one window holding its answer (chosen at
random among the windows of its context that hold it), plus "no answer here" windows:
other windows of the same context and the best BM25 match from another context (the
kind of passage retrieval brings). A share of the examples is converted to
traditional script with OpenCC, piece by piece so the answer's offsets stay exact.
A fixed set of contexts is held out for validation (never the evaluation files).
Checkpoints every ``--save-every`` steps; ``--resume`` continues from the last one.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import logging
import math
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from rag.reader.features import best_spans, encode_windows, label_window
from rag.reader.model import ReaderSettings, SpanReader, save_span_reader

logger = logging.getLogger(__name__)

__all__ = ["QA", "TrainSettings", "load_squad", "make_examples", "train", "evaluate", "char_f1", "file_sha256"]


@dataclass(frozen=True)
class QA:
    """One question over one context, with its first usable gold answer (or none)."""

    qid: str
    context_id: int
    context: str
    question: str
    answers: tuple[str, ...]
    start: int  # of answers[0] in context; -1 when unanswerable
    article_id: int = -1  # the paragraphs of one article share it (their siblings); -1: unknown
    negatives_only: bool = False  # its file lends only "no answer" windows from sibling paragraphs


@dataclass(frozen=True)
class TrainSettings:
    epochs: float = 1.5
    batch_size: int = 16
    lr: float = 5e-4
    warmup: float = 0.06
    weight_decay: float = 0.01
    seed: int = 13
    traditional_share: float = 0.35
    # examples read as the Reader reads them at question time: traditional characters mapped to
    # simplified one for one (rag.text.simplified_aligned), so a traditional copy trains on what a
    # traditional archive looks like to the reader (simplified characters, Taiwan/Hong Kong wording)
    reader_view: bool = True
    window_chars: int = 150
    negatives_same_context: float = 0.2  # per question: chance of adding another window of its context
    negatives_retrieved: float = 0.1  # per question: chance of adding a window of a BM25-close other context
    # per question: chance of adding the best-scoring BM25 *window* of any other context (the
    # hardest kind: what an archive without the answer puts in front of the reader)
    negatives_best_window: float = 0.0
    # per question whose article has other paragraphs: chance of adding the best BM25 window of
    # those siblings (the same topic, names and dates, but not the answer): what an archive holding
    # the rest of the article puts in front of the reader when the paragraph asked about is missing
    negatives_sibling: float = 0.0
    init: str = ""  # a trained reader folder to continue from (a second stage), "" for a fresh start
    bf16: bool = False  # forward and backward matrix products in bfloat16 where the CPU has them (~1.2x here)
    holdout_contexts: int = 100
    holdout_seed: int = 13  # apart from ``seed``: a later stage with another seed keeps the same held-out contexts
    max_examples: int = 0  # 0: all
    save_every: int = 200
    log_every: int = 20
    reader: ReaderSettings = field(default_factory=ReaderSettings)


def load_squad(path: Path, *, first_context_id: int = 0, first_article_id: int = 0,
               negatives_only: bool = False) -> list[QA]:
    """Questions of a SQuAD-format file. An answer whose ``answer_start`` misses its text is
    looked up near the given offset (21 such answers in CMRC 2018 train), else dropped.
    Paragraphs of one article share an ``article_id``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    out: list[QA] = []
    cid = first_context_id
    for aid, article in enumerate(data, start=first_article_id):
        for par in article["paragraphs"]:
            ctx = par["context"]
            for qa in par["qas"]:
                texts, start = [], -1
                for a in qa.get("answers", []):
                    t, s = a["text"].strip(), int(a.get("answer_start", -1))
                    if not t:
                        continue
                    if ctx[s : s + len(t)] != t:
                        near = ctx.find(t, max(0, s - 30))
                        s = near if near >= 0 else ctx.find(t)
                    if s < 0:
                        continue
                    if start < 0:
                        start = s
                        texts.insert(0, t)
                    else:
                        texts.append(t)
                if start >= 0:
                    out.append(QA(str(qa["id"]), cid, ctx, qa["question"].strip(), tuple(texts), start, aid,
                                  negatives_only))
            cid += 1
    return out


def _to_traditional(qa: QA, converter) -> QA:
    a = qa.answers[0]
    before, after = qa.context[: qa.start], qa.context[qa.start + len(a):]
    pieces = [converter.convert(x) for x in (before, a, after)]
    ctx = "".join(pieces)
    return QA(qa.qid + "-t", qa.context_id, ctx, converter.convert(qa.question),
              (pieces[1],) + tuple(converter.convert(x) for x in qa.answers[1:]), len(pieces[0]), qa.article_id,
              qa.negatives_only)


@dataclass(frozen=True)
class Example:
    question: str
    passage: str
    start: int  # answer offsets in passage; -1 for "no answer here"
    end: int


def _windows_of(context: str, size: int, step: int) -> list[tuple[int, int]]:
    spans, s = [], 0
    while True:
        spans.append((s, min(len(context), s + size)))
        if s + size >= len(context):
            return spans
        s += step


def make_examples(qas: list[QA], settings: TrainSettings, rng: random.Random) -> list[Example]:
    """Character windows like the passages the reader sees at question time (the index's
    150-character chunks), one holding each answer, and negatives as the settings say."""
    import bm25s
    from opencc import OpenCC

    from rag.text import terms

    t2 = OpenCC("s2twp")
    size, step = settings.window_chars, settings.window_chars // 2
    contexts = {q.context_id: q.context for q in qas}
    ids = sorted(contexts)
    retriever = bm25s.BM25()
    retriever.index([terms(contexts[i]) for i in ids], show_progress=False)
    vocab_ok = set().union(*[set(terms(contexts[i])) for i in ids])
    windows, window_index = [], None
    siblings: dict[int, list[int]] = {}  # context id -> the other paragraphs of its article
    if settings.negatives_sibling > 0:
        by_article: dict[int, set[int]] = {}
        for q in qas:
            if q.article_id >= 0:
                by_article.setdefault(q.article_id, set()).add(q.context_id)
        siblings = {c: sorted(cs - {c}) for cs in by_article.values() for c in cs if len(cs) > 1}
    sibling_windows = _SiblingWindows(contexts, siblings, size, step)

    def sibling_negative(qa: QA, simplified: QA) -> list[Example]:
        """A "no answer" example from the article's other paragraphs, found in the script the contexts
        are in and written in the question's."""
        window = sibling_windows.best(simplified) if qa.context_id in siblings else ""
        return [Example(qa.question, window if qa is simplified else t2.convert(window), -1, -1)] if window else []
    if settings.negatives_best_window > 0:
        windows = [(i, s, e) for i in ids for s, e in _windows_of(contexts[i], size, step)]
        window_index = bm25s.BM25()
        window_index.index([terms(contexts[i][s:e]) for i, s, e in windows], show_progress=False)
    out: list[Example] = []
    for qa in qas:
        simplified = qa
        if rng.random() < settings.traditional_share:
            qa = _to_traditional(qa, t2)
        if qa.negatives_only:
            out.extend(sibling_negative(qa, simplified))
            continue
        a0, a1 = qa.start, qa.start + len(qa.answers[0])
        wins = _windows_of(qa.context, size, step)
        holding = [(s, e) for s, e in wins if s <= a0 and a1 <= e]
        if not holding:  # an answer longer than the overlap: centre a window on it
            s = max(0, min(a0 - (size - (a1 - a0)) // 2, len(qa.context) - size))
            holding = [(s, max(a1, s + size))]
        s, e = rng.choice(holding)
        out.append(Example(qa.question, qa.context[s:e], a0 - s, a1 - s))
        empty = [(s, e) for s, e in wins if e <= a0 or s >= a1]
        if empty and rng.random() < settings.negatives_same_context:
            s, e = rng.choice(empty)
            if not any(t in qa.context[s:e] for t in qa.answers):
                out.append(Example(qa.question, qa.context[s:e], -1, -1))
        if rng.random() < settings.negatives_retrieved:
            q_terms = [t for t in terms(qa.question) if t in vocab_ok]
            if q_terms:
                docs, _ = retriever.retrieve([q_terms], k=min(3, len(ids)), show_progress=False)
                for j in docs[0]:
                    other = ids[int(j)]
                    if other == qa.context_id:
                        continue
                    ctx = contexts[other]
                    s, e = rng.choice(_windows_of(ctx, size, step))
                    if not any(t in ctx[s:e] for t in qa.answers):
                        out.append(Example(qa.question, ctx[s:e], -1, -1))
                    break
        if window_index is not None and rng.random() < settings.negatives_best_window:
            q_terms = [t for t in terms(qa.question) if t in vocab_ok]
            if q_terms:
                found, _ = window_index.retrieve([q_terms], k=min(8, len(windows)), show_progress=False)
                for j in found[0]:
                    other, s, e = windows[int(j)]
                    text = contexts[other][s:e]
                    if other != qa.context_id and not any(t in text for t in qa.answers):
                        out.append(Example(qa.question, text, -1, -1))
                        break
        if qa.context_id in siblings and rng.random() < settings.negatives_sibling:  # the draw as recorded runs made it
            out.extend(sibling_negative(qa, simplified))
    if settings.reader_view:  # same length, so the answers' offsets stay exact
        from rag.text import simplified_aligned

        out = [Example(simplified_aligned(x.question), simplified_aligned(x.passage), x.start, x.end) for x in out]
    rng.shuffle(out)
    return out


class _SiblingWindows:
    """The windows of an article's other paragraphs, BM25-indexed once a paragraph."""

    def __init__(self, contexts: dict[int, str], siblings: dict[int, list[int]], size: int, step: int):
        self.contexts, self.siblings, self.size, self.step = contexts, siblings, size, step
        self._made: dict[int, tuple[list[str], object, set[str]]] = {}

    def best(self, qa: QA) -> str:
        """The window sharing most of the question's words among those holding none of its
        answers; "" when no window shares a word."""
        import bm25s

        from rag.text import terms

        if qa.context_id not in self._made:
            wins = [ctx[s:e] for c in self.siblings[qa.context_id]
                    for ctx in (self.contexts[c],) for s, e in _windows_of(ctx, self.size, self.step)]
            tokens = [terms(w) for w in wins]  # tokenised once, for the index and its vocabulary
            index = bm25s.BM25()
            index.index(tokens, show_progress=False)
            self._made[qa.context_id] = (wins, index, set().union(*map(set, tokens)))
        wins, index, vocab = self._made[qa.context_id]
        q_terms = [t for t in terms(qa.question) if t in vocab]
        if not q_terms:
            return ""
        found, scores = index.retrieve([q_terms], k=min(8, len(wins)), show_progress=False)
        for j, score in zip(found[0], scores[0]):
            if score > 0 and not any(t in wins[int(j)] for t in qa.answers):
                return wins[int(j)]
        return ""


def _batch(reader: SpanReader, examples: list[Example]):
    """Token windows and start/end labels for a batch (each example is one window)."""
    torch = __import__("torch")
    w = encode_windows(reader.tokenizer, [x.question for x in examples], [x.passage for x in examples],
                       max_len=reader.settings.max_len, stride=reader.settings.stride)
    # A passage longer than one window gives several: an answerable example keeps the
    # first window that holds its answer, an unanswerable one its first window.
    chosen: dict[int, tuple[int, int, int]] = {}
    for i, p in enumerate(w.passage_of.tolist()):
        x = examples[p]
        label = label_window(w.offsets[i], x.start, x.end) if x.start >= 0 else (0, 0)
        if p not in chosen or (chosen[p][1:] == (0, 0) and label != (0, 0)):
            chosen[p] = (i, *label)
    rows = [chosen[p] for p in sorted(chosen)]
    take = [r[0] for r in rows]
    return (torch.from_numpy(w.input_ids[take]), torch.from_numpy(w.attention_mask[take]),
            torch.tensor([r[1] for r in rows]), torch.tensor([r[2] for r in rows]))


def char_f1(pred: str, gold: str) -> float:
    """Character-overlap F1 as in the CMRC 2018 evaluation (punctuation and spaces ignored)."""
    import re
    from collections import Counter

    strip = re.compile(r"[\s\u3000，。、；：？！“”‘’（）《》【】「」『』,.;:?!'\"()\[\]<>-]")
    p, g = strip.sub("", pred), strip.sub("", gold)
    if not p or not g:
        return float(p == g)
    common = sum((Counter(p) & Counter(g)).values())
    if common == 0:
        return 0.0
    prec, rec = common / len(p), common / len(g)
    return 2 * prec * rec / (prec + rec)


def read_context(reader: SpanReader, question: str, context: str) -> tuple[str, float]:
    """The best span of a whole context (all its windows) and its margin over "no answer"."""
    w = encode_windows(reader.tokenizer, [question], [context], max_len=reader.settings.max_len,
                       stride=reader.settings.stride)
    s, e = reader.predict(w.input_ids, w.attention_mask)
    guesses = [g[0] for g in best_spans(s, e, w) if g]
    if not guesses:
        return "", -1e9
    best = max(guesses, key=lambda g: g.score)
    return context[best.start : best.end], best.score - min(g.null for g in guesses)


def evaluate(reader: SpanReader, qas: list[QA]) -> dict[str, float]:
    """EM and character F1 with the gold context given (the reader alone)."""
    em = f1 = 0.0
    for qa in qas:
        pred, _ = read_context(reader, qa.question, qa.context)
        em += float(any(pred.strip() == a for a in qa.answers))
        f1 += max(char_f1(pred, a) for a in qa.answers)
    n = max(1, len(qas))
    return {"em": round(em / n, 4), "f1": round(f1 / n, 4), "questions": len(qas)}


def file_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _start_reader(settings: TrainSettings) -> SpanReader:
    """A fresh reader, the ``init`` reader, or the ``init`` reader grown to ``settings.reader.lora_r``.

    Growing keeps what the reader computes: the old rank's A rows and B columns are copied into
    the new matrices, the new B columns are zero (so the new directions start silent and learn),
    and alpha grows with the rank so peft's scale ``alpha / r`` is unchanged.
    """
    if not settings.init:
        return SpanReader(settings.reader, trainable=True)
    init = Path(settings.init)
    old = json.loads((init / "reader.json").read_text())
    if old.get("lora_r", settings.reader.lora_r) == settings.reader.lora_r:
        return SpanReader(settings.reader, adapter_dir=init, trainable=True)
    import torch
    from safetensors.torch import load_file

    r0, r1 = old["lora_r"], settings.reader.lora_r
    if r1 < r0 or old["lora_alpha"] * r1 != settings.reader.lora_alpha * r0:
        raise ValueError(f"--rank {r1}: can only grow the rank of {init} (r {r0}, alpha {old['lora_alpha']}) "
                         f"with alpha growing alike (alpha {old['lora_alpha'] * r1 // r0})")
    reader = SpanReader(settings.reader, trainable=True)
    trained = {k.replace(".lora_A.weight", ".lora_A.default.weight").replace(".lora_B.weight", ".lora_B.default.weight"): v
               for k, v in load_file(str(init / "adapter_model.safetensors")).items()}
    grown = 0
    with torch.no_grad():
        for name, param in reader.encoder.named_parameters():
            if name not in trained:
                continue
            w = trained[name].float()
            if ".lora_A." in name:
                param[:r0].copy_(w)
            else:
                param.zero_()
                param[:, :r0].copy_(w)
            grown += 1
        if grown != len(trained):
            raise ValueError(f"{init}: {len(trained) - grown} adapter matrices did not match the model")
        reader.head.load_state_dict({k: v.float() for k, v in load_file(str(init / "span_head.safetensors")).items()})
    return reader


# Where each licensed training file comes from (../shared/train/README.md); weights trained on them are derived works.
SOURCES = {
    "cmrc2018_train.json": "CMRC 2018 train (ymcui/cmrc2018)",
    "xquad_zh.json": "XQuAD zh (google-deepmind/xquad)",
    "squad2_zh_answerable.json": "SQuAD 2.0 dev in Chinese, answerable questions (pluto-junzeng/ChineseSquad)",
}


def attribution(files: list[Path]) -> str:
    """The record's attribution line for the files a reader was trained on."""
    named = [SOURCES.get(Path(f).name, Path(f).name) for f in files]
    return (f"trained on {', '.join(named)}, CC BY-SA 4.0 (share-alike); "
            "these weights are a derived work under the same terms")


def train(files: list[Path], out: Path, settings: TrainSettings, *, resume: bool = False,
          say=print, negative_files: tuple[Path, ...] = ()) -> dict:
    """Prepare the data, train, evaluate on the held-out contexts, save weights and a record."""
    import torch

    random.seed(settings.seed)
    np.random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    qas: list[QA] = []
    for f in [*files, *negative_files]:
        qas.extend(load_squad(f, first_context_id=max((q.context_id for q in qas), default=-1) + 1,
                              first_article_id=max((q.article_id for q in qas), default=-1) + 1,
                              negatives_only=f in negative_files))
    ctx_ids = sorted({q.context_id for q in qas if not q.negatives_only})  # held out as without them
    held = set(random.Random(settings.holdout_seed).sample(ctx_ids, min(settings.holdout_contexts, len(ctx_ids) // 5)))
    dev = [q for q in qas if q.context_id in held]
    train_qas = [q for q in qas if q.context_id not in held]
    examples = make_examples(train_qas, settings, rng)
    if settings.max_examples:
        examples = examples[: settings.max_examples]
    say(f"data: {len(train_qas)} training questions, {len(examples)} windows "
        f"({sum(x.start < 0 for x in examples)} without answer), {len(dev)} held-out questions")

    reader = _start_reader(settings)
    ckpt = out / "checkpoint"
    params = reader.parameters()
    opt = torch.optim.AdamW(params, lr=settings.lr, weight_decay=settings.weight_decay)
    steps_per_epoch = math.ceil(len(examples) / settings.batch_size)
    total = max(1, int(steps_per_epoch * settings.epochs))
    warm = max(1, int(total * settings.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (total - s) / max(1, total - warm))))
    step, curve, t0 = 0, [], time.perf_counter()
    resumed_at = 0
    if resume and (ckpt / "state.pt").exists():
        from peft import set_peft_model_state_dict
        from safetensors.torch import load_file

        set_peft_model_state_dict(reader.encoder, load_file(str(ckpt / "adapter_model.safetensors")))
        reader.head.load_state_dict({k: v.float() for k, v in load_file(str(ckpt / "span_head.safetensors")).items()})
        state = torch.load(ckpt / "state.pt", weights_only=False)
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step, curve = state["step"], state["curve"]
        resumed_at = step
        say(f"resumed at step {step}")
    loss_fn = torch.nn.CrossEntropyLoss()
    from rag.embed import native_bf16

    def half():
        return torch.autocast("cpu", dtype=torch.bfloat16) if settings.bf16 and native_bf16() else contextlib.nullcontext()

    reader.train(True)
    running: list[float] = []
    order, order_epoch = [], -1
    while step < total:
        i = (step % steps_per_epoch) * settings.batch_size
        if step // steps_per_epoch != order_epoch:
            # each epoch reads the examples in an order fixed by the seed and the epoch (so a resumed run too)
            order_epoch = step // steps_per_epoch
            order = list(range(len(examples)))
            random.Random(settings.seed + order_epoch).shuffle(order)
        batch = [examples[j] for j in order[i : i + settings.batch_size]]
        ids, mask, ys, ye = _batch(reader, batch)
        with half():
            s, e = reader.logits(ids, mask)
        loss = (loss_fn(s.float(), ys) + loss_fn(e.float(), ye)) / 2
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        step += 1
        running.append(loss.item())
        if step % settings.log_every == 0 or step == total:
            mean = sum(running) / len(running)
            running = []
            elapsed = time.perf_counter() - t0
            curve.append([step, round(mean, 4)])
            say(f"step {step}/{total} loss {mean:.4f} lr {sched.get_last_lr()[0]:.2e} {elapsed:.0f}s")
        if step % settings.save_every == 0 and step < total:
            save_span_reader(reader, ckpt, half=False)
            torch.save({"opt": opt.state_dict(), "sched": sched.state_dict(), "step": step, "curve": curve},
                       ckpt / "state.pt")
            reader.train(True)
    seconds = time.perf_counter() - t0
    hashes = save_span_reader(reader, out)
    figures = evaluate(reader, dev)
    say(f"held-out ({len(dev)} questions, gold context given): EM {figures['em']:.3f} F1 {figures['f1']:.3f}")
    record = {
        "command": " ".join(sys.argv),
        "data": [{"file": Path(f).name, "sha256": file_sha256(f), **({"use": "sibling 'no answer' windows only"}
                  if f in negative_files else {})} for f in [*files, *negative_files]],
        "attribution": attribution([*files, *negative_files]),
        "settings": asdict(settings),
        "examples": len(examples),
        "steps": step,
        "resumed_at_step": resumed_at,
        "train_seconds": round(seconds, 1),
        "loss_curve": curve,
        "heldout_gold_context": figures,
        "weights_sha256": hashes,
    }
    (out / "record.json").write_text(json.dumps(record, ensure_ascii=False, indent=1))
    return record


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="*", type=Path,
                    default=[Path("../shared/train/cmrc2018_train.json"), Path("../shared/train/xquad_zh.json")])
    ap.add_argument("--out", type=Path, default=Path("rag/reader/weights"))
    ap.add_argument("--epochs", type=float, default=TrainSettings.epochs)
    ap.add_argument("--max-examples", type=int, default=0)
    ap.add_argument("--holdout", type=int, default=TrainSettings.holdout_contexts)
    ap.add_argument("--save-every", type=int, default=TrainSettings.save_every)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--init", default="", help="continue from this trained reader folder (a second stage)")
    ap.add_argument("--seed", type=int, default=TrainSettings.seed,
                    help="data sampling, order and initialisation (a later stage: another seed, to see other windows)")
    ap.add_argument("--bf16", action="store_true", help="bfloat16 matrix products where the CPU has them")
    ap.add_argument("--lr", type=float, default=TrainSettings.lr)
    ap.add_argument("--rank", type=int, default=0,
                    help="LoRA rank (alpha = 2 x rank); with --init, grows the init reader's adapters to it")
    ap.add_argument("--no-reader-view", action="store_true",
                    help="train on traditional copies as they are, not as the reader sees them (simplified one for one)")
    ap.add_argument("--negatives-best-window", type=float, default=TrainSettings.negatives_best_window,
                    help="per question, chance of a 'no answer' example from the best BM25 window of another context")
    ap.add_argument("--negatives-sibling", type=float, default=TrainSettings.negatives_sibling,
                    help="per question, chance of a 'no answer' example from the best BM25 window of the other "
                         "paragraphs of its article (files with several paragraphs an article: squad2_zh, xquad_zh)")
    ap.add_argument("--negatives-only", type=Path, action="append", default=[],
                    help="a SQuAD-format file whose questions lend only 'no answer' windows from their articles' "
                         "other paragraphs (no answer spans), one a question whatever --negatives-sibling says; repeatable")
    args = ap.parse_args(argv)
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    logging.basicConfig(level=logging.WARNING)
    settings = TrainSettings(epochs=args.epochs, max_examples=args.max_examples, holdout_contexts=args.holdout,
                             save_every=args.save_every, init=args.init, lr=args.lr, seed=args.seed, bf16=args.bf16,
                             negatives_best_window=args.negatives_best_window,
                             negatives_sibling=args.negatives_sibling, reader_view=not args.no_reader_view)
    if args.rank:
        from dataclasses import replace

        settings = replace(settings, reader=replace(settings.reader, lora_r=args.rank, lora_alpha=2 * args.rank))
    for f in [*args.files, *args.negatives_only]:
        if not f.exists():
            sys.exit(f"error: training file {f} not found; pass the SQuAD-format files to train on")
    train(args.files, args.out, settings, resume=args.resume, say=lambda m: print(m, flush=True),
          negative_files=tuple(args.negatives_only))


if __name__ == "__main__":
    main()
