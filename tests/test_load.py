"""20 simultaneous users ask through the page's API while an upload updates the index (loopback only,
bounded in count and time): every request is answered and none sees a half-written index."""

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

pytestmark = pytest.mark.slow

QUESTION = "巡视工作的根本任务是什么？"
NEW = "青松县检察院2025年3月开展“检察开放日”活动，邀请八十名群众代表走进检察机关，了解公益诉讼工作。"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(seed_index, tmp_path):
    idx = tmp_path / "idx"
    shutil.copytree(seed_index.folder, idx)
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--index", str(idx), "--port", str(port)],
                            env={**__import__("os").environ, "RAG_UPLOAD_DIR": str(tmp_path / "uploads")},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(1)
    else:
        proc.kill()
        pytest.fail("the page did not start within 180 s")
    yield url
    proc.terminate()  # a clean stop removes the file that announces the page
    proc.wait(timeout=60)
    assert not (tmp_path / ".idx.serve.json").exists()


def test_twenty_users_ask_while_an_upload_updates(server, tmp_path):
    from gradio_client import Client, handle_file

    article = tmp_path / "new.txt"
    article.write_text("青松县检察院举办检察开放日\n发布时间：2025-03-10\n" + NEW * 3, encoding="utf-8")

    def ask(i):
        client = Client(server, verbose=False, download_files=False)
        out = []
        for _ in range(3):
            out.append(client.predict(QUESTION, api_name="/ask"))
        return out

    def upload():
        client = Client(server, verbose=False, download_files=False)
        return client.predict([handle_file(str(article))], api_name="/upload")

    with ThreadPoolExecutor(max_workers=21) as pool:
        up = pool.submit(upload)
        answers = [a for f in [pool.submit(ask, i) for i in range(20)] for a in f.result(timeout=600)]
        report = up.result(timeout=600)
    assert len(answers) == 60
    texts = {a["text"] for a in answers}
    assert all(a["found"] for a in answers) and len(texts) == 1, texts  # the same whole answer, before or after
    c = answers[0]["citations"][0]
    assert c["sentence"] == answers[0]["text"] and c["passage"].find(c["sentence"]) >= 0
    assert "added 1" in report[0]
    after = Client(server, verbose=False, download_files=False).predict("青松县检察院邀请了多少名群众代表？", api_name="/ask")
    assert after["found"] and "八十名" in after["text"]
    hits = Client(server, verbose=False, download_files=False).predict("检察开放日", 2, api_name="/search")
    assert hits and hits[0]["title"] == "青松县检察院举办检察开放日"


def test_cli_answers_through_a_running_page(server, tmp_path):
    import json

    idx = tmp_path / "idx"
    r = subprocess.run([sys.executable, "-m", "rag.cli", "ask", QUESTION, "--index", str(idx), "--json"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "answered by the running page" in r.stderr
    assert "两个维护" in json.loads(r.stdout)["text"]
    r = subprocess.run([sys.executable, "-m", "rag.cli", "search", "巡视", "-k", "2", "--index", str(idx)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.startswith("1. ") and "answered by the running page" in r.stderr
    # a bad value gets the server's one-line message and exit code 1
    r = subprocess.run([sys.executable, "-m", "rag.cli", "search", "巡视", "-k", "0", "--index", str(idx)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "k=0" in r.stderr and "Traceback" not in r.stderr
