"""Workbench pages: assessments, objects, and the keyboard-first checklist of one object."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from dengbao import parse
from dengbao.accounts import permissions
from dengbao.accounts import selectors as account_selectors
from dengbao.actions import action, reported
from dengbao.catalogue import selectors as catalogue_selectors
from dengbao.core.catalogue.vocab import OBJECT_TYPES
from dengbao.terms import term

from . import checklist_search, selectors, services
from .models import AssessmentObject, Result

RESULT_KEYS = [
    ("1", Result.COMPLIANT),
    ("2", Result.PARTIAL),
    ("3", Result.NON_COMPLIANT),
    ("4", Result.NOT_APPLICABLE),
]


def _row_context(request: HttpRequest, project, assessment, rnd, record, error: str) -> dict:
    """What _row.html needs to draw one checklist row again after a save, review or upload."""
    from dengbao.core.catalogue import default as catalogue

    selectors.mark_rule_sources(
        actor=request.user, records=[record]
    )  # where a redrawn row's result came from
    return _ctx(
        request,
        project,
        assessment=assessment,
        round=rnd,
        record=record,
        item=catalogue().by_id.get(record.unit_id),
        result_keys=RESULT_KEYS,
        error=error,
        phrases=selectors.phrases_by_unit(actor=request.user, project=project, units=[record.unit_id]),
        wording=catalogue_selectors.wording_for(actor=request.user),
    )


def _open_record(request: HttpRequest, project: str, assessment_id: int, record_id: int) -> dict:
    """The project, assessment, open round and result of a row action, each through the permission layer."""
    obj = account_selectors.project_get(actor=request.user, slug=project, action="project.view_internal")
    assessment = selectors.assessment_get(actor=request.user, project=obj, assessment_id=assessment_id)
    rnd = services.current_round(assessment)
    record = selectors.record_get(actor=request.user, rnd=rnd, record_id=record_id)
    return {"obj": obj, "assessment": assessment, "rnd": rnd, "record": record}


def _assessment(permission: str = "project.view_internal"):
    """An action's loader: the project (``permission`` required) and one of its assessments."""

    def load(request: HttpRequest, project: str, assessment_id: int, **rest) -> dict:
        obj = account_selectors.project_get(actor=request.user, slug=project, action=permission)
        assessment = selectors.assessment_get(actor=request.user, project=obj, assessment_id=assessment_id)
        return {"obj": obj, "assessment": assessment, **rest}

    return load


def _project(request: HttpRequest, project: str) -> dict:
    return {"obj": account_selectors.project_get(actor=request.user, slug=project)}


def _to_detail(request: HttpRequest, obj, assessment, **_rest) -> HttpResponse:
    return redirect("assessments:detail", project=obj.slug, assessment_id=assessment.pk)


def _row(request: HttpRequest, obj, assessment, rnd, record, error: str = "") -> HttpResponse:
    return render(
        request, "assessments/_row.html", _row_context(request, obj, assessment, rnd, record, error)
    )


def _row_refused(request: HttpRequest, exc: ValidationError, obj, assessment, rnd, record) -> HttpResponse:
    """A row action refused: the row again, its error under it."""
    return _row(request, obj, assessment, rnd, record, " ".join(exc.messages))


def _ctx(request: HttpRequest, project, **extra):
    return {
        "project": project,
        "active_module": "assessments",
        "can_record": permissions.can(request.user, "project.record", project),
        "can_edit": permissions.can(request.user, "project.edit", project),
        "can_review": permissions.can(request.user, "project.review", project),
        "can_view_internal": permissions.can(request.user, "project.view_internal", project),
        **extra,
    }


def _list_page(request: HttpRequest, obj) -> HttpResponse:
    assessments = selectors.assessment_list(actor=request.user, project=obj)
    return render(
        request,
        "assessments/assessment_list.html",
        _ctx(request, obj, assessments=assessments, systems=obj.systems.order_by("code")),
    )


@login_required
@action(load=_project, methods=("GET", "POST"), invalid=reported(_list_page))
def assessment_list(request: HttpRequest, obj) -> HttpResponse:
    if request.method == "POST":
        permissions.require(request.user, "project.edit", obj)
        systems = list(obj.systems.filter(pk__in=request.POST.getlist("systems")))
        assessment = services.assessment_create(
            actor=request.user,
            project=obj,
            name=request.POST.get("name", "").strip() or "、".join(s.code or s.name for s in systems),
            systems=systems,
            scheme=request.POST.get("scheme", "2025"),
            report_date=parse.date(request.POST.get("report_date", ""), _("报告日期")),
            scheme_reason=request.POST.get("scheme_reason", ""),
        )
        return redirect("assessments:detail", project=obj.slug, assessment_id=assessment.pk)
    return _list_page(request, obj)


