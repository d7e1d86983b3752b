"""Database collection against real servers: throwaway MariaDB and PostgreSQL instances configured
with known weaknesses; the generated script runs with the real client, its output is read back,
and the rules find exactly those weaknesses (then pass once they are fixed)."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner

from dengbao.cli import main
from dengbao.core.collect import evaluate, load_rules
from dengbao.core.collect.inputs import read_any

from .dbservers import MariaDB, PostgreSQL


def _script(tmp_path, platform: str):
    path = tmp_path / f"dengbao-{platform}.sql"
    result = CliRunner().invoke(main, ["collect", "script", platform, "-o", str(path)])
    assert result.exit_code == 0, result.output
    return path


def _states(filename: str, data: bytes) -> tuple[dict[str, str], dict[str, str]]:
    bundle = read_any(filename, data)
    results = evaluate(load_rules(platform=bundle.platform), bundle.artefacts)
    return {r.rule.id: r.state.value for r in results}, {r.rule.id: r.sentence for r in results}


@pytest.fixture
def mariadb():
    server = MariaDB()
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture
def postgres():
    server = PostgreSQL()
    try:
        yield server
    finally:
        server.cleanup()


MYSQL_WEAK = {
    "mysql.no-empty-password",  # weak@'%' has no password
    "mysql.password-validation",  # no simple_password_check
    "mysql.password-lifetime",
    "mysql.login-lockout",  # max_password_errors unlimited, no connection_control
    "mysql.idle-timeout",
    "mysql.no-overprivileged-accounts",  # app@'%' has ALL ON *.* WITH GRANT OPTION
    "mysql.grant-tables-protected",
    "mysql.grant-granularity",
    "mysql.audit-enabled",  # no server_audit
    "mysql.audit-events",
    "mysql.audit-offhost",
    "mysql.audit-permanent",
}
# Fixed in the second run with a test CA's certificates and the file_key_management plugin.
MYSQL_TLS = {
    "mysql.secure-transport",
    "mysql.client-certificates",  # passwords alone, no REQUIRE X509
    "mysql.tls-versions",
    "mysql.data-at-rest-encryption",
}


def test_mariadb_weaknesses_found_then_fixed(mariadb, tmp_path):
    mariadb.start()
    mariadb.secure_root()
    mariadb.run_sql(
        "CREATE USER weak@'%'; CREATE USER app@'%' IDENTIFIED BY 'App-pass-2026x';"
        " GRANT ALL ON *.* TO app@'%' WITH GRANT OPTION; CREATE DATABASE appdb;"
    )
    script = _script(tmp_path, "mysql")
    text = mariadb.run_script(script)
    assert b"-- dengbao:done" in text and b"authentication_string" not in text
    bundle = read_any("weak.txt", text)
    assert bundle.platform == "mysql" and bundle.warnings == ()
    assert "account weak@% plugin=mysql_native_password password=empty" in bundle.artefacts["accounts"]
    states, sentences = _states("weak.txt", text)
    failing = {rule for rule, state in states.items() if state == "fail"}
    assert failing == MYSQL_WEAK | MYSQL_TLS
    assert "error" not in states.values()
    assert "weak@%" in sentences["mysql.no-empty-password"]
    assert "app@%" in sentences["mysql.no-overprivileged-accounts"]
    assert "root" not in sentences["mysql.no-overprivileged-accounts"]

    # fix the weaknesses: drop the empty-password account, cut app down, restart with the audit
    # plugin (unremovable), password checks, lockout and timeouts
    roots = mariadb.run_sql("SELECT Host FROM mysql.user WHERE User = 'root'").stdout.split()
    mariadb.run_sql(
        "DROP USER weak@'%'; REVOKE ALL PRIVILEGES, GRANT OPTION FROM app@'%';"
        " GRANT SELECT, INSERT ON appdb.* TO app@'%'; ALTER USER app@'%' REQUIRE X509; "
        + "; ".join(f"ALTER USER root@'{host}' REQUIRE X509" for host in roots)
    )
    mariadb.stop()
    keys = mariadb.dir / "keys.txt"
    keys.write_text("1;" + "0123456789abcdef" * 4 + "\n", encoding="utf-8")
    mariadb.start(
        *mariadb.enable_tls(),
        "--require-secure-transport=ON",
        "--tls-version=TLSv1.2,TLSv1.3",
        "--plugin-load-add=file_key_management",
        f"--file-key-management-filename={keys}",
        "--innodb-encrypt-tables=ON",
        "--plugin-load-add=server_audit",
        "--server-audit=FORCE_PLUS_PERMANENT",
        "--server-audit-logging=ON",
        "--server-audit-events=CONNECT,QUERY",
        "--server-audit-output-type=syslog",
        "--plugin-load-add=simple_password_check",
        "--max-password-errors=5",
        "--wait-timeout=600",
        "--interactive-timeout=600",
        "--default-password-lifetime=90",
    )
    fixed = mariadb.run_script(script)
    states, sentences = _states("fixed.txt", fixed)
    assert {rule for rule, state in states.items() if state != "pass"} == set()
    assert "TLSv1.2,TLSv1.3" in sentences["mysql.tls-versions"]
    assert "FORCE_PLUS_PERMANENT" in sentences["mysql.audit-permanent"]


PG_WEAK = {
    "pg.no-trust-auth",  # initdb -A trust
    "pg.login-roles-have-password",  # nopass
    "pg.password-expiry",  # nopass has no VALID UNTIL
    "pg.password-quality-module",
    "pg.auth-delay",
    "pg.idle-session-timeout",
    "pg.default-superuser",  # postgres can log in without a password
    "pg.no-public-table-grants",  # SELECT on public.patients granted to PUBLIC
    "pg.audit-enabled",
    "pg.log-connections",
    "pg.log-line-prefix",
    "pg.log-protected",
    "pg.data-checksums",
    "pg.password-encryption",  # md5user stored as MD5
}
PG_TLS = {"pg.ssl-required", "pg.client-certificates", "pg.tls-min-version"}  # fixed in the second run
PG_ALWAYS = {
    "pg.login-failure-lockout",  # credcheck is not packaged for Debian
    "pg.security-labels",  # sepgsql needs an SELinux host
    "pg.audit-protected",  # pgaudit is not installed here
}


def test_postgresql_weaknesses_found_then_fixed(postgres, tmp_path):
    postgres.start()
    postgres.run_sql(
        "CREATE ROLE nopass LOGIN; SET password_encryption = 'md5';"
        " CREATE ROLE md5user LOGIN PASSWORD 'Md5-pass-2026' VALID UNTIL '2099-01-01';"
        " CREATE TABLE patients (id int); GRANT SELECT ON patients TO PUBLIC;"
    )
    script = _script(tmp_path, "postgresql")
    text = postgres.run_script(script)
    assert b"-- dengbao:done" in text and b"SCRAM-SHA-256$" not in text and b"md5" in text
    bundle = read_any("weak.txt", text)
    assert bundle.platform == "postgresql" and bundle.warnings == ()
    assert "role=nopass password=none" in bundle.artefacts["role_passwords"]
    states, sentences = _states("weak.txt", text)
    failing = {rule for rule, state in states.items() if state == "fail"}
    assert failing == PG_WEAK | PG_TLS | PG_ALWAYS
    assert "error" not in states.values()
    assert "nopass" in sentences["pg.login-roles-have-password"]
    assert "md5user" in sentences["pg.password-encryption"]
    assert "public.patients" in sentences["pg.no-public-table-grants"]

    postgres.password = "Pg-admin-2026x"
    postgres.run_sql(
        f"ALTER ROLE postgres PASSWORD '{postgres.password}'; DROP ROLE nopass; DROP ROLE md5user;"
        " REVOKE SELECT ON patients FROM PUBLIC;"
        " CREATE ROLE app LOGIN PASSWORD 'App-pass-2026x' VALID UNTIL '2099-01-01';"
    )
    postgres.stop()
    postgres.as_postgres(str(postgres.bin / "pg_checksums"), "--enable", "-D", str(postgres.data))
    postgres.enable_tls()
    (postgres.data / "pg_hba.conf").write_text(
        "local all postgres peer\nhostssl all all 127.0.0.0/8 scram-sha-256 clientcert=verify-full\n",
        encoding="utf-8",
    )
    postgres.conf(
        "\nshared_preload_libraries = 'passwordcheck,auth_delay'\nauth_delay.milliseconds = 500\n"
        "idle_session_timeout = '10min'\nlog_connections = on\nlog_disconnections = on\n"
        "log_statement = 'ddl'\nlog_line_prefix = '%m [%p] %q%u@%d %h '\nlogging_collector = on\n"
        "log_file_mode = 0600\n"
    )
    postgres.start()
    fixed = postgres.run_script(script)
    assert b"ssl=Y version=TLSv1.3" in fixed  # the script itself ran over TLS with a client certificate
    states, _ = _states("fixed.txt", fixed)
    failing = {rule for rule, state in states.items() if state == "fail"}
    assert failing == PG_ALWAYS


def test_mariadb_output_imports_into_the_demo_database_object(mariadb, demo_db, monkeypatch, tmp_path):
    from dengbao.assessments.models import Assessment

    mariadb.start()
    mariadb.secure_root()
    mariadb.run_sql("CREATE USER weak@'%'")
    out = tmp_path / "lis-mysql.txt"
    out.write_bytes(mariadb.run_script(_script(tmp_path, "mysql")))
    monkeypatch.setenv("DENGBAO_USER", "assessor")
    assessment = Assessment.objects.get(name="HIS/EMR/LIS 等级测评（演示）")
    result = CliRunner().invoke(
        main,
        [
            "collect",
            "import",
            "--assessment",
            str(assessment.pk),
            "--object",
            "LIS-MySQL",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["rules"]["error"] == 0
    assert summary["rules"]["pass"] + summary["rules"]["fail"] == len(load_rules(platform="mysql"))
    assert summary["proposals"] >= 15
    units = {u["unit"]: u for u in summary["units"]}
    assert units["L3-CES1-01"]["result"] in ("不符合", "部分符合")
    assert "mysql.no-empty-password" in units["L3-CES1-01"]["rules"]
    assert not any("通常用于" in w for w in summary["warnings"])  # a database bundle on a database object
    from dengbao.collection.models import CollectedBundle

    stored = CollectedBundle.objects.get(
        obj__name="LIS-MySQL", sha256=hashlib.sha256(out.read_bytes()).hexdigest()
    )
    assert stored.platform == "mysql" and stored.file.name.endswith(".txt")
    assert stored.file.read() == out.read_bytes()  # the evidence is the client's output, byte for byte
    result = CliRunner().invoke(
        main,
        [
            "collect",
            "import",
            "--assessment",
            str(assessment.pk),
            "--object",
            "HIS应用服务器-1",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert any("mysql 采集包通常用于数据库管理系统" in w for w in json.loads(result.output)["warnings"])
