"""The grading states as model choices (the rules live in core.grading_workflow)."""

from django.db import models

from dengbao.core.grading_workflow import LABELS, State
from dengbao.terms import term_lazy


class GradingState(models.TextChoices):
    DRAFT = State.DRAFT.value, term_lazy(LABELS[State.DRAFT])
    EXPERT_REVIEW = State.EXPERT_REVIEW.value, term_lazy(LABELS[State.EXPERT_REVIEW])
    AUTHORITY = State.AUTHORITY.value, term_lazy(LABELS[State.AUTHORITY])
    POLICE = State.POLICE.value, term_lazy(LABELS[State.POLICE])
    GRADED = State.GRADED.value, term_lazy(LABELS[State.GRADED])
    SUPERSEDED = State.SUPERSEDED.value, term_lazy(LABELS[State.SUPERSEDED])
