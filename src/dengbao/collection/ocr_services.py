"""Proposals from the text of an object's evidence screenshots (rules of platform "ocr").

The recognised text of the object's screenshots in the open round is the artefact ``ocr_text``
(each screenshot's text under a heading line naming it). That text is kept as a JSON snapshot,
hashed like a bundle (platform "ocr"), so every proposal still points at the exact evidence it
read. Proposals made this way are lower-confidence: the proposals page marks them, and accepting
them is the same reviewed step as for any other rule.
"""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction

from dengbao.accounts import permissions
from dengbao.accounts.models import User
from dengbao.assessments.models import AssessmentObject, Evidence, OcrState, ResultRecord
from dengbao.assessments.services import current_round
from dengbao.audit import services as audit
from dengbao.core import collect
from dengbao.core.collect.evaluate import OCR_ARTEFACT, OCR_PREFIX

from .models import CollectedBundle, Proposal
from .services import ImportSummary, _level, from_person, rules_for

PLATFORM = "ocr"


def screenshot_artefacts(evidence: list[Evidence]) -> dict[str, str]:
    """``ocr_text`` (every screenshot, each under a heading line) and ``ocr:<id>`` per screenshot."""
    parts = [f"# {e.filename}（证据 {e.pk}）\n{e.ocr_text}" for e in evidence]
    return {OCR_ARTEFACT: "\n".join(parts), **{f"{OCR_PREFIX}{e.pk}": e.ocr_text for e in evidence}}


def screenshots_propose(*, actor: User, obj: AssessmentObject) -> ImportSummary:
    """Evaluate the OCR rules over the object's read screenshots; a proposal per decided unit."""
    assessment = obj.assessment
    project = assessment.project
    permissions.require(actor, "project.record", project)
    rnd = current_round(assessment)
    if rnd.finalised_at is not None:
        raise ValidationError("本轮测评已定稿，不能再生成建议")
    evidence = list(
        Evidence.objects.filter(record__round=rnd, record__obj=obj, ocr_state=OcrState.DONE)
        .exclude(ocr_text="")
        .order_by("pk")
    )
    if not evidence:
        raise ValidationError(f"“{obj.name}”没有已识别文字的截图证据")
    rules = rules_for(PLATFORM)
    records = {r.unit_id: r for r in ResultRecord.objects.filter(round=rnd, obj=obj)}
    level = _level(obj, records.values())
    artefacts = screenshot_artefacts(evidence)
    results = collect.evaluate(rules, artefacts)
    unit_proposals = collect.propose(results, level=level)
    snapshot = json.dumps(
        {
            "platform": PLATFORM,
            "screenshots": [
                {"evidence": e.pk, "file": e.filename, "sha256": e.sha256, "confidence": e.ocr_confidence}
                for e in evidence
            ],
            "artefacts": artefacts,
        },
        ensure_ascii=False,
        indent=1,
    ).encode()
    sha = hashlib.sha256(snapshot).hexdigest()
    warnings = [f"规则 {r.rule.id}：{r.message}" for r in results if r.state is collect.State.ERROR]
    created: list[Proposal] = []
    with transaction.atomic():
        stored = CollectedBundle(
            round=rnd,
            obj=obj,
            filename=f"截图文字（{len(evidence)} 张）.json",
            size=len(snapshot),
            sha256=sha,
            sm3=hashlib.new("sm3", snapshot).hexdigest() if "sm3" in hashlib.algorithms_available else "",
            platform=PLATFORM,
            counts=collect.counts(results),
            rule_results=[r.as_dict() for r in results],
            uploaded_by=actor,
        )
        stored.file.save(f"ocr-{sha[:16]}.json", ContentFile(snapshot), save=False)
        stored.save()
        for up in unit_proposals:
            record = records.get(up.unit)
            if record is None:
                warnings.append(f"{up.unit}：不适用于“{obj.kind}”类对象，未生成建议")
                continue
            Proposal.objects.filter(record=record, status=Proposal.Status.PENDING).update(
                status=Proposal.Status.SUPERSEDED
            )
            if from_person(record):
                warnings.append(f"{up.unit}：已有人工录入的结果“{record.result}”，建议不会覆盖，仅供复核")
            created.append(
                Proposal.objects.create(
                    bundle=stored,
                    record=record,
                    unit_id=up.unit,
                    result=up.result,
                    note=up.note,
                    evidence=[r.as_dict() for r in up.rules],
                    based_on_version=record.version,
                )
            )
        audit.record(
            actor=actor,
            action="collection.screenshots_propose",
            obj=obj,
            details={
                "screenshots": [e.pk for e in evidence],
                "sha256": sha,
                "rules": stored.counts,
                "proposals": len(created),
            },
            project=project,
        )
    return ImportSummary(bundle=stored, counts=stored.counts, proposals=created, warnings=warnings)
