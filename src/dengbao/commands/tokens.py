"""`dengbao tokens list|revoke`: API tokens from the command line, with the web's permissions.

The acting user (--user or DENGBAO_USER) sees their own tokens; the security administrator
sees and revokes everyone's.
"""

from __future__ import annotations

import click

from .common import cli_actor, echo_json, user_option


def _row(token) -> dict:
    return {
        "id": token.pk,
        "owner": token.user.get_username(),
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        "active": token.is_active,
    }


def _state(row: dict) -> str:
    if row["revoked_at"]:
        return "已吊销 revoked"
    return "有效 active" if row["active"] else "已过期 expired"


def _day(value: str | None) -> str:
    return value[:16].replace("T", " ") if value else "—"


@click.group(name="tokens")
def group() -> None:
    """API 令牌：列出、吊销 (API tokens: list, revoke)."""


@group.command(name="list")
@user_option
@click.option("--owner", default="", help="only this owner's tokens (user name or display name contains)")
@click.option("--active", "standing_only", is_flag=True, help="only tokens neither revoked nor expired")
@click.option("--json", "as_json", is_flag=True, help="print the result as JSON")
def list_tokens(username: str | None, owner: str, standing_only: bool, as_json: bool) -> None:
    """列出令牌：安全管理员看到所有人的令牌，其他人只看到自己的。"""
    actor = cli_actor(username)
    from dengbao.accounts import permissions, tokens

    if permissions.can(actor, "platform.security"):
        rows = tokens.token_list_all(actor=actor, owner=owner, standing_only=standing_only)
    else:
        if owner and owner != actor.get_username():
            permissions.require(actor, "platform.security")  # audited refusal, then exit 1
        rows = tokens.token_list(actor=actor).select_related("user")
        if standing_only:
            rows = [t for t in rows if t.is_active]
    data = [_row(t) for t in rows]
    if as_json:
        echo_json(data)
        return
    if not data:
        click.echo("没有令牌 (no tokens).")
        return
    for row in data:
        click.echo(
            f"{row['id']:>6}  {row['owner']:<16} dbk_{row['prefix']}_…  {row['name']:<20} "
            f"created {_day(row['created_at'])}  last used {_day(row['last_used_at'])}  "
            f"expires {_day(row['expires_at'])}  {_state(row)}"
        )


@group.command(name="revoke")
@user_option
@click.argument("token")
@click.option("--json", "as_json", is_flag=True, help="print the result as JSON")
def revoke(username: str | None, token: str, as_json: bool) -> None:
    """吊销令牌：TOKEN 为令牌编号或前缀（dbk_ 之后的 12 位）。本人或安全管理员可吊销。"""
    actor = cli_actor(username)
    from dengbao.accounts import tokens

    key = token.strip().removeprefix(f"{tokens.TOKEN_PREFIX}_").split("_", 1)[0]
    if key.isdigit() and len(key) < 12:
        found = tokens.token_get(actor=actor, token_id=int(key))
    else:
        found = tokens.token_get(actor=actor, prefix=key)
    already = found.revoked_at is not None
    tokens.token_revoke(actor=actor, token=found)
    row = _row(found)
    if as_json:
        echo_json(row | {"already_revoked": already})
    elif already:
        click.echo(f"令牌 dbk_{found.prefix}_… 早已吊销 (already revoked).")
    else:
        click.echo(f"已吊销 {row['owner']} 的令牌 dbk_{found.prefix}_…（{found.name}）(revoked).")
