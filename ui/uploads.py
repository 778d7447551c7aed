"""Uploaded files into a folder the index can read: types, sizes and zip members checked.

Nothing an upload names can land outside the upload folder: absolute or ``..`` names,
links, zip bombs and oversized archives are refused with a message per file.
"""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
from pathlib import Path

__all__ = ["UPLOAD_SUFFIXES", "MAX_UPLOAD_BYTES", "MAX_ZIP_MEMBERS", "MAX_ZIP_RATIO", "save_uploads"]

UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".zip")
MAX_UPLOAD_BYTES = int(os.environ.get("RAG_MAX_UPLOAD_BYTES", 50_000_000))
MAX_ZIP_MEMBERS = 2_000
MAX_ZIP_RATIO = 100


def save_uploads(paths: list[str], folder: Path) -> tuple[list[Path], list[str]]:
    """Copy uploaded files (and the members of uploaded zips) into ``folder``.

    Returns the saved paths and one message per refused file. Zip members are
    checked for size and type, and for paths that would escape the folder.
    """
    saved, refused = [], []
    folder.mkdir(parents=True, exist_ok=True)
    for p in paths:
        src = Path(p)
        name = src.name
        if src.suffix.lower() not in UPLOAD_SUFFIXES:
            refused.append(f"{name}: type not accepted (accepted: {', '.join(UPLOAD_SUFFIXES)})")
            continue
        if src.stat().st_size > MAX_UPLOAD_BYTES:
            refused.append(f"{name}: larger than {MAX_UPLOAD_BYTES // 1_000_000} MB")
            continue
        if src.suffix.lower() != ".zip":
            dest = folder / name
            shutil.copyfile(src, dest)
            saved.append(dest)
            continue
        try:
            with zipfile.ZipFile(src) as z:
                _unzip(z, name, folder / src.stem, saved, refused)
        except zipfile.BadZipFile:
            refused.append(f"{name}: not a readable zip file")
    return saved, refused


def _unzip(z: zipfile.ZipFile, name: str, folder: Path, saved: list[Path], refused: list[str]) -> None:
    """Unpack the accepted members of an uploaded zip into ``folder``, refusing what could
    escape it (absolute or ``..`` names, links), bombs (a member over ``MAX_ZIP_RATIO`` times its
    packed size, or more than ``MAX_UPLOAD_BYTES`` in all) and more than ``MAX_ZIP_MEMBERS`` files."""
    members = [i for i in z.infolist() if not i.is_dir() and not Path(i.filename).name.startswith(".")]
    if len(members) > MAX_ZIP_MEMBERS:
        refused.append(f"{name}: holds {len(members):,} files, more than {MAX_ZIP_MEMBERS:,}; split it into smaller zips")
        return
    total = 0
    root = folder.resolve()
    for info in members:
        member = Path(info.filename)
        dest = folder / member
        if (member.is_absolute() or ".." in member.parts or "\\" in info.filename
                or not dest.resolve().is_relative_to(root)):
            refused.append(f"{name}:{info.filename}: unsafe path in zip")
            continue
        if stat.S_ISLNK(info.external_attr >> 16):
            refused.append(f"{name}:{info.filename}: a link, not a file")
            continue
        if member.suffix.lower() not in UPLOAD_SUFFIXES or member.suffix.lower() == ".zip":
            refused.append(f"{name}:{info.filename}: type not accepted")
            continue
        if info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1) and info.file_size > 1_000_000:
            refused.append(f"{name}:{info.filename}: unpacks {info.file_size // max(info.compress_size, 1):,} times "
                           "its packed size (a zip bomb?); not unpacked")
            continue
        total += info.file_size
        if total > MAX_UPLOAD_BYTES:
            refused.append(f"{name}: unpacks to more than {MAX_UPLOAD_BYTES // 1_000_000} MB; stopped")
            return
        dest.parent.mkdir(parents=True, exist_ok=True)
        with z.open(info) as fin, dest.open("wb") as fout:
            # at most the declared size is read: a member that lies about its size is cut there
            shutil.copyfileobj(fin, fout)
        saved.append(dest)
