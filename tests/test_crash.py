"""Crash safety: an index writer killed with SIGKILL at random moments leaves the old or the new index, whole."""

import json
import random
import signal
import subprocess
import sys
import time

import rag
from rag.store import read_index

WRITER = r"""
import sys
from pathlib import Path
from rag.records import Document
from rag.store import write_index

idx, gen = Path(sys.argv[1]), int(sys.argv[2])
while True:
    gen += 1
    def parts(tmp, gen=gen):
        (tmp / "dense").mkdir()
        (tmp / "dense" / "passages.faiss").write_bytes(bytes([gen % 256]) * 3_000_000)
    doc = Document(path="/a.txt", title=None, date=None, source=None, author=None, url=None, text=f"generation {gen}")
    write_index(idx, manifest={"model": {"name": "m", "dim": 1}, "counts": {"documents": 1, "chunks": 0},
                               "generation": gen}, documents=[doc], chunks=[], save_parts=parts)
    print(gen, flush=True)
"""


def _check(idx):
    stored = read_index(idx)  # verifies every part's size and hash
    gen = stored.manifest["generation"]
    assert stored.documents[0].text == f"generation {gen}"
    assert (idx / "dense" / "passages.faiss").read_bytes()[:1] == bytes([gen % 256])
    return gen


def test_random_kills_leave_a_whole_index(tmp_path):
    rng = random.Random(7)
    idx = tmp_path / "idx"
    gen, kills, seen = 0, 0, []
    deadline = time.monotonic() + 120
    while kills < 30 and time.monotonic() < deadline:
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(idx), str(gen)], stdout=subprocess.PIPE, text=True)
        time.sleep(rng.uniform(0.2, 1.5))  # start-up takes ~0.4 s, then a write every ~0.1 s
        child.send_signal(signal.SIGKILL)
        out, _ = child.communicate()
        kills += 1
        done = [int(x) for x in out.split()]
        if not idx.exists():
            assert not done  # nothing finished yet, so nothing may be there
            continue
        found = _check(idx)
        # the index is the last generation the writer reported, or the one it was swapping in
        assert found in ({done[-1], done[-1] + 1} if done else {gen, gen + 1}), (found, done, gen)
        seen.append(found)
        gen = found
    assert kills >= 15 and len(set(seen)) >= 4
    # leftovers of the killed runs are removed by the next writer, which completes normally
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(idx), str(gen)], stdout=subprocess.PIPE, text=True)
    first = child.stdout.readline()
    child.kill()
    child.wait()
    assert int(first) == gen + 1
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".idx.building-")]
    assert len(leftovers) <= 1  # at most the one the last kill interrupted
    assert _check(idx) >= gen + 1
    json.loads((idx / "manifest.json").read_text())
    assert isinstance(rag.IndexFormatError("x"), rag.RagError)
