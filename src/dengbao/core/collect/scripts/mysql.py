"""The MySQL/MariaDB collection script: read-only SQL run with ``mysql --force -N -B``.

Accounts are reported with a flag saying whether the authentication string is empty;
the hash itself is never selected. Statements for one flavour hide from the other in
executable comments: ``/*M!100400 … */`` runs on MariaDB 10.4+ only, ``/*!50706 … */``
on MySQL 5.7.6+ only (MariaDB ignores version numbers 50700–99999).
"""

# ruff: noqa: S608 -- these modules write SQL text from their own constants; nothing is executed here
from __future__ import annotations

from .dbsql import PREFIX, done, header, literal, section

USAGE = "mysql --force -N -B -h HOST -u ADMIN -p < dengbao-mysql.sql > dengbao-mysql.txt"

_VARIABLES = (
    "version",
    "version_comment",
    "default_password_lifetime",
    "disconnect_on_expired_password",
    "max_password_errors",
    "require_secure_transport",
    "have_ssl",
    "have_openssl",
    "tls_version",
    "ssl_cipher",
    "local_infile",
    "skip_name_resolve",
    "wait_timeout",
    "interactive_timeout",
    "general_log",
    "general_log_file",
    "log_error",
    "slow_query_log",
    "log_output",
    "log_raw",
    "secure_file_priv",
    "innodb_checksum_algorithm",
    "innodb_encrypt_tables",
    "innodb_encrypt_log",
    "encrypt_binlog",
    "encrypt_tmp_files",
    "default_table_encryption",
    "table_encryption_privilege_check",
    "innodb_redo_log_encrypt",
    "binlog_encryption",
    "skip_networking",
    "bind_address",
    "port",
    "old_passwords",
    "secure_auth",
)
_VARIABLE_PREFIXES = (
    "validate_password",
    "simple_password_check",
    "cracklib_password_check",
    "password_reuse_check",
    "connection_control",
    "server_audit",
    "audit_log",
)
_EXTERNAL_PLUGINS = (
    "unix_socket",
    "auth_socket",
    "pam",
    "auth_pam",
    "authentication_pam",
    "gssapi",
    "authentication_ldap_sasl",
    "authentication_kerberos",
    "authentication_windows",
)


def _variables() -> str:
    names = ", ".join(literal(v) for v in _VARIABLES)
    likes = " OR ".join(f"Variable_name LIKE {literal(p + '%')}" for p in _VARIABLE_PREFIXES)
    return f"SHOW GLOBAL VARIABLES WHERE Variable_name IN ({names}) OR {likes};"


def _account_line(locked: str, role: str, source: str) -> str:
    external = ", ".join(literal(p) for p in _EXTERNAL_PLUGINS)
    return (
        "SELECT CONCAT('account ', u.User, '@', u.Host, ' plugin=', IF(u.plugin = '', 'none', u.plugin),"
        f" ' password=', CASE WHEN u.plugin IN ({external}) THEN 'external'"
        " WHEN u.authentication_string = '' THEN 'empty'"
        # MariaDB marks accounts that cannot log in with a password (socket only) 'invalid'
        " WHEN u.authentication_string = 'invalid' THEN 'invalid' ELSE 'set' END,"
        " ' expired=', u.password_expired,"
        f" ' locked=', {locked}, ' role=', {role},"
        " ' ssl=', IF(u.ssl_type = '', 'NONE', u.ssl_type))"
        f" FROM {source} ORDER BY u.User, u.Host"
    )


_PRIVILEGES = (
    ("Select_priv", "SELECT"),
    ("Insert_priv", "INSERT"),
    ("Update_priv", "UPDATE"),
    ("Delete_priv", "DELETE"),
    ("Drop_priv", "DROP"),
    ("File_priv", "FILE"),
    ("Super_priv", "SUPER"),
    ("Grant_priv", "GRANT_OPTION"),
    ("Create_user_priv", "CREATE_USER"),
    ("Shutdown_priv", "SHUTDOWN"),
    ("Process_priv", "PROCESS"),
    ("Reload_priv", "RELOAD"),
)


def _global_privileges() -> str:
    flags = ", ".join(f"IF({col} = 'Y', {literal(name)}, NULL)" for col, name in _PRIVILEGES)
    return (
        f"SELECT CONCAT('global ', User, '@', Host, ' privileges=', CONCAT_WS(',', {flags}))"
        " FROM mysql.user WHERE "
        + " OR ".join(f"{col} = 'Y'" for col, _ in _PRIVILEGES)
        + " ORDER BY User, Host;"
    )


def script() -> str:
    maria_accounts = _account_line(
        "IF(JSON_VALUE(g.Priv, '$.account_locked') = 1, 'Y', 'N')",
        "u.is_role",
        "mysql.user u LEFT JOIN mysql.global_priv g ON g.User = u.User AND g.Host = u.Host",
    )
    mysql_accounts = _account_line("u.account_locked", "'N'", "mysql.user u")
    parts = [
        "-- dengbao database collection script for MySQL / MariaDB: read-only (SELECT and SHOW only).",
        "-- Run as an administrative account with your own client, for example:",
        f"--   {USAGE}",
        "-- Password hashes are never selected: accounts carry a flag (empty / set / external) instead.",
        header("mysql"),
        f"SELECT CONCAT({literal(PREFIX + 'meta time=')},"
        " DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%dT%H:%i:%sZ'));",
        f"SELECT CONCAT({literal(PREFIX + 'meta host=')}, @@hostname);",
        f"SELECT CONCAT({literal(PREFIX + 'meta server=')}, VERSION(), ' ', @@version_comment);",
        f"SELECT CONCAT({literal(PREFIX + 'meta user=')}, CURRENT_USER());",
        section("version", "SELECT VERSION(), @@version_comment;"),
        section("variables", _variables()),
        section(
            "plugins",
            "SELECT PLUGIN_NAME, PLUGIN_STATUS, PLUGIN_TYPE, IFNULL(LOAD_OPTION, '') "
            "FROM information_schema.PLUGINS ORDER BY PLUGIN_NAME;",
        ),
        section("components", "/*!80000 SELECT component_urn FROM mysql.component */;"),
        section(
            "accounts",
            f"/*M!100400 {maria_accounts} */;",
            f"/*!50706 {mysql_accounts} */;",
        ),
        section(
            "user_attributes",
            "/*!80019 SELECT CONCAT('account ', User, '@', Host, ' failed_login_attempts=', "
            "IFNULL(JSON_EXTRACT(User_attributes, '$.Password_locking.failed_login_attempts'), 0), "
            "' password_lock_time=', "
            "IFNULL(JSON_EXTRACT(User_attributes, '$.Password_locking.password_lock_time_days'), 0)) "
            "FROM mysql.user ORDER BY User, Host */;",
        ),
        section("global_privileges", _global_privileges()),
        section(
            "db_privileges",
            "SELECT CONCAT('db ', User, '@', Host, ' db=', Db, ' grant_option=', Grant_priv) "
            "FROM mysql.db ORDER BY Db, User, Host;",
        ),
        section("databases", "SHOW DATABASES;"),
        section(
            "session_tls", "SHOW SESSION STATUS LIKE 'Ssl_version';", "SHOW SESSION STATUS LIKE 'Ssl_cipher';"
        ),
        done(),
    ]
    return "\n".join(parts) + "\n"
