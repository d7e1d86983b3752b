"""Service names: a guess from the port number, and a better one from what the service says first.

Names follow nmap's service names ("ssh", "http", "ms-sql-s") so that inventories built by
either engine compare like with like.
"""

from __future__ import annotations

import re
from typing import NamedTuple

# Common services, with the ones a hospital network adds (DICOM, HL7) and Chinese
# middleware defaults (WebLogic 7001, Tomcat AJP 8009).
PORT_NAMES: dict[int, str] = {
    21: "ftp",
    22: "ssh",
    23: "telnet",
    25: "smtp",
    53: "domain",
    80: "http",
    81: "http",
    88: "kerberos-sec",
    104: "dicom",
    110: "pop3",
    111: "rpcbind",
    135: "msrpc",
    139: "netbios-ssn",
    143: "imap",
    389: "ldap",
    443: "https",
    445: "microsoft-ds",
    465: "smtps",
    502: "modbus",
    512: "exec",
    513: "login",
    514: "shell",
    554: "rtsp",
    587: "submission",
    631: "ipp",
    636: "ldapssl",
    873: "rsync",
    902: "vmware-auth",
    993: "imaps",
    995: "pop3s",
    1080: "socks",
    1099: "rmiregistry",
    1433: "ms-sql-s",
    1521: "oracle",
    1723: "pptp",
    1883: "mqtt",
    2049: "nfs",
    2181: "zookeeper",
    2222: "EtherNetIP-1",
    2375: "docker",
    2376: "docker",
    2379: "etcd-client",
    2575: "hl7",
    3000: "ppp",
    3128: "squid-http",
    3306: "mysql",
    3389: "ms-wbt-server",
    3690: "svn",
    4369: "epmd",
    4443: "pharos",
    4848: "appserv-http",
    5000: "upnp",
    5060: "sip",
    5432: "postgresql",
    5601: "esmagent",
    5672: "amqp",
    5900: "vnc",
    5984: "couchdb",
    5985: "wsman",
    5986: "wsmans",
    6379: "redis",
    6443: "sun-sr-https",
    6661: "hl7",
    7001: "afs3-callback",
    7002: "afs3-prserver",
    8000: "http-alt",
    8009: "ajp13",
    8080: "http-proxy",
    8081: "blackice-icecap",
    8088: "radan-http",
    8090: "opsmessaging",
    8161: "patrol-snmp",
    8443: "https-alt",
    8883: "secure-mqtt",
    8888: "sun-answerbook",
    9000: "cslistener",
    9042: "cassandra",
    9090: "zeus-admin",
    9092: "XmlIpcRegSvc",
    9100: "jetdirect",
    9200: "wap-wsp",
    9300: "vrace",
    9443: "tungsten-https",
    10000: "snet-sensor-mgmt",
    10250: "kubelet",
    11112: "dicom",
    11211: "memcache",
    15672: "rabbitmq-mgmt",
    27017: "mongod",
    50000: "ibm-db2",
    61616: "activemq",
}

TLS_PORTS = frozenset({443, 465, 636, 993, 995, 2376, 4443, 5986, 6443, 8443, 8883, 9443})
HTTP_PORTS = frozenset(
    {80, 81, 3000, 4848, 5000, 5601, 7001, 7002, 8000, 8080, 8081, 8088, 8090, 8161, 8888, 9000, 9090, 9200}
    | {10000, 15672}
)


class Guess(NamedTuple):
    service: str
    product: str = ""
    version: str = ""


_BANNERS: tuple[tuple[re.Pattern[bytes], str], ...] = (
    (re.compile(rb"^SSH-[\d.]+-(?P<product>[A-Za-z]+)[_-]?(?P<version>[\w.]*)"), "ssh"),
    (re.compile(rb"^220[ -].*\bE?SMTP\b", re.I), "smtp"),
    (re.compile(rb"^220[ -].*\bFTP\b", re.I), "ftp"),
    (re.compile(rb"^220[ -](?P<product>[\w.-]+)?"), "ftp"),
    (re.compile(rb"^\+OK"), "pop3"),
    (re.compile(rb"^\* OK"), "imap"),
    (re.compile(rb"^RFB \d{3}\.\d{3}"), "vnc"),
    (re.compile(rb"^-(?:ERR|NOAUTH|DENIED)"), "redis"),
    (re.compile(rb"^AMQP"), "amqp"),
    (re.compile(rb"^HTTP/\d"), "http"),
    (re.compile(rb"^.{4}\x0a(?P<version>\d[^\x00]{0,60})\x00", re.S), "mysql"),
)
_SERVER = re.compile(r"^(?P<product>[^/\s]+)(?:/(?P<version>\S+))?")


def by_port(port: int) -> str:
    return PORT_NAMES.get(port, "unknown")


def from_banner(banner: bytes, port: int) -> Guess:
    """What the first bytes say; falls back to the port's usual service."""
    for pattern, name in _BANNERS:
        match = pattern.search(banner[:512])
        if match:
            groups = match.groupdict()
            product = (groups.get("product") or b"").decode("ascii", "replace")
            version = (groups.get("version") or b"").decode("ascii", "replace")
            if name == "mysql":
                product = "MariaDB" if "MariaDB" in version else "MySQL"
            return Guess(name, product, version)
    return Guess(by_port(port))


def from_server_header(server: str, service: str) -> Guess:
    """An HTTP Server header ("nginx/1.24.0") as product and version."""
    match = _SERVER.match(server.strip())
    if not match:
        return Guess(service)
    return Guess(service, match["product"], match["version"] or "")
