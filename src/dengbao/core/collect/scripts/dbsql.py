"""Shared shape of the database collection scripts' output (read back by ``readers.sqltext``).

Every database script is plain SQL the DBA runs with their own client. The SQL itself prints a
header and section markers, so the text it writes is self-describing::

    -- dengbao:collect platform=mysql version=1
    -- dengbao:meta time=2026-12-07T19:20:00Z
    -- dengbao:meta host=db1
    -- dengbao:begin variables
    ...rows...
    -- dengbao:end variables
    -- dengbao:done

Only reads: SELECT and SHOW (plus the clients' own output settings for sqlplus and sqlcmd).
"""

from __future__ import annotations

VERSION = "1"
PREFIX = "-- dengbao:"


def literal(text: str) -> str:
    """A SQL string literal (the scripts only quote their own constant text)."""
    return "'" + text.replace("'", "''") + "'"


def section(name: str, *queries: str, select_suffix: str = "") -> str:
    """Begin marker, the queries, end marker; ``select_suffix`` is e.g. ' FROM dual' for Oracle."""
    lines = [f"SELECT {literal(PREFIX + 'begin ' + name)}{select_suffix};"]
    lines.extend(q.strip() for q in queries)
    lines.append(f"SELECT {literal(PREFIX + 'end ' + name)}{select_suffix};")
    return "\n".join(lines)


def header(platform: str, select_suffix: str = "") -> str:
    return f"SELECT {literal(f'{PREFIX}collect platform={platform} version={VERSION}')}{select_suffix};"


def done(select_suffix: str = "") -> str:
    return f"SELECT {literal(PREFIX + 'done')}{select_suffix};"
