"""Several archives: a Library over index folders, its names, asking one or all, the CLI and the page."""

from __future__ import annotations

import shutil

import pytest

import rag
from rag.errors import RagError

pytestmark = pytest.mark.slow

NOTICE = """某县检察院开展司法救助专项活动

发布时间：2024-05-20 来源：某县人民检察院

5月20日，某县人民检察院通报司法救助专项活动开展情况。专项活动开展以来，该院共为23名困难当事人发放救助金41.6万元，其中未成年人9名。
该院检察长表示，将继续畅通救助线索移送渠道，做到应救尽救。
"""


@pytest.fixture(scope="module")
def shelves(tmp_path_factory, seed_index):
    """Two archives: the seeds, and a one-notice archive of a county procuratorate."""
    root = tmp_path_factory.mktemp("lib")
    (root / "county").mkdir()
    (root / "county" / "notice.txt").write_text(NOTICE, encoding="utf-8")
    county = rag.build_index(root / "county", root / "indexes" / "county")
    shutil.copytree(seed_index.folder, root / "indexes" / "seeds")
    return root, county


def test_a_folder_of_indexes_opens_each_by_name_and_asks_the_one_that_knows(shelves):
    root, _ = shelves
    lib = rag.Library.open([root / "indexes"])
    assert lib.names == ("county", "seeds")
    answer = lib.ask("司法救助专项活动共为多少名困难当事人发放救助金？")
    assert answer.archive == "county" and "23名" in answer.text
    answer = lib.ask("巡视工作的根本任务是什么？")
    assert answer.archive == "seeds" and "两个维护" in answer.text
    # asked of one archive only, the other's answer is not given
    only = lib.ask("巡视工作的根本任务是什么？", archive="county")
    assert only.archive == "county" and "两个维护" not in only.text
    hits = lib.search("司法救助", k=2)
    assert hits[0][0] == "county"


def test_names_are_checked_and_unknown_ones_listed(shelves):
    root, county = shelves
    lib = rag.Library.open([f"mine={root / 'indexes' / 'county'}", root / "indexes" / "seeds"])
    assert lib.names == ("mine", "seeds")
    with pytest.raises(RagError, match="no archive named 'other'; the archives are mine, seeds"):
        lib.ask("问题", archive="other")
    with pytest.raises(RagError, match="two archives are named 'county'"):
        rag.Library.open([root / "indexes" / "county", root / "indexes" / "county"])
    with pytest.raises(RagError, match="not usable"):
        rag.Library({"all": county})


def test_the_cli_asks_several_archives_and_says_whose_answer_it_is(shelves):
    from typer.testing import CliRunner

    from rag.cli import app

    root, _ = shelves
    result = CliRunner().invoke(app, ["ask", "司法救助专项活动共为多少名困难当事人发放救助金？", "--index",
                                      str(root / "indexes" / "seeds"), "--index", str(root / "indexes" / "county")])
    assert result.exit_code == 0, result.output
    assert "(from the archive county)" in result.output and "23名" in result.output


def test_the_page_asks_all_archives_and_each_upload_goes_to_the_chosen_one(shelves, tmp_path):
    from ui.app import make_app

    root, _ = shelves
    lib = rag.Library.open([root / "indexes"])
    demo = make_app(lib, upload_dir=tmp_path / "uploads", feedback_file=tmp_path / "fb.jsonl")
    fns = {f.name: f.fn for f in demo.fns.values()}
    reply = list(fns["respond"]("司法救助专项活动共为多少名困难当事人发放救助金？", [], {}, "", "", [], True, "all",
                                _Request()))[-1][1][-1]["content"]
    assert "出自档案库：county" in reply and "23名" in reply
    article = tmp_path / "extra.txt"
    article.write_text(NOTICE.replace("某县", "某市").replace("23名", "31名"), encoding="utf-8")
    before = len(lib["seeds"])
    report = fns["upload"]([str(article)], "county", _Request())[0]
    assert "added 1" in report
    assert len(lib["county"]) == 2 and len(lib["seeds"]) == before
    assert any((tmp_path / "uploads" / "county").rglob("extra.txt"))


class _Request:
    headers = {"accept-language": "zh-CN"}
    username = None


def test_one_archive_answers_while_another_is_being_changed(shelves):
    import threading

    root, _ = shelves
    lib = rag.Library.open([root / "indexes"])
    done = []
    with lib.lock("county"):  # as an update of the county archive holds it
        t = threading.Thread(target=lambda: done.append(lib.ask("巡视工作的根本任务是什么？", archive="seeds")))
        t.start()
        t.join(timeout=120)
        assert done and done[0].found and done[0].archive == "seeds"


def test_changes_from_the_command_line_are_logged_too(shelves, tmp_path):
    from typer.testing import CliRunner

    from rag import audit
    from rag.cli import app

    root, _ = shelves
    folder = tmp_path / "county"
    shutil.copytree(root / "indexes" / "county", folder)
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "extra.txt").write_text(NOTICE.replace("某县", "某区"), encoding="utf-8")
    result = CliRunner().invoke(app, ["update", str(tmp_path / "more"), "--index", str(folder)])
    assert result.exit_code == 0, result.output
    entry = audit.entries(folder)[0]
    assert entry.action == "add" and entry.who.endswith("(command line)") and "added 1" in entry.outcome
