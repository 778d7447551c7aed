"""The rag command: one-line errors with exit codes; JSON for machines (real model where needed)."""

import json
import subprocess
import sys

import pytest


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "rag.cli", *args], capture_output=True, text=True, cwd=cwd, timeout=600)


def test_missing_index_is_one_line_error(tmp_path):
    r = run("ask", "巡视工作的根本任务是什么？", "--index", str(tmp_path / "none"))
    assert r.returncode == 1
    assert r.stderr.strip().startswith("error:") and "rag build" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_config_file_is_one_line_error(tmp_path, seeds_dir):
    cfg = tmp_path / "c.json"
    cfg.write_text('{"chunk_chars": 5}')
    r = run("build", str(seeds_dir), "--index", str(tmp_path / "i"), "--config", str(cfg))
    assert r.returncode == 1 and "chunk_chars=5" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_build_json_then_ask_and_search(tmp_path, seeds_dir):
    src = tmp_path / "src"
    src.mkdir()
    for f in seeds_dir.glob("*.txt"):
        (src / f.name).write_bytes(f.read_bytes())
    (src / "empty.txt").write_bytes(b"")
    idx = tmp_path / "idx"
    r = run("build", str(src), "--index", str(idx), "--json")
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["documents"] == 5 and len(report["added"]) == 5
    assert report["skipped"][0]["path"].endswith("empty.txt") and "empty" in report["skipped"][0]["reason"]
    r = run("ask", "巡视工作的根本任务是什么？", "--index", str(idx), "--json")
    answer = json.loads(r.stdout)
    assert answer["found"] and "两个维护" in answer["text"] and answer["citations"][0]["url"].startswith("https://")
    r = run("search", "巡视", "-k", "2", "--index", str(idx), "--json")
    assert len(json.loads(r.stdout)) == 2
    r = run("update", str(src), "--index", str(idx))
    assert r.returncode == 0 and "unchanged 5" in r.stdout
    # the archive from the command line: list, show, remove (asks first), re-read
    r = run("docs", "--index", str(idx), "--json")
    listing = json.loads(r.stdout)
    assert r.returncode == 0 and listing["total"] == 5
    victim = listing["items"][0]["path"]
    r = run("show", victim, "--index", str(idx))
    assert r.returncode == 0 and f"file: {victim}" in r.stdout
    r = subprocess.run([sys.executable, "-m", "rag.cli", "remove", victim, "--index", str(idx)], input="n\n",
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 1 and "nothing was changed" in r.stderr
    r = run("remove", victim, "--index", str(idx), "--yes")
    assert r.returncode == 0 and "removed 1" in r.stdout
    r = run("docs", "--index", str(idx))
    assert r.stdout.startswith("4 documents") and victim not in r.stdout
    r = run("remove", victim, "--index", str(idx), "--yes")
    assert r.returncode == 1 and "not in the index" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.slow
def test_text_answer_names_an_untitled_file_and_keeps_related_passages_on_one_line(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    # no headline: the metadata lines come first
    (src / "untitled.txt").write_text("Published: 2024-02-02\nSource: Xinhua\n\n最高人民检察院发布第五十批指导性案例，共包括四件案例，"
                                      "涉及知识产权保护。\n", encoding="utf-8")
    (src / "two_lines.txt").write_text("县纪委开展警示教育\n\n11月7日，县纪委组织科级干部开展警示教育活动。\n"
                                       "参观结束后，县纪委书记赵刚作了专题辅导报告。\n", encoding="utf-8")
    idx = tmp_path / "idx"
    assert run("build", str(src), "--index", str(idx)).returncode == 0
    r = run("ask", "第五十批指导性案例涉及什么？", "--index", str(idx))
    assert r.returncode == 0 and "[1] untitled.txt | 2024-02-02 | Xinhua" in r.stdout and "None" not in r.stdout
    r = run("ask", "火星上的天气怎么样？", "--index", str(idx))
    related = [line for line in r.stdout.splitlines() if line.startswith("  related:")]
    assert r.stdout.startswith("Not in the archive") and len(related) == 2
    assert any("11月7日" in line and "赵刚" in line for line in related)  # the passage's two lines on one
    # ask takes the same filters as search
    r = run("ask", "第五十批指导性案例涉及什么？", "--index", str(idx), "--date-from", "2025-01-01")
    assert r.returncode == 0 and r.stdout.startswith("Not in the archive") and "widen the filters" in r.stdout
    r = run("ask", "第五十批指导性案例涉及什么？", "--index", str(idx), "--source", "Xinhua", "--date-to", "2024-12-31")
    assert "[1] untitled.txt" in r.stdout
    r = run("ask", "第五十批指导性案例涉及什么？", "--index", str(idx), "--date-to", "2024-02-30")
    assert r.returncode == 1 and "date_to='2024-02-30'" in r.stderr and "Traceback" not in r.stderr
