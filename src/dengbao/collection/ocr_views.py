"""The proposals page's 按截图文字生成建议: OCR rules over one object's read screenshots."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from dengbao import parse
from dengbao.actions import action, done
from dengbao.assessments import selectors as assessment_selectors

from . import ocr_services
from .views import _BACK, _recording


@login_required
@action(load=_recording, back=_BACK, join=" ")
def screenshots_propose(request: HttpRequest, proj, assessment) -> HttpResponse:
    object_id = parse.optional_int(request.POST.get("object")) or 0
    obj = assessment_selectors.object_get(actor=request.user, assessment=assessment, object_id=object_id)
    outcome = ocr_services.screenshots_propose(actor=request.user, obj=obj)
    return done(
        request,
        _("%(o)s：截图规则通过 %(p)d、不通过 %(x)d，建议 %(n)d 条（低置信度，请核对截图）")
        % {
            "o": obj.name,
            "p": outcome.counts["pass"],
            "x": outcome.counts["fail"],
            "n": len(outcome.proposals),
        },
        _BACK(request),
    )
