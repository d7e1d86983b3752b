"""The audit chain's key: a file outside the database (``DENGBAO_AUDIT_KEY_FILE``).

Created once, mode 0600, when the chain has no keyed record yet (first start, or the
one-time re-keying of an old chain); never overwritten. When the chain is already keyed
and the file is missing or holds another key, nothing is written to the log and
verification says so plainly: the operator restores the file from the offline copy.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.conf import settings

from dengbao.core import hashchain


class AuditKeyError(hashchain.ChainKeyError):
    """The key file is missing, unreadable or not the chain's key; the message says what to do."""


def key_path() -> Path:
    return Path(settings.DENGBAO_AUDIT_KEY_FILE)


_cache: dict[tuple[str, int, int, int], bytes] = {}


def load(*, create: bool = False) -> bytes:
    """The key from its file; with ``create``, a new random key is written first when there is none."""
    path = key_path()
    if create and not path.exists():
        _create(path)
    try:
        st = path.stat()
        stamp = (str(path), st.st_ino, st.st_mtime_ns, st.st_size)
        if stamp not in _cache:
            _cache.clear()
            _cache[stamp] = hashchain.parse_key(path.read_text(encoding="ascii", errors="replace"))
        return _cache[stamp]
    except FileNotFoundError:
        raise AuditKeyError(
            f"审计密钥文件不存在：{path}。请从离线备份恢复该文件 "
            f"(the audit key file {path} is missing; restore it from your offline copy)"
        ) from None
    except OSError as exc:
        raise AuditKeyError(f"审计密钥文件无法读取：{path} ({exc})") from None
    except hashchain.ChainKeyError as exc:
        raise AuditKeyError(f"审计密钥文件格式错误：{path} ({exc})") from None


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once must not write two different keys; never overwrite.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_bytes(hashchain.KEY_BYTES).hex() + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def check(key: bytes, expected_id: str) -> None:
    """Refuse a key whose fingerprint is not the one the chain was written with."""
    if expected_id and hashchain.key_id(key) != expected_id:
        raise AuditKeyError(
            f"审计密钥与审计链不符：{key_path()} 不是写入该审计链时使用的密钥 "
            f"(the audit key file {key_path()} is not the key this chain was written with; "
            "restore the right file from your offline copy)"
        )
