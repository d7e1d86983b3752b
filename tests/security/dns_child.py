"""Run inside a network and mount namespace of its own (see test_outbound_dns.py).

Starts a small DNS server on 127.0.0.1:53 that logs every question and answers from ``ANSWERS``,
then asks the scanner's scope check about three names through the real system resolver (glibc
reads the namespace's /etc/resolv.conf, which points at that server). Prints one JSON line: the
questions the server received and the refusal codes of each check.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import struct
import sys
import threading

ANSWERS = {
    "inside.dengbao-test.example": "10.20.1.7",  # listed, answers inside the authorised network
    "rebind.dengbao-test.example": "10.99.0.1",  # listed, answers outside it (a rebinding answer)
}
QUESTIONS: list[str] = []


def _qname(packet: bytes) -> tuple[str, int]:
    labels, pos = [], 12
    while packet[pos]:
        size = packet[pos]
        labels.append(packet[pos + 1 : pos + 1 + size].decode("ascii").lower())
        pos += 1 + size
    return ".".join(labels), pos + 1


def _answer(packet: bytes) -> bytes:
    name, pos = _qname(packet)
    qtype = struct.unpack("!H", packet[pos : pos + 2])[0]
    QUESTIONS.append(name)
    question = packet[12 : pos + 4]
    address = ANSWERS.get(name)
    if address is None:  # NXDOMAIN
        return packet[:2] + struct.pack("!HHHHH", 0x8183, 1, 0, 0, 0) + question
    if qtype != 1:  # no AAAA or other records: an empty answer
        return packet[:2] + struct.pack("!HHHHH", 0x8180, 1, 0, 0, 0) + question
    record = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(address)
    return packet[:2] + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 0) + question + record


def serve(sock: socket.socket) -> None:
    while True:
        packet, peer = sock.recvfrom(512)
        try:
            sock.sendto(_answer(packet), peer)
        except (IndexError, struct.error, UnicodeDecodeError):
            continue


def main() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 53))
    threading.Thread(target=serve, args=(sock,), daemon=True).start()

    from dengbao.core.scanner import Scope, check

    scope = Scope.build(
        cidrs=["10.20.1.0/24"],
        hosts=["inside.dengbao-test.example", "rebind.dengbao-test.example"],
        ports="1-1024",
        techniques=["discovery"],
    )
    at = dt.datetime.now(dt.UTC)
    out = {}
    for key in ("outside", "inside", "rebind"):
        refusals = check(
            scope, targets=[f"{key}.dengbao-test.example"], ports=[80], technique="discovery", at=at
        )
        out[key] = [r.code for r in refusals]
        out[key + "_reasons"] = [r.reason for r in refusals]
    out["questions"] = QUESTIONS
    sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
