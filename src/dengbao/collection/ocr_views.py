"""The proposals page's 按截图文字生成建议: OCR rules over one object's read screenshots."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from dengbao.accounts import selectors as account_selectors
from dengbao.assessments import selectors as assessment_selectors

from . import ocr_services


@login_required
def screenshots_propose(request: HttpRequest, project: str, assessment_id: int) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    proj = account_selectors.project_get(actor=request.user, slug=project, action="project.record")
    assessment = assessment_selectors.assessment_get(
        actor=request.user, project=proj, assessment_id=assessment_id
    )
    try:
        object_id = int(request.POST.get("object", ""))
    except ValueError:
        object_id = 0
    obj = assessment_selectors.object_get(actor=request.user, assessment=assessment, object_id=object_id)
    try:
        outcome = ocr_services.screenshots_propose(actor=request.user, obj=obj)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(o)s：截图规则通过 %(p)d、不通过 %(x)d，建议 %(n)d 条（低置信度，请核对截图）")
            % {
                "o": obj.name,
                "p": outcome.counts["pass"],
                "x": outcome.counts["fail"],
                "n": len(outcome.proposals),
            },
        )
    return redirect("collection:proposals", project=proj.slug, assessment_id=assessment.pk)
