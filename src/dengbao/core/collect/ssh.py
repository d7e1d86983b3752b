"""Live collection over SSH: the Linux script fed through the session's stdin, the bundle read back.

Nothing is uploaded and nothing is written on the target: ``sh -s - -`` reads the script from
standard input and streams the tar.gz bundle to standard output. Many hosts run at once under
an ``asyncio.Semaphore``; each has its own time limit, and one host's failure (authentication,
timeout, host key) is reported for that host only.

Host keys follow trust-on-first-use: with no recorded key the connection accepts the server's
key and returns it (with its SHA-256 fingerprint) for the caller to record; with a recorded key
only that key is accepted, and any other is refused before authentication.

Which targets may be touched at all is decided before this module is called (the authorisation's
scope check); this module connects only to the addresses it is given.
"""

from __future__ import annotations

import asyncio
import time
import warnings
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

with warnings.catch_warnings():  # asyncssh still names DSA types; cryptography warns at its import
    warnings.filterwarnings("ignore", message="DSA is deprecated")
    import asyncssh

from .bundle import BundleError, read_bundle

COMMAND = "sh -s - -"  # the script from stdin, its bundle to stdout
MAX_BUNDLE_BYTES = 64 * 1024 * 1024
MAX_STDERR_BYTES = 1024 * 1024  # the script writes little there; its tail goes into the message


@dataclass(frozen=True)
class Target:
    spec: str  # as the user wrote it
    address: str  # the address judged in scope: the one connected to
    port: int = 22


@dataclass(frozen=True)
class Credentials:
    """The login for one run; the password is kept out of ``repr`` (and so out of logs and tracebacks)."""

    username: str
    key_file: str | None = None
    password: str | None = field(default=None, repr=False)
    passphrase: str | None = field(default=None, repr=False)


@dataclass
class Outcome:
    target: Target
    status: str  # collected, auth, timeout, host_key, unreachable, key, script, bundle, error
    message: str = ""
    bundle: bytes = b""
    host_key: str = ""  # the server's public key, OpenSSH format
    fingerprint: str = ""  # SHA256:…
    first_use: bool = False  # no key was recorded: this one is to be recorded
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == "collected"


Progress = Callable[[Outcome], Awaitable[None] | None]


def _known_hosts(key_text: str | None):
    if not key_text:
        return None  # first use: accept, and hand the key back to be recorded
    return ([asyncssh.import_public_key(key_text)], [], [])


async def _read_limited(stream, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await stream.read(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise BundleError(f"输出超过 {limit // (1024 * 1024)} MB 上限")
        chunks.append(chunk)


async def _session(
    target: Target, creds: Credentials, script: str, known_key: str | None, connect_timeout: float
) -> Outcome:
    options = {
        "port": target.port,
        "username": creds.username,
        "known_hosts": _known_hosts(known_key),
        "client_keys": [creds.key_file] if creds.key_file else None,
        "passphrase": creds.passphrase,
        "password": creds.password,
        "agent_path": None,  # only the credentials given for this run
        "config": None,  # no ~/.ssh/config: it could redirect the connection outside the scope
        "connect_timeout": connect_timeout,
        "login_timeout": connect_timeout,
        "preferred_auth": "publickey" if creds.key_file else "password,keyboard-interactive",
    }
    async with asyncssh.connect(target.address, **options) as conn:
        key = conn.get_server_host_key()
        host_key = key.export_public_key("openssh").decode().strip() if key else ""
        fingerprint = key.get_fingerprint("sha256") if key else ""
        process = await conn.create_process(COMMAND, encoding=None)
        process.stdin.write(script.encode())
        process.stdin.write_eof()
        stdout, stderr = await asyncio.gather(
            _read_limited(process.stdout, MAX_BUNDLE_BYTES),
            _read_limited(process.stderr, MAX_STDERR_BYTES),
        )
        completed = await process.wait()
    out = Outcome(target, "collected", host_key=host_key, fingerprint=fingerprint, first_use=not known_key)
    if completed.exit_status != 0:
        tail = stderr[-2000:].decode("utf-8", "replace").strip()
        out.status, out.message = "script", f"采集脚本退出码 {completed.exit_status}：{tail[-500:]}"
        return out
    try:
        read_bundle(stdout)
    except BundleError as exc:
        out.status, out.message = "bundle", f"采集包校验失败：{exc}"
        return out
    out.bundle = stdout
    return out


def _failure(target: Target, exc: BaseException, known_key: str | None) -> Outcome:
    if isinstance(exc, asyncssh.HostKeyNotVerifiable):
        return Outcome(
            target, "host_key", "主机密钥与首次连接时记录的不一致，已拒绝连接（可能是中间人攻击或主机重装）"
        )
    if isinstance(exc, asyncssh.KeyExchangeFailed) and known_key:
        return Outcome(target, "host_key", f"服务器不再提供已记录类型的主机密钥，已拒绝连接：{exc.reason}")
    if isinstance(exc, asyncssh.PermissionDenied):
        return Outcome(target, "auth", "认证失败：用户名、密钥或口令不被接受")
    if isinstance(exc, (asyncssh.KeyImportError, asyncssh.KeyEncryptionError)):
        return Outcome(target, "key", f"无法读取私钥：{exc}")
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return Outcome(target, "timeout", "超时")
    if isinstance(exc, ConnectionRefusedError):
        return Outcome(target, "unreachable", "连接被拒绝（端口未开放）")
    if isinstance(exc, asyncssh.DisconnectError):
        return Outcome(target, "error", f"SSH 连接断开：{exc.reason}")
    if isinstance(exc, OSError):
        return Outcome(target, "unreachable", f"无法连接：{exc.strerror or exc}")
    if isinstance(exc, BundleError):
        return Outcome(target, "bundle", str(exc))
    return Outcome(target, "error", f"{type(exc).__name__}: {exc}")


async def collect_host(
    target: Target,
    creds: Credentials,
    script: str,
    *,
    known_key: str | None = None,
    timeout: float = 90.0,
    connect_timeout: float = 15.0,
) -> Outcome:
    """One host's bundle, or why there is none; never raises for a host's own failure."""
    started = time.monotonic()
    try:
        out = await asyncio.wait_for(_session(target, creds, script, known_key, connect_timeout), timeout)
    except (TimeoutError, Exception) as exc:
        out = _failure(target, exc, known_key)
    out.seconds = time.monotonic() - started
    return out


async def collect_many(
    targets: Sequence[Target],
    creds: Credentials,
    script: str,
    *,
    known_keys: dict[tuple[str, int], str] | None = None,
    parallel: int = 8,
    timeout: float = 90.0,
    progress: Progress | None = None,
) -> list[Outcome]:
    """Every target's outcome, in the order given; at most ``parallel`` sessions at a time."""
    known_keys = known_keys or {}
    gate = asyncio.Semaphore(max(1, parallel))

    async def one(target: Target) -> Outcome:
        async with gate:
            out = await collect_host(
                target,
                creds,
                script,
                known_key=known_keys.get((target.address, target.port)),
                timeout=timeout,
            )
        if progress is not None:
            maybe = progress(out)
            if maybe is not None:
                await maybe
        return out

    return list(await asyncio.gather(*(one(t) for t in targets)))
