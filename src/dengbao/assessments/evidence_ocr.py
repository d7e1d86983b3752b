"""Text of evidence screenshots, read by offline OCR in the background and kept on the evidence.

An uploaded image is marked 待识别 and a background job (``dengbao.tasks.dispatch``, after the
upload's transaction commits) reads it with ``core.ocr``. The job stores the text, its mean
confidence and when it ran, or why it could not (not an image, too many pixels, engine not
installed). Files that are not images are left alone. ``dengbao evidence ocr`` (re)reads
existing evidence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import PurePath

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from dengbao import tasks
from dengbao.core import ocr

from .models import Evidence, OcrState

log = logging.getLogger("dengbao.ocr")

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".webp", ".bmp"}


def is_image(evidence: Evidence) -> bool:
    """Declared as an image by its type or name; the OCR step checks the bytes themselves."""
    return evidence.content_type.startswith("image/") or PurePath(evidence.filename).suffix.lower() in (
        IMAGE_SUFFIXES
    )


def schedule(evidence: Evidence) -> bool:
    """Mark an image 待识别 and read it in the background once the caller's transaction commits."""
    if not is_image(evidence):
        return False
    Evidence.objects.filter(pk=evidence.pk).update(ocr_state=OcrState.PENDING, ocr_error="")
    evidence.ocr_state = OcrState.PENDING
    pk = evidence.pk
    transaction.on_commit(lambda: tasks.dispatch(read_evidence, pk))
    return True


def read_evidence(evidence_id: int) -> str:
    """The background job: OCR one evidence image and store the outcome; returns the new state."""
    evidence = Evidence.objects.filter(pk=evidence_id).first()
    if evidence is None:
        return ""
    limit = min(ocr.MAX_IMAGE_BYTES, settings.DENGBAO_MAX_UPLOAD_BYTES)
    fields: dict[str, object] = {"ocr_at": timezone.now()}
    try:
        if evidence.size > limit:
            raise ocr.ImageRefused(f"图片过大：上限 {limit // (1024 * 1024)} MB")
        with evidence.file.open("rb") as fh:
            data = fh.read(limit + 1)
        result = ocr.read_text(data, max_bytes=limit)
    except (ocr.ImageRefused, ocr.OcrUnavailable, OSError) as exc:
        log.info("evidence %s not read: %s", evidence_id, exc)
        fields.update(ocr_state=OcrState.FAILED, ocr_text="", ocr_confidence=None, ocr_error=str(exc)[:300])
    else:
        fields.update(
            ocr_state=OcrState.DONE,
            ocr_text=result.text,
            ocr_confidence=round(result.confidence, 4) if result.confidence is not None else None,
            ocr_error="",
        )
        log.info("evidence %s read: %d lines in %.2f s", evidence_id, len(result.lines), result.seconds)
    Evidence.objects.filter(pk=evidence_id).update(**fields)
    return str(fields["ocr_state"])


def to_read(*, everything: bool = False) -> QuerySet[Evidence]:
    """Images still to read (not read yet, or failed), or with ``everything`` every image."""
    images = [e.pk for e in Evidence.objects.only("pk", "content_type", "filename") if is_image(e)]
    qs = Evidence.objects.filter(pk__in=images).order_by("pk")
    return qs if everything else qs.exclude(ocr_state=OcrState.DONE)


def read_many(ids: Iterable[int], progress: Callable[[int], None] | None = None) -> dict[str, int]:
    """Read the given evidence now, in this process (the CLI); counts per resulting state."""
    counts: dict[str, int] = {}
    for evidence_id in ids:
        state = read_evidence(evidence_id)
        counts[state] = counts.get(state, 0) + 1
        if progress is not None:
            progress(1)
    return counts
