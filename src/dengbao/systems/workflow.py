"""The grading states as model choices (the rules live in core.grading_workflow)."""

from django.db import models

from dengbao.core.grading_workflow import LABELS, State


class GradingState(models.TextChoices):
    DRAFT = State.DRAFT.value, LABELS[State.DRAFT]
    EXPERT_REVIEW = State.EXPERT_REVIEW.value, LABELS[State.EXPERT_REVIEW]
    AUTHORITY = State.AUTHORITY.value, LABELS[State.AUTHORITY]
    POLICE = State.POLICE.value, LABELS[State.POLICE]
    GRADED = State.GRADED.value, LABELS[State.GRADED]
    SUPERSEDED = State.SUPERSEDED.value, LABELS[State.SUPERSEDED]