@login_required
@action(load=_assessment(), methods=("GET", "POST"), back=_to_detail)
def assessment_detail(request: HttpRequest, obj, assessment) -> HttpResponse:
    rnd = services.current_round(assessment)
    if request.method == "POST":
        services.object_add(
            actor=request.user,
            assessment=assessment,
            kind=request.POST.get("kind", ""),
            name=request.POST.get("name", "").strip(),
            model_version=request.POST.get("model_version", "").strip(),
            location=request.POST.get("location", "").strip(),
            importance=request.POST.get("importance", "normal"),
            systems=list(
                assessment.systems.filter(pk__in=[v for v in request.POST.getlist("systems") if v.isdigit()])
            ),
        )
        return _to_detail(request, obj, assessment)
    objects = selectors.object_progress(actor=request.user, assessment=assessment, rnd=rnd)
    score = _score_or_none(request, rnd)
    all_rounds = selectors.rounds(actor=request.user, assessment=assessment)
    counts = selectors.round_counts(actor=request.user, rnd=rnd)
    context = _ctx(
        request,
        obj,
        assessment=assessment,
        round=rnd,
        objects=objects,
        counts=dict(counts),
        total=sum(counts.values()),
        recorded=sum(n for r, n in counts.items() if r),
        object_types=OBJECT_TYPES,
        rounds=all_rounds,
        reviews=selectors.review_counts(actor=request.user, rnd=rnd),
        blockers=services.round_blockers(rnd),
        unverified=services.unverified_systems(rnd) if rnd.finalised_at is None else [],
        waivers=rnd.waivers.select_related("system"),
        score=score,
        chart_json=_chart_json(score),
        adjustment_kinds=["安全控制点间", "区域间", "层面间"],
        category_progress=selectors.category_progress(actor=request.user, rnd=rnd),
        importances=AssessmentObject.Importance.choices,
    )
    return render(request, "assessments/assessment_detail.html", context)


@login_required
def checklist(request: HttpRequest, project: str, assessment_id: int, object_id: int) -> HttpResponse:
    obj = account_selectors.project_get(actor=request.user, slug=project, action="project.view_internal")
    assessment = selectors.assessment_get(actor=request.user, project=obj, assessment_id=assessment_id)
    target = selectors.object_get(actor=request.user, assessment=assessment, object_id=object_id)
    rnd = services.current_round(assessment)
    rows = selectors.checklist(actor=request.user, rnd=rnd, obj=target)
    query = request.GET.get("q", "").strip()[: checklist_search.MAX_QUERY]
    rows = checklist_search.search(rows, query) if query else rows  # also in evidence screenshots' text
    similar = assessment.test_objects.filter(kind=target.kind).exclude(pk=target.pk).order_by("name")
    context = _ctx(
        request,
        obj,
        assessment=assessment,
        round=rnd,
        target=target,
        rows=rows,
        result_keys=RESULT_KEYS,
        similar=similar,
        query=query,
        phrases=selectors.phrases_by_unit(
            actor=request.user, project=obj, units=[r.unit_id for r, _item in rows]
        ),
        wording=catalogue_selectors.wording_for(actor=request.user),  # the agency's own 测评实施 text
    )
    return render(request, "assessments/checklist.html", context)


def _save_refused(request: HttpRequest, exc: ValidationError, obj, assessment, rnd, record) -> HttpResponse:
    """A refused autosave (a conflict too): the row as stored now, with the reason."""
    record.refresh_from_db()
    return _saved(_row(request, obj, assessment, rnd, record, " ".join(exc.messages)), failed=True)


def _saved(response: HttpResponse, *, failed: bool) -> HttpResponse:
    response["HX-Trigger"] = "dengbao-save-failed" if failed else "dengbao-saved"
    return response


@login_required
@action(load=_open_record, methods=("GET", "POST"), invalid=_save_refused)
def result_save(request: HttpRequest, obj, assessment, rnd, record) -> HttpResponse:
    """Autosave of one row (checklist.js): answers the row again, with the new version or the conflict.

    GET answers the row as stored, which the page draws after a refused save."""
    if request.method == "GET":  # the row as stored: what the checklist draws again after a refused save
        return _row(request, obj, assessment, rnd, record)
    try:
        version = int(request.POST.get("version", "-1"))
        record = services.result_record(
            actor=request.user,
            record=record,
            value=request.POST.get("result", ""),
            note=request.POST.get("note", "")[:5000],
            methods=request.POST.getlist("methods"),
            na_reason=request.POST.get("na_reason", "")[:2000],
            version=version,
        )
    except ValueError:
        return _saved(_row(request, obj, assessment, rnd, record, _("请求无效：缺少版本号")), failed=True)
    return _saved(_row(request, obj, assessment, rnd, record), failed=False)


