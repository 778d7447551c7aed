"""The chat page in a real browser: Debian's headless Chromium driven by Playwright.

The setup installs Chromium with apt-get when it is missing and the tests run as
root (CI machines are fresh); elsewhere, or with RAG_NO_BROWSER_INSTALL=1, the
test is skipped with a message saying what to install.
"""

from __future__ import annotations

import json
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
    proc = _serve(root, port, ["--index", str(root / "idx"), "--build-from", str(root / "seeds")])
    yield f"http://127.0.0.1:{port}", root
    proc.terminate()
    proc.wait(timeout=30)


def _serve(root: Path, port: int, args: list[str]) -> subprocess.Popen:
    """``rag serve ARGS`` on ``port`` (uploads and feedback under ``root``), once it listens."""
    env = {**os.environ, "RAG_UPLOAD_DIR": str(root / "uploads"), "RAG_FEEDBACK_FILE": str(root / "feedback.jsonl")}
    log = (root / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--port", str(port), *args],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 300
    while time.time() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"rag serve exited: {(root / 'serve.log').read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return proc
        except OSError:
            time.sleep(1)
    pytest.fail("rag serve did not listen within 300 s")


BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]


def _open(p, url: str, locale: str = "en-US"):
    """A page of the app in a browser that prefers ``locale``."""
    browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale=locale)
    page.goto(url, wait_until="load")
    page.wait_for_selector("#question textarea", timeout=60_000)
    return browser, page


def _ask(page, question: str, cards: int = 1) -> None:
    box = page.locator("#question textarea")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"() => document.querySelectorAll('.rag-card').length >= {cards}", timeout=180_000)


def _upload(page, path: Path) -> None:
    """Add one file through the Archive tab and wait for the report."""
    page.locator("#tab-archive-button, [role=tab]").nth(1).click()
    page.locator("#upload input[type=file]").set_input_files(str(path))
    page.locator("#add").click()
    page.wait_for_function(
        "() => { const t = document.querySelector('#report textarea'); return t && t.value.includes('added 1'); }",
        timeout=120_000)


def test_ask_then_upload_and_ask_again(server):
    from playwright.sync_api import sync_playwright

    url, root = server
    ARTIFACTS.mkdir(exist_ok=True)
    article = root / "upload_article.txt"
    article.write_text(UPLOADED, encoding="utf-8")
    with sync_playwright() as p:
        browser, page = _open(p, url)
        _ask(page, "巡视工作的根本任务是什么？")
        assert "巡视工作的根本任务是‘两个维护’" in page.locator(".rag-card mark").first.inner_text()
        link = page.locator(".rag-card a").first
        assert link.get_attribute("href") == "https://www.spp.gov.cn/dj/xwjj/202404/t20240416_651948.shtml"
        page.screenshot(path=str(ARTIFACTS / "answer.png"))
        _upload(page, article)
        assert "6 documents" in page.locator("#report textarea").input_value()

        page.get_by_role("tab", name="Ask").click()
        _ask(page, "上半年全市检察机关共办理涉未成年人案件多少件？", cards=2)
        last = page.locator(".rag-card").last
        assert "128件" in last.locator(".rag-passage mark").first.inner_text()
        assert "某市检察院召开未成年人检察工作推进会" in last.inner_text()
        page.screenshot(path=str(ARTIFACTS / "upload-answer.png"))
        browser.close()


