"""Page uploads: zips cannot write outside the upload folder, bombs and floods are refused (no model needed)."""

import stat
import zipfile

from ui.app import MAX_ZIP_MEMBERS, save_uploads


def _zip(path, members):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data, *link in members:
            info = zipfile.ZipInfo(name)
            if link:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            z.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return str(path)


def test_zip_with_escaping_names_and_links_writes_only_inside(tmp_path):
    up = tmp_path / "uploads"
    z = _zip(tmp_path / "evil.zip", [("../escape.txt", "x"), ("/abs/escape.txt", "x"), ("a/../../b.txt", "x"),
                                      ("link.txt", "/etc/passwd", True), ("ok/文章.txt", "正常的文章内容。"),
                                      ("run.sh", "rm -rf /")])
    saved, refused = save_uploads([z], up)
    assert [p.relative_to(up).as_posix() for p in saved] == ["evil/ok/文章.txt"]
    assert len(refused) == 5 and sum("unsafe path" in r for r in refused) == 3
    assert any("a link" in r for r in refused) and any("type not accepted" in r for r in refused)
    assert not (tmp_path / "escape.txt").exists() and not (tmp_path / "b.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.zip", "uploads"]


def test_zip_bomb_and_member_flood_are_refused(tmp_path):
    bomb = _zip(tmp_path / "bomb.zip", [("big.txt", b"\0" * 20_000_000)])
    saved, refused = save_uploads([bomb], tmp_path / "up")
    assert saved == [] and "zip bomb" in refused[0]
    flood = _zip(tmp_path / "flood.zip", [(f"f{i}.txt", "x") for i in range(MAX_ZIP_MEMBERS + 1)])
    saved, refused = save_uploads([flood], tmp_path / "up2")
    assert saved == [] and "more than" in refused[0] and not (tmp_path / "up2" / "flood").exists()


def test_plain_uploads_by_type_and_broken_zip(tmp_path):
    (tmp_path / "a.txt").write_text("文章", encoding="utf-8")
    (tmp_path / "b.exe").write_bytes(b"MZ")
    (tmp_path / "c.zip").write_bytes(b"not a zip")
    saved, refused = save_uploads([str(tmp_path / n) for n in ("a.txt", "b.exe", "c.zip")], tmp_path / "up")
    assert [p.name for p in saved] == ["a.txt"]
    assert any("b.exe" in r and "type" in r for r in refused) and any("c.zip" in r and "zip" in r for r in refused)
