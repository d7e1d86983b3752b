"""The SQL Server collection script: read-only T-SQL run with ``sqlcmd -h -1 -W``.

Only SELECT statements, ``SET NOCOUNT ON`` (a session output option) and the read-only
``xp_loginconfig 'audit level'`` (the login-auditing setting, which no catalog view shows).
Password hashes are never selected: PWDCOMPARE tests a login's hash against an empty string
and against the login's own name inside the server, and only its yes/no answer is printed.
"""

# ruff: noqa: S608 -- these modules write SQL text from their own constants; nothing is executed here
from __future__ import annotations

from .dbsql import PREFIX, done, header, literal, section

USAGE = "sqlcmd -S HOST -E -h -1 -W -i dengbao-mssql.sql -o dengbao-mssql.txt"
LOGIN_AUDIT = "EXEC master.dbo.xp_loginconfig 'audit level';"


def _yn(expr: str) -> str:
    return f"CASE WHEN {expr} THEN 'Y' ELSE 'N' END"


def script() -> str:
    logins = (
        "SELECT 'login=' + name + ' disabled=' + "
        + _yn("is_disabled = 1")
        + " + ' policy=' + "
        + _yn("is_policy_checked = 1")
        + " + ' expiration=' + "
        + _yn("is_expiration_checked = 1")
        + " + ' empty=' + "
        + _yn("PWDCOMPARE('', password_hash) = 1")
        + " + ' same_as_name=' + "
        + _yn("PWDCOMPARE(name, password_hash) = 1")
        + " + ' sa=' + "
        + _yn("principal_id = 1")
        + " FROM sys.sql_logins ORDER BY name;"
    )
    configs = (
        "SELECT 'config=' + REPLACE(name, ' ', '_') + ' value=' + CAST(value_in_use AS varchar(20))"
        " FROM sys.configurations WHERE name IN ('c2 audit mode', 'common criteria compliance enabled',"
        " 'xp_cmdshell', 'remote access', 'contained database authentication', 'clr enabled',"
        " 'Ole Automation Procedures', 'default trace enabled', 'remote admin connections') ORDER BY name;"
    )
    parts = [
        "-- dengbao database collection script for Microsoft SQL Server: read-only.",
        f"--   {USAGE}",
        "SET NOCOUNT ON;",
        header("mssql"),
        f"SELECT {literal(PREFIX + 'meta time=')} + CONVERT(varchar(19), SYSUTCDATETIME(), 126) + 'Z';",
        f"SELECT {literal(PREFIX + 'meta host=')} + CAST(SERVERPROPERTY('MachineName') AS nvarchar(128));",
        f"SELECT {literal(PREFIX + 'meta server=')}"
        " + REPLACE(REPLACE(@@VERSION, CHAR(13), ' '), CHAR(10), ' ');",
        f"SELECT {literal(PREFIX + 'meta user=')} + SUSER_SNAME();",
        section(
            "version",
            "SELECT CAST(SERVERPROPERTY('ProductVersion') AS varchar(40)) + ' '"
            " + CAST(SERVERPROPERTY('Edition') AS varchar(80));",
        ),
        section(
            "auth_mode",
            "SELECT 'windows_only=' + " + _yn("SERVERPROPERTY('IsIntegratedSecurityOnly') = 1") + ";",
        ),
        section("sql_logins", logins),
        section(
            "sysadmins",
            "SELECT 'member=' + m.name + ' role=' + r.name FROM sys.server_role_members rm"
            " JOIN sys.server_principals r ON r.principal_id = rm.role_principal_id"
            " JOIN sys.server_principals m ON m.principal_id = rm.member_principal_id"
            " WHERE r.name IN ('sysadmin', 'securityadmin', 'serveradmin') ORDER BY r.name, m.name;",
        ),
        section("login_audit", LOGIN_AUDIT),
        section(
            "server_audits",
            "SELECT 'audit=' + a.name + ' enabled=' + "
            + _yn("a.is_state_enabled = 1")
            + " + ' destination=' + a.type_desc + ' on_failure=' + a.on_failure_desc"
            " + ' status=' + ISNULL(s.status_desc, 'NONE') FROM sys.server_audits a"
            " LEFT JOIN sys.dm_server_audit_status s ON s.audit_id = a.audit_id ORDER BY a.name;",
        ),
        section(
            "audit_specifications",
            "SELECT 'specification=' + sp.name + ' enabled=' + "
            + _yn("sp.is_state_enabled = 1")
            + " + ' action=' + d.audit_action_name FROM sys.server_audit_specifications sp"
            " JOIN sys.server_audit_specification_details d"
            " ON d.server_specification_id = sp.server_specification_id ORDER BY sp.name;",
        ),
        section("configurations", configs),
        section(
            "databases",
            "SELECT 'database=' + name + ' encrypted=' + "
            + _yn("is_encrypted = 1")
            + " + ' trustworthy=' + "
            + _yn("is_trustworthy_on = 1")
            + " FROM sys.databases ORDER BY name;",
        ),
        section(
            "session_tls",
            "SELECT 'encrypt_option=' + encrypt_option + ' auth=' + auth_scheme FROM sys.dm_exec_connections"
            " WHERE session_id = @@SPID;",
        ),
        done(),
    ]
    return "\n".join(parts) + "\n"