def test_a_scanned_page_uploaded_is_answered_with_its_region_shown(server):
    from playwright.sync_api import sync_playwright

    url, root = server
    scan = root / "notice_scan.png"
    scan.write_bytes((Path(__file__).parent / "scans" / "notice.png").read_bytes())
    with sync_playwright() as p:
        browser, page = _open(p, url, locale="zh-CN")
        _upload(page, scan)
        page.locator("#tab-ask-button, [role=tab]").first.click()
        _ask(page, "司法救助专项活动共为多少名困难当事人发放了救助金？")
        card = page.locator(".rag-card").first
        assert "23名" in card.locator(".rag-passage mark").first.inner_text()
        assert "OCR" in card.locator(".rag-scan").inner_text()
        img = card.locator(".rag-scan img")
        assert img.evaluate("el => el.complete && el.naturalWidth > 100")  # the page region, drawn
        page.screenshot(path=str(ARTIFACTS / "scan-answer.png"), full_page=True)
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
        browser, page = _open(p, url)
        _upload(page, article)
        page.get_by_role("tab", name="Ask").click()
        _ask(page, '某区检察院发布了多少件公益诉讼典型案例？<img src=y onerror="window.__pwned = 3">')
        card = page.locator(".rag-card").last.inner_text()
        # the title's markup is quoted as text; the <img> tag inside a text file's line is scraper
        # markup, dropped at reading (rag.ingest.read), so it is not in the quote at all
        assert "<script>" in card and "九件" in card and "<img" not in card
        assert page.evaluate("() => window.__pwned") is None  # and never ran
        browser.close()


@pytest.mark.parametrize(("locale", "tabs", "reply"), [
    ("zh-CN", ["提问", "档案"], "简短回答"), ("zh-TW", ["提問", "檔案"], "簡短回答"), ("en-US", ["Ask", "Archive"], "Short answer")])
def test_page_speaks_the_browsers_language(server, locale, tabs, reply):
    from playwright.sync_api import sync_playwright

    url, _ = server
    with sync_playwright() as p:
        browser, page = _open(p, url, locale)
        assert [x.inner_text() for x in page.get_by_role("tab").all()] == tabs
        _ask(page, "中央第七督导组组长是谁？")
        assert reply in page.locator(".rag-short").last.inner_text()
        browser.close()


def test_wrong_answer_button_records_the_answer(server):
    from playwright.sync_api import sync_playwright

    url, root = server
    with sync_playwright() as p:
        browser, page = _open(p, url, "zh-CN")
        _ask(page, "系统内巡视由谁牵头？")
        quote = page.locator(".rag-quote").last.inner_text()
        page.locator("#chat button[aria-label='踩']").last.click()
        page.wait_for_function("() => document.body.innerText.includes('已记录')", timeout=30_000)
        browser.close()
    lines = (root / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[-1])
    assert record["verdict"] == "wrong answer" and record["question"] == "系统内巡视由谁牵头？"
    assert record["answer"] and record["answer"] in quote and record["citation"]["path"].endswith(".txt")


def test_follow_up_in_the_page_is_read_against_the_conversation(server):
    from playwright.sync_api import sync_playwright

    url, _ = server
    with sync_playwright() as p:
        browser, page = _open(p, url, "zh-CN")
        _ask(page, "中央第七督导组组长是谁？")
        first = page.locator(".rag-quote").last.inner_text()
        _ask(page, "他强调了什么？", cards=2)
        second = page.locator(".rag-quote").last.inner_text()
        page.screenshot(path=str(ARTIFACTS / "follow-up.png"), full_page=True)
        browser.close()
    assert "张勇" in first and second != first and "张勇" in second  # 他 is read as 张勇
    # the page and the API (history as bare earlier questions) give the same answer
    from gradio_client import Client

    api = Client(url, verbose=False, download_files=False).predict("他强调了什么？", ["中央第七督导组组长是谁？"],
                                                                  api_name="/ask")
    assert api["text"] in second


