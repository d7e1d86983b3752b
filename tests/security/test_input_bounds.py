"""Issue #13 finding 4: the body limit holds for chunked bodies, against the real server.

`dengbao run` (uvicorn) is started in a child process with its own var folder and its own
TMPDIR. Before the fix an unauthenticated chunked POST to /accounts/login/ was spooled to a
temporary file in full (about 1 GB of disk for 1 GB sent) and then answered 403.
Now the read stops at DENGBAO_MAX_ANON_BODY_MB and the answer is 413.

The disk the server spends is measured two ways while the body is being sent: the size of
every regular file the server process holds open (Django's spool is an unlinked temporary
file, invisible to a directory listing but not to /proc/PID/fd), and the size of its var
and TMPDIR folders.
"""

from __future__ import annotations

import os
import re
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

# The server runs on its own SQLite file in any suite (DATABASE_URL is not passed on): the
# limit sits in front of Django and does not depend on the database.
pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").exists(), reason="reads /proc/PID/fd")

MB = 1024 * 1024
PASSWORD = "Bounds-Test-2026!"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, proc: subprocess.Popen, port: int, var: Path, tmp: Path) -> None:
        self.proc, self.port, self.var, self.tmp = proc, port, var, tmp
        self.url = f"http://127.0.0.1:{port}"
        self.token = ""

    def open_file_bytes(self) -> int:
        """Total size of the regular files the server process holds open (deleted ones too)."""
        total = 0
        fd_dir = Path(f"/proc/{self.proc.pid}/fd")
        for fd in fd_dir.iterdir():
            try:
                target = os.readlink(fd)
                info = os.stat(fd)  # follows the magic link: works for an unlinked file
            except OSError:
                continue
            if target.startswith("/") and not target.startswith(("/dev/", "/proc/")) and os.path.isfile(fd):
                if "site-packages" in target or target.endswith((".sqlite3", "-wal", "-shm", ".py")):
                    continue  # the database and code: not the body
                total += info.st_size
        return total

    def folder_bytes(self) -> int:
        total = 0
        for folder in (self.tmp, self.var / "tmp"):
            for path in folder.rglob("*") if folder.exists() else ():
                if path.is_file():
                    total += path.stat().st_size
        return total


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    var = tmp_path_factory.mktemp("var")
    tmp = tmp_path_factory.mktemp("tmpdir")
    port = _free_port()
    env = {
        **os.environ,
        "DENGBAO_VAR_DIR": str(var),
        "DENGBAO_SECRET_KEY": "x" * 50,
        "TMPDIR": str(tmp),
        "DENGBAO_MAX_ANON_BODY_MB": "1",
        "DENGBAO_MAX_UPLOAD_MB": "8",
    }
    for name in ("DJANGO_SETTINGS_MODULE", "DENGBAO_TESTING", "DATABASE_URL", "REDIS_URL"):
        env.pop(name, None)
    exe = [sys.executable, "-m", "dengbao.cli"]
    subprocess.run([*exe, "migrate", "-v", "0"], env=env, check=True, timeout=300)
    create = (
        "from dengbao.accounts import services, tokens; "
        "alice = services.user_create("
        f"actor=None, username='alice', password={PASSWORD!r}, organisation=None); "
        "print('TOKEN=' + tokens.token_create(actor=alice, name='bounds')[1])"
    )
    made = subprocess.run(
        [*exe, "shell", "-c", create], env=env, check=True, timeout=120, capture_output=True, text=True
    )
    token = made.stdout.split("TOKEN=")[1].split()[0]
    proc = subprocess.Popen(
        [*exe, "run", "--port", str(port), "--no-scheduler"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    srv = Server(proc, port, var, tmp)
    srv.token = token
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{srv.url}/accounts/login/", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, proc.communicate()[0].decode(errors="replace")
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)
        yield srv
    finally:
        proc.terminate()
        out = proc.communicate(timeout=30)[0].decode(errors="replace")
    assert "Traceback" not in out, out


def _raw_post(
    server: Server, head: str, body: Iterator[bytes], watch: list[int] | None = None
) -> tuple[bytes, int]:
    """Send ``head`` and then ``body`` chunk by chunk, reading whatever the server answers
    meanwhile; stop when the answer is complete or the server closes. Returns the answer
    and the number of body bytes the socket accepted. ``watch`` collects the server's
    disk use sampled while sending."""
    answer = b""
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
        sock.sendall(head.encode("latin-1"))
        pending = b""
        closed = False
        last_sample = 0.0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if not pending:
                pending = next(body, b"")
            writers = [sock] if pending and not closed else []
            readable, writable, _ = select.select([sock], writers, [], 5)
            if readable:
                try:
                    data = sock.recv(65536)
                except ConnectionResetError:
                    break
                if not data:
                    break
                answer += data
                if _complete(answer):
                    break
            if writable:
                try:
                    n = sock.send(pending)
                except (BrokenPipeError, ConnectionResetError):
                    closed = True
                    continue
                sent += n
                pending = pending[n:]
            if watch is not None and time.monotonic() - last_sample > 0.05:
                watch.append(server.open_file_bytes() + server.folder_bytes())
                last_sample = time.monotonic()
            if not readable and not writable and not pending:
                break
    return answer, sent


def _complete(answer: bytes) -> bool:
    head, sep, rest = answer.partition(b"\r\n\r\n")
    if not sep:
        return False
    match = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    return bool(match) and len(rest) >= int(match.group(1))


def _chunked(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    chunk = b"a" * size
    framed = f"{size:x}\r\n".encode() + chunk + b"\r\n"
    for _ in range(total // size):
        yield framed
    yield b"0\r\n\r\n"


def _status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_an_anonymous_200mb_chunked_post_is_refused_while_reading(server):
    before = server.open_file_bytes() + server.folder_bytes()
    watch: list[int] = []
    head = (
        "POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    answer, sent = _raw_post(server, head, _chunked(200 * MB), watch)
    assert _status(answer) == 413, answer[:300]
    text = answer.decode("utf-8", errors="replace")
    assert "请求内容过大" in text and "1 MB" in text and "connection: close" in text.lower()
    assert sent < 100 * MB  # the server stopped reading long before the end
    watch.append(server.open_file_bytes() + server.folder_bytes())
    assert max(watch) - before < 5 * MB, (before, max(watch))
    assert server.proc.poll() is None


def test_an_anonymous_content_length_over_the_limit_is_refused_before_the_body(server):
    head = (
        "POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {3 * MB}\r\n\r\n"
    )
    answer, _ = _raw_post(server, head, iter([b"a" * 65536] * 48))
    assert _status(answer) == 413 and "请求内容过大".encode() in answer
    api = httpx.post(f"{server.url}/api/projects", content=b"{" + b" " * (2 * MB) + b"}", timeout=30)
    assert api.status_code == 413 and "请求内容过大" in api.json()["detail"]


def test_a_made_up_session_cookie_does_not_lift_the_limit(server):
    head = (
        "POST /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: sessionid=madeup1234567890abcdef\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    answer, _ = _raw_post(server, head, _chunked(4 * MB))
    assert _status(answer) == 413 and b"1 MB" in answer


def _signed_in(server: Server) -> httpx.Client:
    client = httpx.Client(base_url=server.url, timeout=30)
    page = client.get("/accounts/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = client.post(
        "/accounts/login/",
        data={"csrfmiddlewaretoken": token, "username": "alice", "password": PASSWORD},
        headers={"Referer": f"{server.url}/accounts/login/"},
    )
    assert answer.status_code == 302, answer.text[:500]
    assert client.cookies.get("sessionid")
    return client


def test_a_normal_login_works_and_a_signed_in_user_gets_the_upload_limit(server):
    client = _signed_in(server)
    try:
        token = client.cookies.get("csrftoken")

        def body(total: int) -> Iterator[bytes]:
            yield b"csrfmiddlewaretoken=" + token.encode() + b"&blob="
            for _ in range(total // 65536):
                yield b"a" * 65536

        headers = {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": token}
        headers["Referer"] = f"{server.url}/"
        # 3 MB, chunked: over the anonymous limit, under the signed-in one (8 MB): reaches Django
        answer = client.post("/accounts/logout/", content=body(3 * MB), headers=headers)
        assert answer.status_code != 413, answer.text[:300]
        client = _signed_in(server)
        token = client.cookies.get("csrftoken")
        headers["X-CSRFToken"] = token
        # 12 MB, chunked: over the signed-in limit as well
        answer = client.post("/accounts/logout/", content=body(12 * MB), headers=headers)
        assert answer.status_code == 413 and "上限为 8 MB" in answer.text
    finally:
        client.close()


def test_an_api_token_lifts_the_limit_and_a_made_up_one_does_not(server):
    def body() -> Iterator[bytes]:
        yield b'{"name": "'
        for _ in range(3 * MB // 65536):
            yield b"a" * 65536
        yield b'"}'

    url = f"{server.url}/api/projects"
    good = httpx.post(url, content=body(), headers={"Authorization": f"Bearer {server.token}"}, timeout=30)
    assert good.status_code != 413 and good.status_code < 500, good.text[:300]
    forged = server.token[:-4] + "AAAA"
    bad = httpx.post(url, content=body(), headers={"Authorization": f"Bearer {forged}"}, timeout=30)
    assert bad.status_code == 413 and "1 MB" in bad.json()["detail"]
    keyed = httpx.post(url, content=body(), headers={"X-API-Key": server.token}, timeout=30)
    assert keyed.status_code != 413
