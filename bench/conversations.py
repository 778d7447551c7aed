"""Conversations: is a follow-up answered right with the conversation, and without it?

    python bench/conversations.py --seeds-index /tmp/conv-seeds \\
        --cmrc-index /tmp/evalkeep/cmrc2018_trial/idx --drcd-index /tmp/evalkeep/DRCD_dev/idx

``bench/conversations.jsonl`` holds 42 conversations of two or three turns written for this
benchmark over the seeds and articles of the two evaluation files (questions of our own, not
the files' questions). Each turn lists strings of which one must be in the quoted answer;
a turn marked ``differs`` must also give something not given before in the conversation (a
new quote, or a new short answer within an earlier quote).
Every later turn is asked twice: after the earlier turns (``Turn.of`` each answer, as the
page does) and alone. An archive whose index is not given is skipped (the seeds' index is
built when missing). Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import rag

HERE = Path(__file__).resolve().parent


def right(answer: rag.Answer, turn: dict, earlier: list[rag.Answer]) -> bool:
    """One expected string is in the quote; for a ``differs`` turn, the answer is new: its quote, or
    its short answer within the same quote, was not given before."""
    ok = answer.found and any(e in answer.text for e in turn["expect"])
    if ok and turn.get("differs"):
        short = answer.short.text if answer.short else None
        ok = all(answer.text != e.text or (short and e.short and short != e.short.text and short not in e.short.text)
                 for e in earlier)
    return ok


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--file", type=Path, default=HERE / "conversations.jsonl")
    ap.add_argument("--seeds-index", type=Path, default=Path("/tmp/conv-seeds"))
    ap.add_argument("--cmrc-index", type=Path)
    ap.add_argument("--drcd-index", type=Path)
    ap.add_argument("--show", action="store_true", help="print every answer")
    args = ap.parse_args()
    convs = [json.loads(line) for line in args.file.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not (args.seeds_index / "manifest.json").exists():
        rag.build_index(HERE.parent / "seeds", args.seeds_index)
    folders = {"seeds": args.seeds_index, "cmrc": args.cmrc_index, "drcd": args.drcd_index}
    indexes = {name: rag.open_index(f) for name, f in folders.items() if f is not None}
    rows = {"first turns": [0, 0], "later turns, with history": [0, 0], "later turns, alone": [0, 0]}
    by_archive: dict[str, list[int]] = {}
    for conv in convs:
        index = indexes.get(conv["archive"])
        if index is None:
            continue
        turns: list[rag.Turn] = []
        quoted: list[rag.Answer] = []
        for n, turn in enumerate(conv["turns"]):
            answer = index.ask(turn["q"], history=turns)
            ok = right(answer, turn, quoted)
            if n == 0:
                rows["first turns"][0] += ok
                rows["first turns"][1] += 1
            else:
                alone = index.ask(turn["q"])
                ok_alone = right(alone, turn, quoted)
                rows["later turns, with history"][0] += ok
                rows["later turns, with history"][1] += 1
                rows["later turns, alone"][0] += ok_alone
                rows["later turns, alone"][1] += 1
                by_archive.setdefault(conv["archive"], [0, 0, 0])
                by_archive[conv["archive"]][0] += ok
                by_archive[conv["archive"]][1] += ok_alone
                by_archive[conv["archive"]][2] += 1
            if args.show:
                print(f"{conv['id']} {'ok ' if ok else 'BAD'} {turn['q']} -> {answer.text[:70]}")
            turns.append(rag.Turn.of(answer))
            quoted.append(answer)
    print(f"{'':<28} {'right':>6} {'of':>4} {'share':>6}")
    for name, (good, total) in rows.items():
        print(f"{name:<28} {good:>6} {total:>4} {good / max(total, 1):>6.3f}")
    for name, (good, alone, total) in by_archive.items():
        print(f"  {name}: later turns right with history {good}/{total}, alone {alone}/{total}")
    print(json.dumps({name: round(good / max(total, 1), 3) for name, (good, total) in rows.items()}))


if __name__ == "__main__":
    main()