# last: it removes a seed from the shared server's index
def test_archive_tab_lists_opens_and_removes_a_document(server):
    from playwright.sync_api import sync_playwright

    url, root = server
    with sync_playwright() as p:
        browser, page = _open(p, url, "zh-CN")
        page.locator("#tab-archive-button, [role=tab]").nth(1).click()
        page.wait_for_function("() => document.querySelector('#doc-pages').innerText.includes('第 1/1 页')")
        total = int(page.locator("#doc-pages").inner_text().split("共 ")[1].split(" 篇")[0])
        query = page.locator("#doc-query textarea")
        query.fill("督导组")
        query.press("Enter")
        page.wait_for_function("() => document.querySelector('#doc-pages').innerText.includes('共 1 篇')")
        page.locator("#docs .virtual-row .body-cell").filter(has_text="督导组").first.click()
        page.wait_for_function("() => document.querySelector('#doc-path textarea').value.endsWith('.txt')")
        path = page.locator("#doc-path textarea").input_value()
        page.locator("#doc-open").click()
        page.wait_for_function("() => document.querySelector('#doc-text textarea').value.includes('张勇')")
        page.screenshot(path=str(ARTIFACTS / "archive.png"), full_page=True)
        page.locator("#doc-remove").click()  # asks first
        page.wait_for_selector("#doc-remove-confirm", state="visible")
        page.locator("#doc-remove-confirm").click()
        page.wait_for_function("() => document.querySelector('#doc-message textarea').value.includes('已从索引中删除')",
                               timeout=120_000)
        query.fill("")
        query.press("Enter")
        page.wait_for_function(f"() => document.querySelector('#doc-pages').innerText.includes('共 {total - 1} 篇')")
        browser.close()
    assert Path(path).exists()  # the file on disk is left alone


@pytest.mark.parametrize(("locale", "width", "head"), [("zh-CN", 1280, "共找到"), ("zh-TW", 390, "共找到")])
def test_list_answer_cards_every_story(server, locale, width, head):
    """A list question gets one card per story, also on a phone-sized screen."""
    from playwright.sync_api import sync_playwright

    url, _ = server
    with sync_playwright() as p:
        browser, page = _open(p, url, locale)
        page.set_viewport_size({"width": width, "height": 900})
        # 党建: three seeds, none of them the one another test removes
        _ask(page, "关于党建的报道有哪些？" if locale == "zh-CN" else "關於黨建的報道有哪些？", cards=2)
        answer = page.locator(".rag-many").last
        assert head in answer.locator(".rag-quote").inner_text()
        assert answer.locator(".rag-card").count() >= 2
        assert answer.locator(".rag-card mark").count() >= 2  # each story's own sentence, marked
        box = answer.bounding_box()
        assert box is not None and box["width"] <= width  # no sideways scrolling on a narrow screen
        if width < 500:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "list-narrow.png"), full_page=True)
        browser.close()


def test_a_cards_timeline_action_asks_for_the_storys_timeline(server):
    """The "timeline" link on a citation card asks its question; the answer is a timeline."""
    from playwright.sync_api import sync_playwright

    url, _ = server
    with sync_playwright() as p:
        browser, page = _open(p, url, "zh-CN")
        _ask(page, "最高检党组会议学习了什么？")  # not the 督导组 seed the archive test removes
        link = page.locator(".rag-card a.rag-timeline").last
        assert link.count() == 1 and link.get_attribute("title").endswith("的经过")
        before = page.locator(".rag-many").count()
        link.click()
        page.wait_for_function(f"() => document.querySelectorAll('.rag-many').length > {before}", timeout=180_000)
        assert page.locator("#chat").inner_text().count(link.get_attribute("title")) >= 1  # asked as typed
        browser.close()


def test_dates_chip_and_switch(server):
    """A date in the question shows its range as a chip; unticking the switch searches all dates."""
    from playwright.sync_api import sync_playwright

    url, _ = server
    with sync_playwright() as p:
        browser, page = _open(p, url, "zh-CN")
        _ask(page, "2024年3月关于党组会的报道有哪些？")
        chip = page.locator(".rag-chip").last.inner_text()
        assert "2024-03-01" in chip and "2024-03-31" in chip and "2024年3月" in chip
        page.locator("#question-dates input").uncheck()
        before = page.locator(".rag-answer").count()
        _ask(page, "2024年3月关于党组会的报道有哪些？")
        page.wait_for_function(f"() => document.querySelectorAll('.rag-answer').length > {before}", timeout=180_000)
        assert page.locator(".rag-answer").last.locator(".rag-chip").count() == 0
        browser.close()


