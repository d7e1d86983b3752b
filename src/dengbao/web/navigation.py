"""The modules shown in the navigation. An app that lands adds its URL name here."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Module:
    key: str
    label: str
    url_name: str | None  # None: not built yet, shown greyed out
    action: str = "project.view"  # shown only to members allowed this action


PROJECT_MODULES: tuple[Module, ...] = (
    Module("dashboard", _("项目概览"), "web:project_dashboard"),
    Module("systems", _("定级备案"), "systems:list"),
    Module("assessments", _("等级测评"), "assessments:list"),
    Module("scanning", _("漏洞扫描"), "scanning:overview"),
    Module("monitoring", _("网站监测"), "monitoring:wall"),
    Module("engagement", _("项目管理"), "engagements:dashboard"),
    Module("reports", _("文档报告"), "reports:list"),
    Module("members", _("项目成员"), "manage:project_members", "project.manage_members"),
)
