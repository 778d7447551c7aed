"""Accounts of a shared page: who may ask, and who may change which archive.

A users file (JSON) holds each account's role and archives and an Argon2id hash of its password
(argon2-cffi, the reference implementation's binding: salted, memory-hard, never reversible):

    rag user add ana --role editor --archive county     # the password from a prompt or RAG_PASSWORD

Viewers ask and read; editors also upload, re-read and remove, in the archives named for them (or
all, when none is named). Logins fail slowly for a name after repeated failures, and a session
ends ``SESSION_HOURS`` after its login.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from rag.errors import ConfigError

__all__ = ["Users", "Account", "Role", "SESSION_HOURS", "MAX_FAILURES", "LOCKOUT_SECONDS"]

Role = Literal["viewer", "editor"]
ROLES: tuple[Role, ...] = ("viewer", "editor")
SESSION_HOURS = 8.0        # a login lasts a working day
MAX_FAILURES = 5           # failed logins of one name within LOCKOUT_SECONDS ...
LOCKOUT_SECONDS = 300.0    # ... refuse that name, even with the right password, for this long
MIN_PASSWORD = 8


@dataclass(frozen=True)
class Account:
    name: str
    role: Role
    archives: tuple[str, ...]  # empty: every archive
    hash: str

    def may_edit(self, archive: str) -> bool:
        return self.role == "editor" and (not self.archives or archive in self.archives)


class Users:
    """The accounts of one users file, and the state of their logins in this process."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._accounts = _read(self.path)
        self._lock = threading.Lock()
        self._failures: dict[str, list[float]] = {}
        self._logins: dict[str, float] = {}

    # ------------------------------------------------------------ the file
    @staticmethod
    def add(path: str | Path, name: str, password: str, *, role: Role = "viewer",
            archives: tuple[str, ...] = ()) -> Account:
        """Add or replace an account in the users file (written whole, then renamed into place)."""
        if role not in ROLES:
            raise ConfigError(f"role {role!r} is not one of {', '.join(ROLES)}")
        if not name or not name.replace("_", "").replace("-", "").replace(".", "").isalnum():
            raise ConfigError(f"user name {name!r}: use letters, digits, '.', '_' or '-'")
        if len(password) < MIN_PASSWORD:
            raise ConfigError(f"the password of {name} must have at least {MIN_PASSWORD} characters")
        accounts = _read(Path(path)) if Path(path).exists() else {}
        account = Account(name, role, tuple(archives), _hasher().hash(password))
        accounts[name] = account
        _write(Path(path), accounts)
        return account

    @staticmethod
    def remove(path: str | Path, name: str) -> None:
        accounts = _read(Path(path))
        if name not in accounts:
            raise ConfigError(f"no user {name!r} in {path}")
        del accounts[name]
        _write(Path(path), accounts)

    @property
    def accounts(self) -> tuple[Account, ...]:
        return tuple(self._accounts.values())

    # ------------------------------------------------------------ logins
    def check(self, name: str, password: str) -> bool:
        """The login test the page calls: the right password of a known, not locked-out name."""
        from argon2.exceptions import VerificationError

        now = time.monotonic()
        with self._lock:
            recent = [t for t in self._failures.get(name, []) if now - t < LOCKOUT_SECONDS]
            self._failures[name] = recent
            if len(recent) >= MAX_FAILURES:
                return False
        account = self._accounts.get(name)
        try:
            # an unknown name costs the same hash as a known one, so timing does not tell them apart
            ok = _hasher().verify(account.hash if account else _dummy_hash(), password) and account is not None
        except VerificationError:
            ok = False
        with self._lock:
            if ok:
                self._failures.pop(name, None)
                self._logins[name] = time.time()
            else:
                self._failures.setdefault(name, []).append(now)
        return ok

    def account(self, name: str | None) -> Account | None:
        """The account of a page session, or None when it has none or its session has expired."""
        if not name or name not in self._accounts:
            return None
        at = self._logins.get(name)
        if at is None or time.time() - at > SESSION_HOURS * 3600:
            return None
        return self._accounts[name]

    def may_edit(self, name: str | None, archive: str) -> bool:
        account = self.account(name)
        return account is not None and account.may_edit(archive)


def _hasher():
    try:
        from argon2 import PasswordHasher
    except ImportError as exc:
        raise ConfigError("accounts need argon2-cffi: pip install argon2-cffi") from exc
    return PasswordHasher()


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash of nobody's password, made on first use (hashing costs ~50 ms)."""
    return _hasher().hash("not a password of anyone")


def _read(path: Path) -> dict[str, Account]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {name: Account(name, a["role"], tuple(a.get("archives", ())), a["hash"])
                for name, a in data["users"].items()}
    except FileNotFoundError as exc:
        raise ConfigError(f"no users file at {path}; add an account with `rag user add NAME --users {path}`") from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{path} is not a users file of this project ({exc.__class__.__name__}); "
                          "check it or make a new one with `rag user add`") from exc


def _write(path: Path, accounts: dict[str, Account]) -> None:
    data = {"users": {a.name: {"role": a.role, "archives": list(a.archives), "hash": a.hash}
                      for a in accounts.values()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)  # hashes only, but nobody else's business
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
