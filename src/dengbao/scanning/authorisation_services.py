"""Writes of authorisations (授权书): the signed scope every scan is checked against."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from dengbao import uploads
from dengbao.accounts import permissions
from dengbao.accounts.models import Project, User
from dengbao.audit import services as audit

from .models import Authorisation, PenTest, Technique

_HOST = re.compile(r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})*$")
_WINDOW = re.compile(r"^\s*([1-7])(?:\s*-\s*([1-7]))?\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$")


def split_lines(text: str | Iterable[str]) -> list[str]:
    """Entries separated by newlines, commas, Chinese commas or semicolons; blanks dropped."""
    if not isinstance(text, str):
        text = "\n".join(text)
    return [part.strip() for part in re.split(r"[\n,，;；]+", text) if part.strip()]


def parse_cidrs(entries: Iterable[str]) -> list[str]:
    out = []
    for entry in entries:
        try:
            out.append(str(ipaddress.ip_network(entry, strict=False)))
        except ValueError:
            raise ValidationError(f"“{entry[:60]}”不是有效的网段（例如 10.20.1.0/24）") from None
    return out


def parse_hosts(entries: Iterable[str]) -> list[str]:
    out = []
    for entry in entries:
        try:
            out.append(str(ipaddress.ip_address(entry)))
            continue
        except ValueError:
            pass
        if not _HOST.match(entry):
            raise ValidationError(f"“{entry[:60]}”不是有效的主机名或 IP 地址")
        out.append(entry.lower().rstrip("."))
    return out


def parse_urls(entries: Iterable[str]) -> list[str]:
    out = []
    for entry in entries:
        parts = urlsplit(entry)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationError(f"“{entry[:60]}”不是有效的网址（须以 http:// 或 https:// 开头）")
        out.append(entry)
    return out


def parse_ports(spec: str) -> list[tuple[int, int]]:
    """ "22,80,8000-8100" → [(22, 22), (80, 80), (8000, 8100)]; refused when malformed or out of range."""
    ranges = []
    for part in split_lines(spec.replace(" ", ",")):
        low, _, high = part.partition("-")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ValidationError(f"端口“{part[:30]}”无效（例如 22,80,443,8000-8100）")
        a, b = int(low), int(high or low)
        if not (1 <= a <= b <= 65535):
            raise ValidationError(f"端口“{part[:30]}”超出 1-65535 或起止颠倒")
        ranges.append((a, b))
    if not ranges:
        raise ValidationError("请填写端口范围（例如 1-65535）")
    return ranges


def parse_windows(text: str) -> list[dict[str, object]]:
    """One window per line, "1-5 09:00-18:00" (days 1 = Monday … 7 = Sunday)."""
    windows = []
    for line in split_lines(text.replace(",", "\n")) if text else []:
        match = _WINDOW.match(line)
        if not match:
            raise ValidationError(f"时间窗口“{line[:40]}”无效（格式：1-5 09:00-18:00，1 为周一）")
        first, last, start, end = match.groups()
        for value in (start, end):
            hours, minutes = (int(x) for x in value.split(":"))
            if hours > 24 or minutes > 59 or (hours == 24 and minutes):
                raise ValidationError(f"时间窗口“{line[:40]}”的时间无效")
        days = list(range(int(first) - 1, int(last or first)))
        if not days:
            raise ValidationError(f"时间窗口“{line[:40]}”的星期起止颠倒")
        windows.append({"days": days, "start": start.zfill(5), "end": end.zfill(5)})
    return windows


def authorisation_create(
    *,
    actor: User,
    project: Project,
    title: str,
    signer: str,
    signed_on: dt.date,
    valid_from: dt.datetime,
    valid_until: dt.datetime,
    techniques: Iterable[str],
    cidrs: Iterable[str] = (),
    hosts: Iterable[str] = (),
    urls: Iterable[str] = (),
    ports: str = "1-65535",
    windows: str = "",
    document: UploadedFile | None = None,
) -> Authorisation:
    """Record a signed authorisation; the scope is validated so the scanner never guesses."""
    permissions.require(actor, "project.edit", project)
    title, signer = title.strip(), signer.strip()
    if not title or not signer:
        raise ValidationError("请填写授权书名称和签署人")
    techniques = sorted(set(techniques))
    unknown = set(techniques) - set(Technique.values)
    if unknown or not techniques:
        raise ValidationError("请选择允许的测试手段")
    cidrs, hosts, urls = parse_cidrs(cidrs), parse_hosts(hosts), parse_urls(urls)
    if not (cidrs or hosts or urls):
        raise ValidationError("授权范围为空：请至少填写一个网段、主机或网址")
    parse_ports(ports)
    window_list = parse_windows(windows)
    if valid_until <= valid_from:
        raise ValidationError("失效时间须晚于生效时间")
    hashed = uploads.receive(document, default_name="authorisation") if document is not None else None
    with transaction.atomic():
        row = Authorisation(
            project=project,
            title=title[:200],
            signer=signer[:100],
            signed_on=signed_on,
            cidrs=cidrs,
            hosts=hosts,
            urls=urls,
            ports=",".join(split_lines(ports.replace(" ", ","))),
            techniques=techniques,
            windows=window_list,
            valid_from=valid_from,
            valid_until=valid_until,
            created_by=actor,
        )
        if hashed is not None:
            row.document_name, row.document_size, row.document_sha256 = (
                hashed.name,
                hashed.size,
                hashed.sha256,
            )
            row.document.save(hashed.name, document, save=False)
        row.save()
        audit.record(
            actor=actor, action="scan.authorisation_create", obj=row, after=row.summary(), project=project
        )
    return row


def authorisation_revoke(*, actor: User, authorisation: Authorisation, reason: str) -> Authorisation:
    permissions.require(actor, "project.edit", authorisation.project)
    reason = reason.strip()
    if not reason:
        raise ValidationError("请填写撤销原因")
    if authorisation.revoked_at:
        raise ValidationError("该授权书已撤销")
    with transaction.atomic():
        authorisation.revoked_at, authorisation.revoked_by = timezone.now(), actor
        authorisation.revoke_reason = reason[:200]
        authorisation.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        audit.record(
            actor=actor,
            action="scan.authorisation_revoke",
            obj=authorisation,
            details={"reason": authorisation.revoke_reason},
            project=authorisation.project,
        )
    return authorisation


def pentest_create(
    *,
    actor: User,
    project: Project,
    authorisation: Authorisation,
    title: str,
    started_on: dt.date,
    ended_on: dt.date | None = None,
    testers: str = "",
    system=None,
    summary: str = "",
) -> PenTest:
    """A penetration-test engagement: only under a valid authorisation that allows penetration testing."""
    permissions.require(actor, "project.record", project)
    if authorisation.project_id != project.pk:
        raise ValidationError("所选授权书不属于本项目")
    if Technique.PENTEST not in authorisation.techniques:
        raise ValidationError("所选授权书未允许渗透测试")
    if authorisation.revoked_at:
        raise ValidationError("所选授权书已撤销")
    start = timezone.localtime(authorisation.valid_from).date()
    end = timezone.localtime(authorisation.valid_until).date()
    if not (start <= started_on <= end) or (ended_on and not (started_on <= ended_on <= end)):
        raise ValidationError(f"测试日期须在授权有效期内（{start} 至 {end}），且结束不早于开始")
    if system is not None and not project.systems.filter(pk=system.pk).exists():
        raise ValidationError("所选定级对象不属于本项目")
    title = title.strip()
    if not title:
        raise ValidationError("请填写渗透测试名称")
    with transaction.atomic():
        row = PenTest.objects.create(
            project=project, authorisation=authorisation, system=system, title=title[:200],
            testers=testers.strip()[:200], started_on=started_on, ended_on=ended_on, summary=summary.strip(),
            created_by=actor,
        )  # fmt: skip
        audit.record(
            actor=actor, action="scan.pentest_create", obj=row,
            after={"title": row.title, "authorisation": authorisation.pk, "started_on": str(started_on)},
            project=project,
        )  # fmt: skip
    return row
