"""The chat page in a real browser: Debian's headless Chromium driven by Playwright.

The setup installs Chromium with apt-get when it is missing and the tests run as
root (CI machines are fresh); elsewhere, or with RAG_NO_BROWSER_INSTALL=1, the
test is skipped with a message saying what to install.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
UPLOADED = """某市检察院召开未成年人检察工作推进会

发布时间：2025-06-12 来源：某市人民检察院

6月10日，某市人民检察院召开未成年人检察工作推进会，总结上半年未成年人司法保护工作。
会议通报，上半年全市检察机关共办理涉未成年人案件128件，开展法治进校园活动46场。
会议要求，要坚持最有利于未成年人原则，深化“一站式”询问救助机制建设。
"""


def _ensure_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("RAG_NO_BROWSER_INSTALL") or os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("Chromium is not installed: run `apt-get install chromium` (as root) to run the browser test")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium", "fonts-noto-cjk"]):
        r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
        if r.returncode != 0:
            pytest.skip(f"could not install Chromium ({' '.join(cmd)} failed: {r.stderr.strip()[-200:]})")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, seeds_dir):
    _ensure_chromium()
    pytest.importorskip("playwright")
    root = tmp_path_factory.mktemp("page")
    shutil.copytree(seeds_dir, root / "seeds")
    port = _free_port()
    env = {**os.environ, "RAG_UPLOAD_DIR": str(root / "uploads")}
    log = (root / "serve.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "rag.cli", "serve", "--index", str(root / "idx"), "--port", str(port),
         "--build-from", str(root / "seeds")],
        stdout=log, stderr=subprocess.STDOUT, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"rag serve exited: {(root / 'serve.log').read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(1)
    yield url, root
    proc.terminate()
    proc.wait(timeout=30)


def test_ask_then_upload_and_ask_again(server):
    from playwright.sync_api import sync_playwright

    url, root = server
    ARTIFACTS.mkdir(exist_ok=True)
    article = root / "upload_article.txt"
    article.write_text(UPLOADED, encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url, wait_until="networkidle")
        box = page.locator("#question textarea")
        box.fill("巡视工作的根本任务是什么？")
        box.press("Enter")
        page.wait_for_selector(".rag-card mark", timeout=60_000)
        assert "巡视工作的根本任务是‘两个维护’" in page.locator(".rag-card mark").first.inner_text()
        link = page.locator(".rag-card a").first
        assert link.get_attribute("href") == "https://www.spp.gov.cn/dj/xwjj/202404/t20240416_651948.shtml"
        page.screenshot(path=str(ARTIFACTS / "answer.png"))

        page.get_by_role("tab", name="Archive").click()
        page.locator("#upload input[type=file]").set_input_files(str(article))
        page.locator("#add").click()
        page.wait_for_function(
            "() => { const t = document.querySelector('#report textarea'); return t && t.value.includes('added 1'); }",
            timeout=120_000)
        assert "6 documents" in page.locator("#report textarea").input_value()

        page.get_by_role("tab", name="Ask").click()
        box = page.locator("#question textarea")
        box.fill("上半年全市检察机关共办理涉未成年人案件多少件？")
        box.press("Enter")
        page.wait_for_function("() => document.querySelectorAll('.rag-card').length >= 2", timeout=60_000)
        last = page.locator(".rag-card").last
        assert "128件" in last.locator(".rag-passage mark").first.inner_text()
        assert "某市检察院召开未成年人检察工作推进会" in last.inner_text()
        page.screenshot(path=str(ARTIFACTS / "upload-answer.png"))
        browser.close()


HOSTILE = """某区检察院发布公益诉讼典型案例<script>window.__pwned = 1</script>

发布时间：2025-07-01 来源：某区人民检察院

某区人民检察院7月1日发布公益诉讼典型案例<img src=x onerror="window.__pwned = 2">共计九件。
案例涉及生态环境和食品药品安全领域，均已办结。
"""


def test_article_and_question_markup_is_shown_as_text(server):
    from playwright.sync_api import sync_playwright

    url, root = server
    article = root / "hostile.txt"
    article.write_text(HOSTILE, encoding="utf-8")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.goto(url, wait_until="networkidle")
        page.get_by_role("tab", name="Archive").click()
        page.locator("#upload input[type=file]").set_input_files(str(article))
        page.locator("#add").click()
        page.wait_for_function(
            "() => { const t = document.querySelector('#report textarea'); return t && t.value.includes('added 1'); }",
            timeout=120_000)
        page.get_by_role("tab", name="Ask").click()
        box = page.locator("#question textarea")
        box.fill('某区检察院发布了多少件公益诉讼典型案例？<img src=y onerror="window.__pwned = 3">')
        box.press("Enter")
        page.wait_for_selector(".rag-card mark", timeout=60_000)
        card = page.locator(".rag-card").last.inner_text()
        assert "onerror" in card and "九件" in card  # the markup is quoted as text
        assert page.evaluate("() => window.__pwned") is None  # and never ran
        browser.close()
