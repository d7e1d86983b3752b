"""Database collection scripts (read-only, no password hashes) and the reader of their output."""

from __future__ import annotations

import hashlib
import io
import re
import tarfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from dengbao.cli import main
from dengbao.core.collect import BundleError, evaluate, load_rules, read_bundle
from dengbao.core.collect.inputs import read_any
from dengbao.core.collect.readers import sqltext
from dengbao.core.collect.scripts import DATABASE_SCRIPTS

FIXTURES = Path(__file__).parent / "fixtures" / "db"
# Client-side output settings a script may use besides SELECT/SHOW (they change the client's
# formatting, not the database).
CLIENT_ONLY = {
    "mysql": (),
    "postgresql": (),
    "oracle": (
        r"SET (HEADING|FEEDBACK|PAGESIZE|LINESIZE|TRIMSPOOL|TRIMOUT|TAB|VERIFY|ECHO) \S+",
        r"WHENEVER SQLERROR CONTINUE",
        r"EXIT",
    ),
    "mssql": (r"SET NOCOUNT ON", r"EXEC master\.dbo\.xp_loginconfig 'audit level'"),
}
FORBIDDEN = re.compile(
    r"\b(INSERT|UPDATE|DELETE|MERGE|DROP|CREATE|ALTER|GRANT|REVOKE|TRUNCATE|RENAME|INSTALL|UNINSTALL|FLUSH|KILL"
    r"|LOAD|COPY|CALL|DO|HANDLER|LOCK|PURGE|RESET|SHUTDOWN|OUTFILE|DUMPFILE|SET\s+GLOBAL|SET\s+PERSIST)\b",
    re.IGNORECASE,
)


def _statements(script: str) -> list[str]:
    """One statement per line in the generated scripts; versioned comments (/*!…*/, /*M!…*/) run."""
    out = []
    for line in script.splitlines():
        if not line.strip() or line.startswith("--"):
            continue
        line = re.sub(r"^/\*M?!\d+\s*(.*?)\s*\*/;$", r"\1", line)
        out.append(line.rstrip(";").strip())
    return out


def _without_literals(sql: str) -> str:
    return re.sub(r"'(?:[^']|'')*'", "''", sql)


@pytest.mark.parametrize("platform", sorted(DATABASE_SCRIPTS))
def test_scripts_only_read(platform):
    script = DATABASE_SCRIPTS[platform].script()
    statements = _statements(script)
    assert len(statements) >= 15
    for statement in statements:
        code = _without_literals(statement)
        if any(re.fullmatch(p, statement) for p in CLIENT_ONLY[platform]):
            continue
        assert re.match(r"(SELECT|SHOW)\b", code), statement
        assert not FORBIDDEN.search(code), statement
    # every section opened is closed, and the header and end marker are printed by the SQL
    begins = re.findall(r"'-- dengbao:begin (\w+)'", script)
    assert begins == re.findall(r"'-- dengbao:end (\w+)'", script) and len(set(begins)) == len(begins)
    assert f"'-- dengbao:collect platform={platform} version=1'" in script
    assert "'-- dengbao:done'" in script


def test_scripts_never_select_a_password_hash():
    mysql = DATABASE_SCRIPTS["mysql"].script()
    compared = re.findall(r"authentication_string\s*(= '\w*')?", mysql)
    assert len(compared) == 4 and set(compared) == {"= ''", "= 'invalid'"}  # compared, never selected
    assert "Password," not in mysql and "u.Password" not in mysql
    pg = DATABASE_SCRIPTS["postgresql"].script()
    uses = re.findall(r"rolpassword\s+(\w+(?:\s+\w+)?)", pg)
    assert uses and all(u in ("IS NULL", "LIKE") for u in uses)
    assert "pg_shadow" not in pg and "passwd" not in pg
    mssql = DATABASE_SCRIPTS["mssql"].script()
    assert re.findall(r"password_hash\)", mssql) and not re.search(r"password_hash(?!\))", mssql)


def test_cli_writes_every_database_script(tmp_path):
    runner = CliRunner()
    for platform, module in DATABASE_SCRIPTS.items():
        out = tmp_path / f"{platform}.sql"
        result = runner.invoke(main, ["collect", "script", platform, "-o", str(out)])
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8") == module.script()
        assert module.USAGE.split()[0] in result.output