@pytest.fixture(scope="module")
def shared(tmp_path_factory, seeds_dir):
    """A page serving two archives (the seeds and a county's notices) behind accounts: ana edits the
    county archive, bo only asks."""
    _ensure_chromium()
    pytest.importorskip("playwright")
    import rag
    from rag.users import Users

    root = tmp_path_factory.mktemp("shared")
    shutil.copytree(seeds_dir, root / "seeds")
    (root / "county").mkdir()
    (root / "county" / "notice.txt").write_text(
        "某县检察院开展司法救助专项活动\n\n发布时间：2024-05-20 来源：某县人民检察院\n\n"
        "5月20日，某县人民检察院通报司法救助专项活动开展情况，该院共为23名困难当事人发放救助金41.6万元。\n",
        encoding="utf-8")
    for name in ("seeds", "county"):
        rag.build_index(root / name, root / "indexes" / name)
    Users.add(root / "users.json", "ana", "correct horse", role="editor", archives=("county",))
    Users.add(root / "users.json", "bo", "battery staple", role="viewer")
    port = _free_port()
    proc = _serve(root, port, ["--index", str(root / "indexes"), "--users", str(root / "users.json")])
    yield f"http://127.0.0.1:{port}", root
    proc.terminate()
    proc.wait(timeout=30)


def _login(p, url: str, user: str, password: str):
    browser = p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page.goto(url, wait_until="load")
    fields = page.locator("input")
    fields.nth(0).fill(user)
    fields.nth(1).fill(password)
    fields.nth(1).press("Enter")
    page.wait_for_selector("#question textarea", timeout=60_000)
    return browser, page


def test_switching_archives_answers_from_the_one_chosen(shared):
    from playwright.sync_api import sync_playwright

    url, _ = shared
    with sync_playwright() as p:
        browser, page = _login(p, url, "bo", "battery staple")
        _ask(page, "司法救助专项活动共为多少名困难当事人发放救助金？")
        assert "出自档案库：county" in page.locator(".rag-answer").last.inner_text()
        page.locator("#archive input").click()
        page.get_by_role("option", name="seeds").click()
        _ask(page, "巡视工作的根本任务是什么？", cards=2)
        assert "出自档案库：seeds" in page.locator(".rag-answer").last.inner_text()
        page.screenshot(path=str(ARTIFACTS / "archives.png"), full_page=True)
        browser.close()


def test_a_viewer_sees_no_upload_box_and_a_direct_upload_request_is_refused(shared):
    from gradio_client import Client, handle_file
    from playwright.sync_api import sync_playwright

    import rag
    from rag import audit

    url, root = shared
    with sync_playwright() as p:
        browser, page = _login(p, url, "bo", "battery staple")
        page.locator("#tab-archive-button, [role=tab]").nth(1).click()
        page.wait_for_selector("#docs", timeout=60_000)
        time.sleep(1)
        assert page.locator("#upload").count() == 0 or not page.locator("#upload").is_visible()
        assert not page.locator("#add").is_visible()
        browser.close()
        browser, page = _login(p, url, "ana", "correct horse")
        page.locator("#tab-archive-button, [role=tab]").nth(1).click()
        page.locator("#archive-managed input").click()
        page.get_by_role("option", name="county").click()
        page.wait_for_selector("#upload", state="visible", timeout=60_000)
        browser.close()
    article = root / "sneaked.txt"
    article.write_text("某县检察院召开会议\n\n发布时间：2024-06-01\n\n某县检察院6月1日召开会议，研究部署下半年工作，"
                       "会议要求全院干警坚持问题导向。\n", encoding="utf-8")
    client = Client(url, auth=("bo", "battery staple"), verbose=False, download_files=False)
    reply = client.predict([handle_file(str(article))], "county", api_name="/upload")
    assert "没有更改档案库" in reply[0]
    assert len(rag.open_index(root / "indexes" / "county")) == 1
    refused = audit.entries(root / "indexes" / "county")[0]
    assert (refused.who, refused.action, refused.files) == ("bo", "refused", ("sneaked.txt",))


