"""The grading workflow of GB/T 22240-2020 §4.4 / ch.7 as a small state machine.

草拟 → 专家评审 (level ≥ 2) → 主管部门核准 (only if there is a competent authority)
→ 公安备案审核 → 已定级. A level-1 object may be self-determined (草拟 → 已定级).
The police may send a grading back (→ 草拟, 重新定级). A change of business or
service scope starts a new version (等级变更); the old one is kept as 已变更.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class State(StrEnum):
    DRAFT = "draft"
    EXPERT_REVIEW = "expert_review"
    AUTHORITY = "authority"
    POLICE = "police"
    GRADED = "graded"
    SUPERSEDED = "superseded"

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS = {
    State.DRAFT: "草拟",
    State.EXPERT_REVIEW: "专家评审",
    State.AUTHORITY: "主管部门核准",
    State.POLICE: "公安备案审核",
    State.GRADED: "已定级",
    State.SUPERSEDED: "已变更",
}


@dataclass(frozen=True)
class Facts:
    """What the workflow needs to know about a grading to allow a step."""

    level: int | None
    has_competent_authority: bool = False
    review_recorded: bool = False  # date, at least one expert, opinion
    authority_recorded: bool = False  # date and opinion
    police_recorded: bool = False  # bureau and date
    police_opinion: str = ""


def problems(current: State, target: State, facts: Facts) -> list[str]:
    """Why ``current → target`` is not allowed (empty list: allowed)."""
    if (current, target) not in _EDGES:
        return [f"不能从“{current.label}”直接转到“{target.label}”"]
    out: list[str] = []
    if facts.level is None:
        out.append("尚未确定等级：请先填写受侵害客体与侵害程度")
        return out
    if current is State.DRAFT and target is State.GRADED and facts.level >= 2:
        out.append(f"第{facts.level}级须经专家评审和公安机关备案审核，只有第一级可自主定级")
    if current is State.DRAFT and target is State.EXPERT_REVIEW and facts.level < 2:
        out.append("第一级可自主定级，无需专家评审")
    if current is State.EXPERT_REVIEW:
        if not facts.review_recorded:
            out.append("请先记录专家评审：日期、评审专家和评审意见")
        if target is State.AUTHORITY and not facts.has_competent_authority:
            out.append("该定级对象没有行业主管部门，应直接提交公安机关备案审核")
        if target is State.POLICE and facts.has_competent_authority:
            out.append("该定级对象有行业主管部门，须先经主管部门核准")
    if current is State.AUTHORITY and target is State.POLICE and not facts.authority_recorded:
        out.append("请先记录主管部门核准日期和核准意见")
    if current is State.POLICE and target is State.GRADED and not facts.police_recorded:
        out.append("请先记录受理的公安机关和审核日期")
    if current is State.POLICE and target is State.DRAFT and not facts.police_opinion.strip():
        out.append("退回重新定级时须记录公安机关的审核意见")
    return out


def next_states(current: State) -> list[State]:
    """The states the workflow has an edge to from ``current``, in workflow order."""
    return [target for target in State if (current, target) in _EDGES]


def allowed_targets(current: State, facts: Facts) -> list[State]:
    return [target for target in next_states(current) if not problems(current, target, facts)]


_EDGES = {
    (State.DRAFT, State.EXPERT_REVIEW),
    (State.DRAFT, State.GRADED),  # level 1 only
    (State.EXPERT_REVIEW, State.DRAFT),  # back to the drafter
    (State.EXPERT_REVIEW, State.AUTHORITY),
    (State.EXPERT_REVIEW, State.POLICE),
    (State.AUTHORITY, State.POLICE),
    (State.AUTHORITY, State.DRAFT),
    (State.POLICE, State.GRADED),
    (State.POLICE, State.DRAFT),  # 审核不通过，重新定级
}
