"""The PostgreSQL collection script: read-only SQL run with ``psql -X -A -t``.

Password hashes are never selected: ``role_passwords`` reports only whether a role has a
password and which scheme stores it (it reads pg_authid, so it is empty unless the script
runs as a superuser; psql reports the permission error and goes on). Schema and grant
sections describe the database psql is connected to.
"""

# ruff: noqa: S608 -- these modules write SQL text from their own constants; nothing is executed here
from __future__ import annotations

from .dbsql import PREFIX, done, header, literal, section

USAGE = "psql -X -A -t -h HOST -U postgres -d DBNAME -f dengbao-postgresql.sql -o dengbao-postgresql.txt"

_SETTINGS = (
    "server_version_num",
    "listen_addresses",
    "port",
    "ssl",
    "ssl_min_protocol_version",
    "ssl_ciphers",
    "password_encryption",
    "authentication_timeout",
    "idle_session_timeout",
    "idle_in_transaction_session_timeout",
    "shared_preload_libraries",
    "session_preload_libraries",
    "log_connections",
    "log_disconnections",
    "log_statement",
    "logging_collector",
    "log_line_prefix",
    "log_destination",
    "log_directory",
    "log_file_mode",
    "syslog_facility",
    "data_checksums",
    "row_security",
    "krb_server_keyfile",
)
_SETTING_PREFIXES = ("pgaudit.", "credcheck.", "auth_delay.", "passwordcheck.", "sepgsql.")


def _settings() -> str:
    names = ", ".join(literal(s) for s in _SETTINGS)
    likes = " OR ".join(f"name LIKE {literal(p + '%')}" for p in _SETTING_PREFIXES)
    return f"SELECT name || '=' || setting FROM pg_settings WHERE name IN ({names}) OR {likes} ORDER BY name;"


def _yn(expr: str) -> str:
    return f"CASE WHEN {expr} THEN 'Y' ELSE 'N' END"


def script() -> str:
    roles = (
        "SELECT 'role=' || rolname || ' bootstrap=' || "
        + _yn("oid = 10")
        + " || ' login=' || "
        + _yn("rolcanlogin")
        + " || ' super=' || "
        + _yn("rolsuper")
        + " || ' createrole=' || "
        + _yn("rolcreaterole")
        + " || ' createdb=' || "
        + _yn("rolcreatedb")
        + " || ' bypassrls=' || "
        + _yn("rolbypassrls")
        + " || ' replication=' || "
        + _yn("rolreplication")
        + " || ' validuntil=' || COALESCE(to_char(rolvaliduntil AT TIME ZONE 'UTC', 'YYYY-MM-DD'), 'none')"
        " || ' expired=' || "
        + _yn("rolvaliduntil < now()")
        + " FROM pg_roles WHERE rolname NOT LIKE 'pg\\_%' ORDER BY rolname;"
    )
    passwords = (
        "SELECT 'role=' || rolname || ' password=' || CASE WHEN rolpassword IS NULL THEN 'none'"
        " WHEN rolpassword LIKE 'SCRAM-SHA-256$%' THEN 'scram-sha-256'"
        " WHEN rolpassword LIKE 'md5%' THEN 'md5' ELSE 'other' END"
        " FROM pg_authid WHERE rolcanlogin ORDER BY rolname;"
    )
    hba = (
        "SELECT 'line=' || line_number || ' type=' || COALESCE(type, '')"
        " || ' database=' || COALESCE(array_to_string(database, ','), '')"
        " || ' user=' || COALESCE(array_to_string(user_name, ','), '')"
        " || ' address=' || COALESCE(address, '') || ' netmask=' || COALESCE(netmask, '')"
        " || ' method=' || COALESCE(auth_method, '')"
        " || ' options=' || COALESCE(array_to_string(options, ','), '')"
        " || COALESCE(' error=' || error, '') FROM pg_hba_file_rules ORDER BY line_number;"
    )
    public_grants = (
        "SELECT DISTINCT 'table=' || n.nspname || '.' || c.relname || ' privilege=' || a.privilege_type"
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a"
        " WHERE a.grantee = 0 AND c.relkind IN ('r', 'v', 'm', 'p')"
        " AND n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1;"
    )
    parts = [
        "-- dengbao database collection script for PostgreSQL: read-only (SELECT and SHOW only).",
        "-- Run as a superuser with your own client, for example:",
        f"--   {USAGE}",
        "-- Password hashes are never selected: only whether a role has one and its scheme.",
        header("postgresql"),
        f"SELECT {literal(PREFIX + 'meta time=')} || to_char(now() AT TIME ZONE 'UTC', "
        '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\');',
        f"SELECT {literal(PREFIX + 'meta host=')} || COALESCE(NULLIF(current_setting('cluster_name'), ''), "
        "host(inet_server_addr()), 'local');",
        f"SELECT {literal(PREFIX + 'meta address=')} || COALESCE(host(inet_server_addr()), 'local');",
        f"SELECT {literal(PREFIX + 'meta server=')} || version();",
        f"SELECT {literal(PREFIX + 'meta user=')} || current_user || ' database=' || current_database();",
        section("version", "SELECT current_setting('server_version_num') || ' ' || version();"),
        section("settings", _settings()),
        section("roles", roles),
        section("role_passwords", passwords),
        section("hba", hba),
        section(
            "schemas",
            "SELECT 'schema=' || nspname || ' public_create=' || "
            + _yn("has_schema_privilege('public', oid, 'CREATE')")
            + " FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"
            " ORDER BY nspname;",
        ),
        section("public_grants", public_grants),
        section(
            "extensions",
            "SELECT 'extension=' || extname || ' version=' || extversion FROM pg_extension ORDER BY extname;",
        ),
        section(
            "security_labels",
            "SELECT 'provider=' || provider || ' objects=' || count(*) FROM pg_seclabels GROUP BY provider;",
        ),
        section(
            "databases",
            "SELECT 'database=' || datname || ' allowconn=' || "
            + _yn("datallowconn")
            + " FROM pg_database ORDER BY datname;",
        ),
        section(
            "session_tls",
            "SELECT 'ssl=' || " + _yn("ssl") + " || ' version=' || COALESCE(version, '')"
            " FROM pg_stat_ssl WHERE pid = pg_backend_pid();",
        ),
        done(),
    ]
    return "\n".join(parts) + "\n"