@login_required
@action(load=_open_record, invalid=_row_refused)
def result_review(request: HttpRequest, obj, assessment, rnd, record) -> HttpResponse:
    record = services.result_review(
        actor=request.user,
        record=record,
        decision=request.POST.get("decision", ""),
        comment=request.POST.get("comment", "")[:2000],
    )
    return _row(request, obj, assessment, rnd, record)


@login_required
@action(load=_assessment("project.edit"), back=_to_detail)
def round_action(request: HttpRequest, obj, assessment, action: str) -> HttpResponse:
    """定稿 (finalise) the open round, or start a 复测 from the last finalised one."""
    if action == "finalise":
        rnd = services.round_finalise(actor=request.user, rnd=services.current_round(assessment))
        messages.success(request, _("%(r)s已定稿。") % {"r": rnd.label})
    elif action == "waive":
        rnd = services.current_round(assessment)
        system = assessment.systems.filter(pk=request.POST.get("system", "0") or 0).first()
        if system is None:
            return HttpResponse(status=404)
        services.verification_waive(
            actor=request.user, rnd=rnd, system=system, reason=request.POST.get("reason", "")
        )
        messages.success(request, _("已记录%(s)s不开展漏洞扫描或渗透测试的理由。") % {"s": system.name})
    elif action == "retest":
        rnd = services.retest_start(actor=request.user, assessment=assessment)
        messages.success(request, _("已开始%(r)s，结果已从上一轮预填。") % {"r": rnd.label})
    else:
        return HttpResponse(status=404)
    return _to_detail(request, obj, assessment)


@login_required
def round_diff(request: HttpRequest, project: str, assessment_id: int, number: int) -> HttpResponse:
    """复测对比: what changed between round ``number - 1`` and round ``number``."""
    obj = account_selectors.project_get(actor=request.user, slug=project, action="project.view_internal")
    assessment = selectors.assessment_get(actor=request.user, project=obj, assessment_id=assessment_id)
    after = selectors.round_get(actor=request.user, assessment=assessment, number=number)
    before = selectors.round_get(actor=request.user, assessment=assessment, number=number - 1)
    changes = selectors.round_diff(actor=request.user, before=before, after=after)
    context = _ctx(
        request,
        obj,
        assessment=assessment,
        before=before,
        after=after,
        changes=changes,
        score_before=_score_or_none(request, before),
        score_after=_score_or_none(request, after),
    )
    return render(request, "assessments/round_diff.html", context)


def _score_or_none(request: HttpRequest, rnd):
    """The round's score, or None while nothing is recorded (an empty round has no rate)."""
    from dengbao.core.scoring import ScoringError

    try:
        return selectors.round_score(actor=request.user, rnd=rnd)
    except ScoringError:
        return None


@login_required
def live_score(request: HttpRequest, project: str, assessment_id: int) -> HttpResponse:
    """The 符合率 badge that the checklist refreshes after every save."""
    obj = account_selectors.project_get(actor=request.user, slug=project, action="project.view_internal")
    assessment = selectors.assessment_get(actor=request.user, project=obj, assessment_id=assessment_id)
    rnd = services.current_round(assessment)
    return render(request, "assessments/_score_badge.html", {"score": _score_or_none(request, rnd)})


def _chart_json(score) -> str:
    """The category chart's data, escaped for an HTML attribute."""
    import json

    from django.utils.html import escape

    if score is None:
        return "{}"
    data = {"labels": [term(g.name) for g in score.categories], "values": [g.score for g in score.categories]}
    return escape(json.dumps(data, ensure_ascii=False))


def _upload_refused(request: HttpRequest, exc: ValidationError, obj, assessment, rnd, record) -> HttpResponse:
    record.refresh_from_db()
    return _row(request, obj, assessment, rnd, record, " ".join(exc.messages))


@login_required
@action(load=_open_record, invalid=_upload_refused)
def evidence_upload(request: HttpRequest, obj, assessment, rnd, record) -> HttpResponse:
    error = ""
    upload = request.FILES.get("file")
    if upload is None:
        error = _("请选择要上传的证据文件。")
    else:
        services.evidence_add(actor=request.user, record=record, upload=upload)
    record.refresh_from_db()
    return _row(request, obj, assessment, rnd, record, error)