@pytest.mark.parametrize(
    "name", ["mysql8-hardened.txt", "postgresql-hardened.txt", "oracle-hardened.txt", "mssql-hardened.txt"]
)
def test_hardened_fixtures_pass_every_rule(name):
    data = (FIXTURES / name).read_bytes()
    bundle = read_any(name, data)
    results = evaluate(load_rules(platform=bundle.platform), bundle.artefacts)
    assert len(results) >= 12
    assert {r.rule.id: r.state.value for r in results if r.state.value != "pass"} == {}


@pytest.mark.parametrize("platform", ["oracle", "mssql"])
def test_weak_oracle_and_mssql_outputs_fail_their_rules(platform):
    """No servers here: hand-written output of a weak configuration fails every rule that can judge it."""
    bundle = read_any("weak.txt", (FIXTURES / f"{platform}-weak.txt").read_bytes())
    states = {r.rule.id: r.state.value for r in evaluate(load_rules(platform=platform), bundle.artefacts)}
    na = {"mssql.audit-on-failure"} if platform == "mssql" else set()  # no server audit to judge
    assert {rule for rule, state in states.items() if state == "na"} == na
    assert {rule for rule, state in states.items() if state != "fail"} == na


def test_reader_manifest_records_platform_host_and_hashes():
    data = (FIXTURES / "postgresql-hardened.txt").read_bytes()
    assert sqltext.sniff("x.txt", data)
    bundle = read_any("emr.txt", data)
    assert bundle.platform == "postgresql"
    assert bundle.host == {"hostname": "emr-pg", "addresses": ["10.1.4.20"]}
    assert bundle.manifest["started"] == "2026-12-01T02:10:00Z"
    assert bundle.manifest["source"]["sha256"] == hashlib.sha256(data).hexdigest()
    commands = {c["name"]: c for c in bundle.manifest["commands"]}
    assert commands["hba"]["sha256"] == hashlib.sha256(bundle.artefacts["hba"].encode()).hexdigest()
    assert bundle.artefacts["public_grants"] == "" and bundle.warnings == ()


def test_oracle_and_mssql_outputs_are_read():
    ora = read_any("his.txt", (FIXTURES / "oracle-sample.txt").read_bytes())
    assert ora.platform == "oracle" and ora.host["hostname"] == "his-ora1"
    assert "user=SCOTT" in ora.artefacts["default_passwords"]
    assert any("ORA-00942" in w for w in ora.warnings)  # an error line outside any section
    ms = read_any("emr.txt", (FIXTURES / "mssql-sample.txt").read_bytes().decode().encode("utf-16"))
    assert ms.platform == "mssql" and "login=test" in ms.artefacts["sql_logins"]
    assert ms.artefacts["login_audit"] == "audit level failure\n"


def test_reader_warns_about_truncated_output_and_errors():
    text = (
        "mysql: [Warning] Using a password on the command line interface can be insecure.\n"
        "-- dengbao:collect platform=mysql version=1\n-- dengbao:begin variables\nwait_timeout\t600\n"
        "-- dengbao:end variables\n-- dengbao:begin accounts\n"
        "ERROR 1142 (42000): SELECT command denied to user 'x'@'localhost' for table 'user'\n"
    )
    bundle = read_any("cut.txt", text.encode())
    assert bundle.artefacts["variables"] == "wait_timeout\t600\n"
    joined = " ".join(bundle.warnings)
    assert "ERROR 1142" in joined and "没有结束标记" in joined and "dengbao:done" in joined


def test_reader_refuses_or_ignores_what_is_not_its_format():
    assert not sqltext.sniff("c.txt", b"-- dengbao:collect platform=windows version=1\n")
    assert not sqltext.sniff("c.txt", b"hello\n")
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        info = tarfile.TarInfo("manifest.json")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"{}"))
    assert not sqltext.sniff("b.tar.gz", buf.getvalue())
    with pytest.raises(BundleError):
        read_any("b.tar.gz", buf.getvalue())  # falls through to the tar.gz reader, which refuses it
    twice = (
        b"-- dengbao:collect platform=mysql version=1\n"
        b"-- dengbao:begin a\n-- dengbao:end a\n-- dengbao:begin a\n"
    )
    with pytest.raises(BundleError, match="重复"):
        read_any("t.txt", twice)
    with pytest.raises(BundleError, match="没有任何段"):
        read_any("t.txt", b"-- dengbao:collect platform=mysql version=1\n-- dengbao:done\n")
    assert read_bundle is not None
