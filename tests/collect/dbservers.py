"""Throwaway MariaDB and PostgreSQL servers for the database collection tests.

Each is started from the installed Debian server packages in a temporary directory on a free
loopback port, so the tests know every account on it; a missing package is a test failure.
"""

from __future__ import annotations

import datetime as dt
import glob
import ipaddress
import os
import random
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

MARIADBD = "/usr/sbin/mariadbd"
INSTALL_DB = "/usr/bin/mariadb-install-db"


def free_port() -> int:
    """A free loopback port in 10000–19999: neither the kernel's ephemeral ports (32768 and up), where
    other tests' listeners bind port 0 and count every connection, nor 20000–32767, which the nmap
    tests scan. Polling a server here until it answers can reach no other test's listener."""
    for _ in range(200):
        port = random.randrange(10000, 20000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free loopback port in 10000-19999")


def _wait(check, what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} did not come up")


class TestCA:
    """A throwaway CA issuing the server's certificate and client certificates (CN = user name)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dengbao test CA")])
        self.cert = self._build(self.name, self.key.public_key(), ca=True, san=None)
        self.ca_path = folder / "ca.pem"
        self.ca_path.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def _build(self, subject, public_key, *, ca: bool, san) -> x509.Certificate:
        now = dt.datetime.now(dt.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.name)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if san is not None:
            builder = builder.add_extension(x509.SubjectAlternativeName(san), critical=False)
        return builder.sign(self.key, hashes.SHA256())

    def issue(self, common_name: str, *, server: bool = False) -> tuple[Path, Path]:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        san = (
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")] if server else None
        )
        cert = self._build(subject, key.public_key(), ca=False, san=san)
        cert_path, key_path = self.folder / f"{common_name}.crt", self.folder / f"{common_name}.key"
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        key_path.chmod(0o600)
        return cert_path, key_path


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
            *self.tls_options,
            *extra,
        ]

    password_set = False
    tls_options: tuple[str, ...] = ()

    def enable_tls(self) -> tuple[str, ...]:
        """Certificates for the server and root; returns the server's TLS options (for start())."""
        ca = TestCA(self.dir)
        server_cert, server_key = ca.issue("127.0.0.1", server=True)
        client_cert, client_key = ca.issue("root")
        self.tls_options = (f"--ssl-ca={ca.ca_path}", f"--ssl-cert={client_cert}", f"--ssl-key={client_key}")
        return (f"--ssl-ca={ca.ca_path}", f"--ssl-cert={server_cert}", f"--ssl-key={server_key}")

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
        self.root = os.geteuid() == 0
        if self.root:
            shutil.chown(self.dir, "postgres", "postgres")
        self.as_postgres(str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def as_postgres(self, *cmd: str) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if self.root else []
        return subprocess.run(
            [*prefix, *cmd], check=True, capture_output=True, text=True, timeout=120, cwd=self.dir
        )

    def enable_tls(self) -> None:
        """Server certificate in the data directory; psql presents a client certificate for postgres."""
        ca = TestCA(self.dir)
        server_cert, server_key = ca.issue("127.0.0.1", server=True)
        client_cert, client_key = ca.issue("postgres")
        for path in (ca.ca_path, server_cert, server_key):
            if self.root:
                shutil.chown(path, "postgres", "postgres")  # the client's key stays ours (libpq checks)
        self.conf(
            f"\nssl = on\nssl_cert_file = '{server_cert}'\nssl_key_file = '{server_key}'\n"
            f"ssl_ca_file = '{ca.ca_path}'\nssl_min_protocol_version = 'TLSv1.2'\n"
        )
        self.tls_env = {
            "PGSSLMODE": "verify-full",
            "PGSSLROOTCERT": str(ca.ca_path),
            "PGSSLCERT": str(client_cert),
            "PGSSLKEY": str(client_key),
        }

    tls_env: dict[str, str] = {}

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
        env = {**os.environ, **self.tls_env}
        if self.password:
            env["PGPASSWORD"] = self.password
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