@login_required
def evidence_file(request: HttpRequest, project: str, assessment_id: int, evidence_id: int) -> HttpResponse:
    """An evidence file, shown inline (images) or downloaded; working papers are provider-side only."""
    from django.http import FileResponse, Http404

    from .models import Evidence

    obj = account_selectors.project_get(actor=request.user, slug=project, action="project.view_internal")
    assessment = selectors.assessment_get(actor=request.user, project=obj, assessment_id=assessment_id)
    evidence = Evidence.objects.filter(pk=evidence_id, record__round__assessment=assessment).first()
    if evidence is None:
        raise Http404("evidence not found")
    inline = evidence.content_type in ("image/png", "image/jpeg", "image/gif", "image/webp")
    response = FileResponse(evidence.file.open("rb"), as_attachment=not inline, filename=evidence.filename)
    if inline:
        response["Content-Type"] = evidence.content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'"
    return response


def _object(permission: str):
    base = _assessment(permission)

    def load(request: HttpRequest, project: str, assessment_id: int, object_id: int) -> dict:
        loaded = base(request, project, assessment_id)
        target = selectors.object_get(
            actor=request.user, assessment=loaded["assessment"], object_id=object_id
        )
        return {**loaded, "target": target}

    return load


def _to_checklist(request: HttpRequest, obj, assessment, target) -> HttpResponse:
    return redirect(
        "assessments:checklist", project=obj.slug, assessment_id=assessment.pk, object_id=target.pk
    )


@login_required
@action(load=_object("project.view_internal"), back=_to_checklist, join=" ")
def results_copy(request: HttpRequest, obj, assessment, target) -> HttpResponse:
    try:
        source_id = int(request.POST.get("source", "0"))
    except ValueError as exc:
        messages.error(request, str(exc))
        return _to_checklist(request, obj, assessment, target)
    source = selectors.object_get(actor=request.user, assessment=assessment, object_id=source_id)
    copied = services.results_copy(
        actor=request.user,
        rnd=services.current_round(assessment),
        source=source,
        target=target,
        only_empty=request.POST.get("all") != "1",
    )
    messages.success(request, _("已从 %(s)s 复制 %(n)d 项结果。") % {"s": source.name, "n": copied})
    return _to_checklist(request, obj, assessment, target)


@login_required
@action(load=_assessment("project.record"), back=_to_detail, limit=30)
def objects_import(request: HttpRequest, obj, assessment) -> HttpResponse:
    from django.conf import settings as django_settings

    from dengbao.core.spreadsheet import TableError, read_rows

    upload = request.FILES.get("file")
    if upload is None or upload.size > django_settings.DENGBAO_MAX_UPLOAD_BYTES:
        messages.error(request, _("请选择不超过上传上限的 .xlsx 或 .csv 文件。"))
    else:
        try:
            count = services.objects_import(
                actor=request.user, assessment=assessment, rows=read_rows(upload.file, upload.name)
            )
        except TableError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("已导入 %(n)d 个测评对象。") % {"n": count})
    return _to_detail(request, obj, assessment)


@login_required
@action(load=_open_record, invalid=_row_refused)
def phrase_add(request: HttpRequest, obj, assessment, rnd, record) -> HttpResponse:
    """Keep the row's current 结果记录 as a phrase for its unit; answers the row again."""
    services.phrase_add(
        actor=request.user, project=obj, unit_id=record.unit_id, text=request.POST.get("note", "")
    )
    return _row(request, obj, assessment, rnd, record)


@login_required
@action(load=_assessment("project.record"), back=_to_detail)
def adjustment_add(request: HttpRequest, obj, assessment) -> HttpResponse:
    """整体测评: raise or lower a result because of a documented compensating measure."""
    rnd = services.current_round(assessment)
    target = None
    if request.POST.get("object"):
        target = selectors.object_get(
            actor=request.user, assessment=assessment, object_id=int(request.POST["object"])
        )
    services.adjustment_add(
        actor=request.user,
        rnd=rnd,
        unit_id=request.POST.get("unit_id", "").strip().upper(),
        obj=target,
        to=request.POST.get("to", ""),
        kind=request.POST.get("kind", ""),
        reason=request.POST.get("reason", ""),
    )
    messages.success(request, _("已记录整体测评调整。"))
    return _to_detail(request, obj, assessment)
