"""How long `rag ask` and `rag search` take from a cold start of the command, with and without a
running `rag serve` of the same index (median of N runs each; wall-clock time of the process).

    python bench/cli_start.py --index indexes/seeds [--runs 5]

Builds the index from seeds/ first when it is missing. Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

QUESTION = "巡视工作的根本任务是什么？"


def _time(args: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        raise SystemExit(f"rag {' '.join(args)} failed: {r.stderr[-500:]}")
    return time.perf_counter() - t0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=Path("indexes/seeds"))
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    env = dict(os.environ)
    if not (args.index / "manifest.json").exists():
        subprocess.run([sys.executable, "-m", "rag.cli", "build", "seeds", "--index", str(args.index)], check=True)
    commands = {"ask": ["ask", QUESTION, "--index", str(args.index)],
                "search": ["search", "巡视", "--index", str(args.index)]}
    results = {}
    for name, cmd in commands.items():
        results[f"{name} (loads the index)"] = [_time(cmd + ["--local"], env) for _ in range(args.runs)]
    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--index", str(args.index), "--port",
                               str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    try:
        for line in server.stdout:
            if "Serving the chat page" in line:
                break
        time.sleep(1)
        for name, cmd in commands.items():
            results[f"{name} (a rag serve is up)"] = [_time(cmd, env) for _ in range(args.runs)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    print(f"{'command':<28} {'median s':>9} {'max s':>7}   ({args.runs} cold starts each, {os.cpu_count()} cores)")
    for name, times in results.items():
        print(f"{name:<28} {statistics.median(times):>9.2f} {max(times):>7.2f}")
    print(json.dumps({name: round(statistics.median(t), 3) for name, t in results.items()}))


if __name__ == "__main__":
    main()
