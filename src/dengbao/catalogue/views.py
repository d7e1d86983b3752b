"""Catalogue pages: browse and search, one unit, level comparison, high-risk cases, export, wording import."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from dengbao.accounts import permissions
from dengbao.core.catalogue import query
from dengbao.core.catalogue.vocab import CATEGORY_BY_CODE, PARTS
from dengbao.core.catalogue.wording import WordingError

from . import selectors, services
from .forms import BrowseForm, CompareForm, ExportForm, WordingUploadForm


@login_required
def browse(request: HttpRequest) -> HttpResponse:
    cat = selectors.catalogue(actor=request.user)
    form = BrowseForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    items = query.select(
        cat,
        level=int(filters["level"]) if filters.get("level") else None,
        part=filters.get("part") or None,
        category=filters.get("category") or None,
        control_point=filters.get("control_point") or None,
        object_type=filters.get("object_type") or None,
        text=filters.get("q") or None,
    )
    page = Paginator(items, 100).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "total": len(items),
        "stats": query.stats(cat),
        "catalogue": cat,
        "wording_count": selectors.wording_count(actor=request.user),
        "base_qs": _without_page(request),
        "decided": set(selectors.rules_by_unit(actor=request.user)),  # units a collection rule decides
    }
    template = "catalogue/_results.html" if request.headers.get("HX-Request") else "catalogue/browse.html"
    return render(request, template, context)


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def unit_detail(request: HttpRequest, unit_id: str) -> HttpResponse:
    cat = selectors.catalogue(actor=request.user)
    item = cat.by_id.get(unit_id.upper())
    if item is None:
        raise Http404
    siblings = [
        other
        for other in cat.items
        if other.part == item.part
        and other.category == item.category
        and other.control_point == item.control_point
        and other.level != item.level
    ]
    context = {
        "item": item,
        "category": CATEGORY_BY_CODE[item.category],
        "part_name": PARTS[item.part][1],
        "cases": query.high_risk_for(cat, item.id),
        "siblings": siblings,
        "own": selectors.wording_for(actor=request.user).get(item.id),
        "rules": selectors.rules_by_unit(actor=request.user).get(item.id, []),
    }
    return render(request, "catalogue/unit_detail.html", context)


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    cat = selectors.catalogue(actor=request.user)
    form = CompareForm(request.GET or {"lower": 2, "higher": 3, "part": "general"})
    diff = None
    rows = []
    if form.is_valid():
        d = form.cleaned_data
        diff = query.diff_levels(cat, d["lower"], d["higher"], part=d["part"])
        lower_items = query.select(cat, level=d["lower"], part=d["part"])
        higher_items = query.select(cat, level=d["higher"], part=d["part"])
        keys = list(dict.fromkeys((i.category, i.control_point) for i in higher_items + lower_items))
        added = {i.id for i in diff.added}
        changed = {b.id for _a, b in diff.changed}
        for key in keys:
            rows.append(
                {
                    "category": CATEGORY_BY_CODE[key[0]].name,
                    "control_point": key[1],
                    "lower": [i for i in lower_items if (i.category, i.control_point) == key],
                    "higher": [
                        (i, "added" if i.id in added else "changed" if i.id in changed else "same")
                        for i in higher_items
                        if (i.category, i.control_point) == key
                    ],
                }
            )
    return render(request, "catalogue/compare.html", {"form": form, "diff": diff, "rows": rows})


@login_required
def high_risk(request: HttpRequest) -> HttpResponse:
    cat = selectors.catalogue(actor=request.user)
    return render(request, "catalogue/high_risk.html", {"cases": cat.high_risk})


@login_required
def export(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.GET or None)
    if request.GET and form.is_valid():
        d = form.cleaned_data
        try:
            _title, _count, content = selectors.checklist_workbook(
                actor=request.user, level=d.get("level"), sa=d["sa"], extensions=tuple(d["extensions"])
            )
        except ValueError as exc:
            form.add_error(None, str(exc))
        else:
            response = HttpResponse(
                content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            )
            filename = f"checklist-{d['sa'] or 'L' + str(d['level'])}.xlsx"
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
    return render(request, "catalogue/export.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def wording(request: HttpRequest) -> HttpResponse:
    permissions.require(request.user, "catalogue.manage_wording")
    form = WordingUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and request.POST.get("clear"):
        removed = services.wording_clear(actor=request.user)
        messages.success(request, _("已清除 %(n)d 条机构措辞。") % {"n": removed})
        return redirect("catalogue:wording")
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            count = services.wording_import(actor=request.user, stream=upload.file, filename=upload.name)
        except WordingError as exc:
            problems = exc.problems
        else:
            messages.success(request, _("已导入 %(n)d 条机构措辞。") % {"n": count})
            return redirect("catalogue:wording")
    context = {"form": form, "problems": problems, "count": selectors.wording_count(actor=request.user)}
    return render(request, "catalogue/wording.html", context)