@pytest.fixture(scope="module")
def dated_page(tmp_path_factory):
    """The page over tests/dated_archive.py, read against its own today (``rag serve --config``)."""
    _ensure_chromium()
    pytest.importorskip("playwright")
    from dated_archive import TODAY, write

    root = tmp_path_factory.mktemp("dated-page")
    write(root / "dated")
    (root / "settings.json").write_text(json.dumps({"today": TODAY}), encoding="utf-8")
    port = _free_port()
    proc = _serve(root, port, ["--index", str(root / "idx"), "--build-from", str(root / "dated"),
                               "--config", str(root / "settings.json")])
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=30)


# Each kind of answer: the question, the part that makes it that kind, and what the answer must say
# (in simplified script; the traditional page's text is folded back before it is compared).
KINDS = [
    ("when", "市检察院党组会议是哪天召开的？", ".rag-short", ["27日", "2023-07-27", "2023-07-30"]),
    ("differ", "杜苏芮残余环流造成多少人死亡？", ".rag-alternatives li", ["20", "33", "2023-08-04", "2023-08-02"]),
    ("list", "上个月关于台风的报道有哪些？", ".rag-list .rag-chip", ["共找到", "2023-07-01", "2023-07-31"]),
    ("count", "8月关于台风的报道有几篇？", ".rag-count", ["共 3 篇", "统计口径：发布于 2023-08-01 至 2023-08-31"]),
    ("timeline", "杜苏芮台风的经过是怎样的？", ".rag-timeline .rag-event", ["事件日期", "按时间顺序"]),
]


@pytest.mark.parametrize(("locale", "width"), [("zh-CN", 1280), ("zh-TW", 390)])
def test_every_kind_of_answer_renders_in_both_scripts_and_on_a_phone(dated_page, locale, width):
    """A when-question's day, reports that differ, a list, a count and a timeline, each as its own
    block with its cards, in the page's script, and nothing wider than a 390 px phone screen."""
    import opencc
    from playwright.sync_api import sync_playwright

    to_simplified = opencc.OpenCC("t2s").convert
    to_page = opencc.OpenCC("s2t").convert if locale == "zh-TW" else (lambda s: s)
    with sync_playwright() as p:
        browser, page = _open(p, dated_page, locale)
        page.set_viewport_size({"width": width, "height": 900})
        for n, (kind, question, part, says) in enumerate(KINDS, 1):
            _ask(page, to_page(question), cards=n)  # every answer has at least one card
            page.wait_for_function(f"() => document.querySelectorAll('.rag-answer').length >= {n}",
                                   timeout=180_000)
            answer = page.locator(".rag-answer").nth(n - 1)
            whole = answer.inner_text()
            # querySelector matches against the whole document, so the answer itself may be the ancestor
            assert answer.evaluate("(el, sel) => el.matches(sel) || el.querySelector(sel) !== null", part), \
                f"{kind}: no {part} in {whole[:300]}"
            text = to_simplified(whole)
            for word in says:
                assert word in text, f"{kind} ({locale}): {word!r} not in {text[:300]!r}"
            assert answer.locator(".rag-card").count() >= 1
            assert "articles" not in whole and "published" not in whole, f"{kind}: English on a Chinese page"
            box = answer.bounding_box()
            assert box is not None and box["width"] <= width, f"{kind}: {box} wider than {width}"
        if locale == "zh-TW":  # the page's own labels are in traditional script too
            assert "簡短回答" in page.locator("#chat").inner_text()
        scroll = page.evaluate("() => document.documentElement.scrollWidth")
        assert scroll <= width, f"the page scrolls sideways: {scroll} px on a {width} px screen"
        if width < 500:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "kinds-narrow.png"), full_page=True)
        browser.close()
