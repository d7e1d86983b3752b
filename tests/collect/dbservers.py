"""Throwaway MariaDB and PostgreSQL servers for the database collection tests.

Each is started from the installed Debian server packages in a temporary directory on a free
loopback port, so the tests know every account on it; a missing package is a test failure.
"""

from __future__ import annotations

import glob
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

MARIADBD = "/usr/sbin/mariadbd"
INSTALL_DB = "/usr/bin/mariadb-install-db"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(check, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} did not come up")


class MariaDB:
    def __init__(self) -> None:
        for path in (MARIADBD, INSTALL_DB, shutil.which("mysql")):
            assert path and Path(path).exists(), f"{path}: install mariadb-server and mariadb-client"
        self.dir = Path(tempfile.mkdtemp(prefix="dengbao-mariadb-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.root_password = secrets.token_hex(12) + "Aa1!"
        self.proc: subprocess.Popen | None = None
        subprocess.run(
            [
                INSTALL_DB,
                "--no-defaults",
                f"--datadir={self.data}",
                "--user=root",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self, *options: str) -> None:
        self.proc = subprocess.Popen(
            [
                MARIADBD,
                "--no-defaults",
                f"--datadir={self.data}",
                f"--socket={self.dir / 'sock'}",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                "--user=root",
                f"--pid-file={self.dir / 'pid'}",
                f"--log-error={self.dir / 'error.log'}",
                *options,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(lambda: self.run_sql("SELECT 1", check=False).returncode == 0, "MariaDB")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=60)
            self.proc = None

    def client(self, *extra: str) -> list[str]:
        password = self.root_password if self.password_set else ""
        return [
            "mysql",
            "--no-defaults",
            "-h127.0.0.1",
            f"-P{self.port}",
            "-uroot",
            f"--password={password}",
            *extra,
        ]

    password_set = False

    def secure_root(self) -> None:
        """As mariadb-secure-installation does: root only on this host, with a password."""
        hosts = self.run_sql("SELECT Host FROM mysql.user WHERE User = 'root'").stdout.split()
        statements = [
            f"ALTER USER root@'{host}' IDENTIFIED BY '{self.root_password}'"
            if host in ("localhost", "127.0.0.1", "::1")
            else f"DROP USER root@'{host}'"
            for host in hosts
        ]
        self.run_sql("; ".join(statements))  # one connection: the password changes under it
        self.password_set = True

    def run_sql(self, sql: str, *, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.client("-N", "-B", "-e", sql), capture_output=True, text=True, check=check, timeout=60
        )

    def run_script(self, script: Path) -> bytes:
        with script.open("rb") as stdin:
            done = subprocess.run(
                self.client("--force", "-N", "-B"), stdin=stdin, capture_output=True, timeout=60
            )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _pg_bin() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    assert found, "initdb not found: install postgresql"
    return Path(found[-1]).parent


class PostgreSQL:
    """A cluster owned by the postgres OS user (initdb refuses root) in a temporary directory."""

    def __init__(self) -> None:
        self.bin = _pg_bin()
        assert shutil.which("psql"), "psql not found: install postgresql-client"
        self.dir = Path(tempfile.mkdtemp(prefix="dengbao-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.password = ""
        shutil.chown(self.dir, "postgres", "postgres")
        self.as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def as_postgres(self, *cmd: str) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run(
            [*prefix, *cmd], check=True, capture_output=True, text=True, timeout=120, cwd=self.dir
        )

    def conf(self, text: str) -> None:
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as f:
            f.write(text)

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1"
        self.as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            opts,
            "-l",
            str(self.dir / "log"),
            "-w",
            "start",
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.as_postgres(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def client(self, *extra: str) -> tuple[list[str], dict]:
        env = {**os.environ, "PGPASSWORD": self.password} if self.password else dict(os.environ)
        return (
            [
                "psql",
                "-X",
                "-A",
                "-t",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-d",
                "postgres",
                *extra,
            ],
            env,
        )

    def run_sql(self, sql: str) -> str:
        cmd, env = self.client("-v", "ON_ERROR_STOP=1", "-c", sql)
        return subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, timeout=60).stdout

    def run_script(self, script: Path) -> bytes:
        cmd, env = self.client("-f", str(script))
        done = subprocess.run(cmd, env=env, capture_output=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def cleanup(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
