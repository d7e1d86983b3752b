"""Collection pages: upload bundles, review the proposals they made, accept them in bulk."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dengbao.accounts import permissions
from dengbao.accounts import selectors as account_selectors
from dengbao.actions import action, back_to
from dengbao.assessments import selectors as assessment_selectors
from dengbao.assessments.services import current_round
from dengbao.core.catalogue import default as catalogue

from . import selectors, services


def _load(request: HttpRequest, project: str, assessment_id: int, action: str = "project.view_internal"):
    obj = account_selectors.project_get(actor=request.user, slug=project, action=action)
    return obj, assessment_selectors.assessment_get(
        actor=request.user, project=obj, assessment_id=assessment_id
    )


# Database collection scripts offered for download (platform, label shown on the button).
DB_SCRIPT_LABELS = (
    ("mysql", "MySQL/MariaDB"),
    ("postgresql", "PostgreSQL"),
    ("oracle", "Oracle"),
    ("mssql", "SQL Server"),
)


def _recording(request: HttpRequest, project: str, assessment_id: int, **rest) -> dict:
    """An action's loader: the project and assessment, for someone who may record results."""
    proj, assessment = _load(request, project, assessment_id, "project.record")
    return {"proj": proj, "assessment": assessment, **rest}


_BACK = back_to("collection:proposals", "project", "assessment_id")


@login_required
def proposals_page(request: HttpRequest, project: str, assessment_id: int) -> HttpResponse:
    proj, assessment = _load(request, project, assessment_id)
    pending = list(selectors.proposals(actor=request.user, assessment=assessment))
    items = catalogue().by_id
    rows = [
        {
            "p": p,
            "item": items.get(p.unit_id),
            "person": services.from_person(p.record),
        }
        for p in pending
    ]
    return render(
        request,
        "collection/proposals.html",
        {
            "project": proj,
            "active_module": "assessments",
            "assessment": assessment,
            "round": current_round(assessment),
            "rows": rows,
            "bundles": selectors.bundles(actor=request.user, assessment=assessment)[:20],
            "can_record": permissions.can(request.user, "project.record", proj),
            "db_platforms": DB_SCRIPT_LABELS,
        },
    )


@login_required
@action(load=_recording)
def bundles_upload(request: HttpRequest, proj, assessment) -> HttpResponse:
    uploads = request.FILES.getlist("bundles")
    if not uploads:
        messages.error(request, _("请选择采集包（.tar.gz）。"))
    files = []
    for upload in uploads[:50]:
        if upload.size > settings.DENGBAO_MAX_UPLOAD_BYTES:
            messages.error(request, _("%(f)s：文件过大") % {"f": upload.name})
            continue
        files.append((upload.name, upload.read()))
    for filename, outcome in services.bundles_import(actor=request.user, assessment=assessment, files=files):
        if isinstance(outcome, str):
            messages.error(request, f"{filename}：{outcome}")
        else:
            c = outcome.counts
            messages.success(
                request,
                _("%(f)s → %(o)s：规则通过 %(p)d、不通过 %(x)d、不适用 %(na)d、出错 %(e)d，建议 %(n)d 条")
                % {
                    "f": filename,
                    "o": outcome.bundle.obj.name,
                    "p": c["pass"],
                    "x": c["fail"],
                    "na": c["na"],
                    "e": c["error"],
                    "n": len(outcome.proposals),
                },
            )
    return redirect("collection:proposals", project=proj.slug, assessment_id=assessment.pk)


@login_required
@action(load=_recording, back=_BACK, join="；")
def proposals_accept(request: HttpRequest, proj, assessment) -> HttpResponse:
    pending = selectors.proposals(actor=request.user, assessment=assessment)
    if request.POST.get("all") != "1":
        ids = [int(i) for i in request.POST.getlist("proposal") if i.isdigit()]
        pending = pending.filter(pk__in=ids)
    decided = services.proposals_accept(actor=request.user, proposals=pending)
    messages.success(request, _("已采纳 %(n)d 条建议。") % {"n": len(decided.accepted)})
    for p, why in decided.skipped[:30]:
        messages.warning(request, f"{p.record.obj.name} · {p.unit_id}：{why}")
    return redirect("collection:proposals", project=proj.slug, assessment_id=assessment.pk)


@login_required
@action(load=_recording, back=_BACK, join="；")
def proposal_reject(request: HttpRequest, proj, assessment, proposal_id: int) -> HttpResponse:
    proposal = selectors.proposals(actor=request.user, assessment=assessment).filter(pk=proposal_id).first()
    if proposal is None:
        messages.error(request, _("该建议不存在或已处理。"))
    else:
        services.proposal_reject(actor=request.user, proposal=proposal, reason=request.POST.get("reason", ""))
        messages.success(request, _("已驳回 %(u)s 的建议。") % {"u": proposal.unit_id})
    return redirect("collection:proposals", project=proj.slug, assessment_id=assessment.pk)


@login_required
def script_download(request: HttpRequest, project: str, assessment_id: int) -> HttpResponse:
    _load(request, project, assessment_id)
    from dengbao.core.collect.scripts import linux

    response = HttpResponse(linux.script(), content_type="text/x-shellscript; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="dengbao-collect-linux.sh"'
    return response


@login_required
def db_script_download(request: HttpRequest, project: str, assessment_id: int, platform: str) -> HttpResponse:
    """The read-only SQL collection script for one database platform (run by the DBA's own client)."""
    _load(request, project, assessment_id)
    from dengbao.core.collect.scripts import DATABASE_SCRIPTS

    module = DATABASE_SCRIPTS.get(platform)
    if module is None:
        raise Http404
    response = HttpResponse(module.script(), content_type="application/sql; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="dengbao-collect-{platform}.sql"'
    return response


@login_required
def script_download_windows(request: HttpRequest, project: str, assessment_id: int) -> HttpResponse:
    _load(request, project, assessment_id)
    from dengbao.core.collect.scripts import windows

    # UTF-8 with a BOM and CRLF: Windows PowerShell 5.1 reads a BOM-less script in the ANSI code page.
    body = windows.script().replace("\n", "\r\n").encode("utf-8-sig")
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="dengbao-collect-windows.ps1"'
    return response
