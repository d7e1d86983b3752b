"""The Oracle Database collection script: read-only SQL run with ``sqlplus -S``.

Only SELECT statements, plus SQL*Plus output settings (SET HEADING OFF and the like, which
change the client's formatting, not the database). Password hashes are never selected;
accounts still using a default password come from DBA_USERS_WITH_DEFPWD by name only.
"""

# ruff: noqa: S608 -- these modules write SQL text from their own constants; nothing is executed here
from __future__ import annotations

from .dbsql import PREFIX, done, header, literal, section

USAGE = "sqlplus -S / as sysdba @dengbao-oracle.sql > dengbao-oracle.txt"
_DUAL = " FROM dual"
CLIENT_SETTINGS = (
    "SET HEADING OFF",
    "SET FEEDBACK OFF",
    "SET PAGESIZE 0",
    "SET LINESIZE 32767",
    "SET TRIMSPOOL ON",
    "SET TRIMOUT ON",
    "SET TAB OFF",
    "SET VERIFY OFF",
    "SET ECHO OFF",
)
_PARAMETERS = (
    "audit_trail",
    "audit_sys_operations",
    "audit_file_dest",
    "remote_login_passwordfile",
    "remote_os_authent",
    "sec_max_failed_login_attempts",
    "sec_case_sensitive_logon",
    "sec_protocol_error_further_action",
    "resource_limit",
    "o7_dictionary_accessibility",
    "sqlnet.expire_time",
    "encrypt_new_tablespaces",
)


def _s(name: str, *queries: str) -> str:
    return section(name, *queries, select_suffix=_DUAL)


def script() -> str:
    params = ", ".join(literal(p) for p in _PARAMETERS)
    parts = [
        "-- dengbao database collection script for Oracle Database: read-only (SELECT only).",
        f"--   {USAGE}",
        *(s + ";" for s in CLIENT_SETTINGS),
        "WHENEVER SQLERROR CONTINUE",
        header("oracle", _DUAL),
        f"SELECT {literal(PREFIX + 'meta time=')} || TO_CHAR(SYS_EXTRACT_UTC(SYSTIMESTAMP), "
        '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\') FROM dual;',
        f"SELECT {literal(PREFIX + 'meta host=')} || host_name FROM v$instance;",
        f"SELECT {literal(PREFIX + 'meta server=')} || banner FROM v$version WHERE ROWNUM = 1;",
        f"SELECT {literal(PREFIX + 'meta user=')} || USER FROM dual;",
        _s("version", "SELECT version || ' ' || instance_name || ' ' || host_name FROM v$instance;"),
        _s(
            "parameters",
            f"SELECT 'parameter=' || name || ' value=' || value FROM v$parameter WHERE name IN ({params})"
            " ORDER BY name;",
        ),
        _s(
            "profiles",
            "SELECT 'profile=' || profile || ' resource=' || resource_name || ' limit=' || limit"
            " FROM dba_profiles WHERE resource_type = 'PASSWORD' OR resource_name IN"
            " ('IDLE_TIME', 'CONNECT_TIME', 'SESSIONS_PER_USER') ORDER BY profile, resource_name;",
        ),
        _s(
            "users",
            "SELECT 'user=' || username || ' status=' || REPLACE(account_status, ' ', '_')"
            " || ' profile=' || profile || ' auth=' || authentication_type"
            " || ' expiry=' || NVL(TO_CHAR(expiry_date, 'YYYY-MM-DD'), 'none')"
            " || ' oracle_maintained=' || oracle_maintained FROM dba_users ORDER BY username;",
        ),
        _s("default_passwords", "SELECT 'user=' || username FROM dba_users_with_defpwd ORDER BY username;"),
        _s(
            "dba_grantees",
            "SELECT 'grantee=' || grantee || ' role=' || granted_role || ' admin=' || admin_option"
            " FROM dba_role_privs WHERE granted_role IN ('DBA', 'IMP_FULL_DATABASE', 'EXP_FULL_DATABASE',"
            " 'DATAPUMP_IMP_FULL_DATABASE', 'AUDIT_ADMIN') ORDER BY grantee;",
        ),
        _s(
            "powerful_privileges",
            "SELECT 'grantee=' || grantee || ' privilege=' || REPLACE(privilege, ' ', '_')"
            " || ' admin=' || admin_option FROM dba_sys_privs WHERE privilege LIKE '%ANY%'"
            " OR privilege IN ('ALTER SYSTEM', 'AUDIT SYSTEM', 'GRANT ANY PRIVILEGE', 'BECOME USER')"
            " ORDER BY grantee, privilege;",
        ),
        _s(
            "public_grants",
            "SELECT 'object=' || owner || '.' || table_name || ' privilege=' || privilege FROM dba_tab_privs"
            " WHERE grantee = 'PUBLIC' AND table_name IN ('UTL_FILE', 'UTL_TCP', 'UTL_HTTP', 'UTL_SMTP',"
            " 'DBMS_LOB', 'DBMS_SQL', 'DBMS_JOB', 'DBMS_SCHEDULER', 'DBMS_RANDOM') ORDER BY 1;",
        ),
        _s("password_file_users", "SELECT 'user=' || username || ' sysdba=' || sysdba FROM v$pwfile_users;"),
        _s(
            "unified_auditing",
            "SELECT 'unified_auditing=' || value FROM v$option WHERE parameter = 'Unified Auditing';",
        ),
        _s(
            "audit_policies",
            "SELECT 'policy=' || policy_name || ' entity=' || entity_name || ' success=' || success"
            " || ' failure=' || failure FROM audit_unified_enabled_policies ORDER BY policy_name;",
        ),
        _s(
            "encrypted_tablespaces",
            "SELECT 'tablespace=' || tablespace_name || ' encrypted=' || encrypted FROM dba_tablespaces"
            " ORDER BY tablespace_name;",
        ),
        _s(
            "session_network",
            "SELECT 'network_service=' || network_service_banner FROM v$session_connect_info"
            " WHERE sid = SYS_CONTEXT('USERENV', 'SID');",
        ),
        done(_DUAL),
        "EXIT",
    ]
    return "\n".join(parts) + "\n"
