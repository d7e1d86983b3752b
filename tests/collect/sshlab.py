"""Hosts for live SSH collection: network namespaces with Debian's OpenSSH server, made here.

Each host is its own network namespace joined to the root namespace by a veth pair, with an
address in 10.231.N.0/24, running ``/usr/sbin/sshd -D`` from a temporary configuration (its own
host key, an authorized_keys of a temporary key pair, root login by key allowed only there).
A "listener" host instead runs a TCP listener that writes one line per connection it accepts,
so a test can prove that nothing connected to it. Needs root and iproute2; failures to create a
namespace raise (the tests fail rather than skip). Used by tests/collect/test_ssh_live.py and
benchmarks/collect_ssh.py.
"""

from __future__ import annotations

import fcntl
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

SSHD = "/usr/sbin/sshd"
PREFIX = "10.231"
LOCK = Path("/tmp/dengbao-sshlab.lock")

LISTENER = r"""
import socket, sys
out = open(sys.argv[2], "a", buffering=1)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 22))
s.listen(16)
print("ready", flush=True)
held = []
while True:
    conn, peer = s.accept()
    out.write(f"{peer[0]}:{peer[1]}\n")
    if sys.argv[3] == "hold":
        held.append(conn)  # accepted and never answered: a client waits for the banner
    else:
        conn.close()
"""


def _run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=20)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}")
    return done.stdout


def keypair(path: Path, kind: str = "ed25519") -> Path:
    """A new key pair without a passphrase: ``path`` (private) and ``path.pub``."""
    _run("ssh-keygen", "-q", "-t", kind, "-N", "", "-C", "dengbao-test", "-f", str(path))
    return path


def fingerprint(pub: Path) -> str:
    """``SHA256:…`` of a public key file, as ssh-keygen prints it."""
    return _run("ssh-keygen", "-l", "-E", "sha256", "-f", str(pub)).split()[1]


@dataclass
class Host:
    index: int
    namespace: str
    host_if: str
    address: str
    gateway: str
    folder: Path
    process: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def network(self) -> str:
        return self.address.rsplit(".", 1)[0] + ".0/24"

    @property
    def host_key_pub(self) -> Path:
        return self.folder / "host_key.pub"

    def connections(self) -> list[str]:
        """For a listener host: the peers that connected, one per accepted connection."""
        path = self.folder / "connections.log"
        return path.read_text().splitlines() if path.exists() else []


@dataclass
class Lab:
    folder: Path
    tag: str = field(default_factory=lambda: f"{os.getpid() % 100000}")
    hosts: list[Host] = field(default_factory=list)

    def add(
        self,
        *,
        authorized: Path | None = None,
        listener: bool = False,
        hold: bool = False,
        passwords: bool = False,
        force_command: str = "",
    ) -> Host:
        """A new namespace host: sshd accepting the public key ``authorized``, or a listener (that
        closes each connection at once, or with ``hold`` keeps it open without a word)."""
        index = len(self.hosts)
        folder = self.folder / f"host{index}"
        folder.mkdir(parents=True)
        host_if = f"sc{self.tag}h{index}"
        peer = f"sc{self.tag}n{index}"
        namespace = f"dbssh{self.tag}-{index}"
        with LOCK.open("a") as lock:  # two processes at once must not take the same subnet
            fcntl.flock(lock, fcntl.LOCK_EX)
            n = self._free_subnet()
            host = Host(index, namespace, host_if, f"{PREFIX}.{n}.2", f"{PREFIX}.{n}.1", folder)
            self.hosts.append(host)  # cleaned up from here on, whatever fails next
            _run("ip", "netns", "add", namespace)
            _run("ip", "link", "add", host_if, "type", "veth", "peer", "name", peer)
            _run("ip", "addr", "add", f"{host.gateway}/24", "dev", host_if)
        _run("ip", "link", "set", peer, "netns", namespace)
        _run("ip", "link", "set", host_if, "up")
        _run("ip", "-n", namespace, "addr", "add", f"{host.address}/24", "dev", peer)
        _run("ip", "-n", namespace, "link", "set", peer, "up")
        _run("ip", "-n", namespace, "link", "set", "lo", "up")
        if listener or hold:
            self._listener(host, hold)
        else:
            self._sshd(host, authorized, passwords, force_command)
        return host

    @staticmethod
    def _free_subnet() -> int:
        routes = _run("ip", "-4", "route")
        start = os.getpid() % 250
        for i in range(250):
            n = (start + i) % 250 + 1
            if f"{PREFIX}.{n}." not in routes:
                return n
        raise RuntimeError(f"no free {PREFIX}.N.0/24")

    def _sshd(self, host: Host, authorized: Path | None, passwords: bool, force_command: str) -> None:
        os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege-separation directory
        keypair(host.folder / "host_key")
        keys = host.folder / "authorized_keys"
        keys.write_text(authorized.read_text() if authorized else "")
        config = host.folder / "sshd_config"
        config.write_text(
            f"ListenAddress {host.address}\n"
            "Port 22\n"
            f"HostKey {host.folder / 'host_key'}\n"
            f"PidFile {host.folder / 'sshd.pid'}\n"
            f"AuthorizedKeysFile {keys}\n"
            "PermitRootLogin prohibit-password\n"
            "PubkeyAuthentication yes\n"
            f"PasswordAuthentication {'yes' if passwords else 'no'}\n"
            "KbdInteractiveAuthentication no\n"
            "UsePAM no\n"
            "StrictModes no\n"
            "MaxStartups 100\n"
            "LogLevel VERBOSE\n" + (f"ForceCommand {force_command}\n" if force_command else "")
        )
        host.log = host.folder / "sshd.log"
        host.process = subprocess.Popen(
            ["ip", "netns", "exec", host.namespace, SSHD, "-D", "-e", "-f", str(config)],
            stdout=subprocess.DEVNULL,
            stderr=host.log.open("w"),
        )
        _wait_port(host)

    def _listener(self, host: Host, hold: bool) -> None:
        host.process = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                host.namespace,
                sys.executable,
                "-c",
                LISTENER,
                host.address,
                str(host.folder / "connections.log"),
                "hold" if hold else "close",
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert host.process.stdout is not None
        if host.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the listener did not start")

    def close(self) -> None:
        for host in self.hosts:
            if host.process is not None and host.process.poll() is None:
                host.process.terminate()
                try:
                    host.process.wait(5)
                except subprocess.TimeoutExpired:
                    host.process.kill()
                    host.process.wait(5)
            subprocess.run(["ip", "netns", "del", host.namespace], capture_output=True)
            subprocess.run(["ip", "link", "del", host.host_if], capture_output=True)


def _wait_port(host: Host, seconds: float = 15.0) -> None:
    """Until sshd accepts; a banner read proves it is sshd answering."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if host.process is not None and host.process.poll() is not None:
            log = host.log.read_text() if host.log else ""
            raise RuntimeError(f"sshd in {host.namespace} exited: {log}")
        try:
            with socket.create_connection((host.address, 22), timeout=1) as conn:
                if conn.recv(64).startswith(b"SSH-2.0-"):
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"sshd in {host.namespace} did not answer within {seconds} s")
