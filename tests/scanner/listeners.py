"""TCP listeners for the scanner tests: loopback servers in threads, and a script for namespaces."""

from __future__ import annotations

import select
import socket
import sys
import threading


class Listener:
    """Accepts on ``host``:port (0 = any free port), sends ``banner`` first, counts connections."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, banner: bytes = b"") -> None:
        self.banner = banner
        self.accepted = 0
        self.sock = socket.create_server((host, port))
        self.sock.settimeout(0.2)
        self.host, self.port = host, self.sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            threading.Thread(target=self._talk, args=(conn,), daemon=True).start()

    def _talk(self, conn: socket.socket) -> None:
        with conn:
            try:
                if self.banner:
                    conn.sendall(self.banner)
                conn.settimeout(2.0)
                conn.recv(4096)
            except OSError:
                pass

    def __enter__(self) -> Listener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def closed_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on (bound once, then released)."""
    with socket.create_server((host, 0)) as probe:
        return probe.getsockname()[1]


def serve_forever(pairs: list[tuple[str, int]]) -> None:
    """Run inside a network namespace: listen on each address:port, say "ready", accept until killed."""
    socks = [socket.create_server(pair) for pair in pairs]
    print("ready", flush=True)
    while True:
        readable, _, _ = select.select(socks, [], [])
        for sock in readable:
            conn, _ = sock.accept()
            conn.close()


if __name__ == "__main__":
    serve_forever([(item.rsplit(":", 1)[0], int(item.rsplit(":", 1)[1])) for item in sys.argv[1:]])
