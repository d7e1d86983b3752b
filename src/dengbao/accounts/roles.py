"""The roles a person can hold: one platform role, and one role per project."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationKind(models.TextChoices):
    PROVIDER = "provider", _("测评机构/安全服务商")
    CLIENT = "client", _("被测单位")


class PlatformRole(models.TextChoices):
    """三权分立: the three administrators are separate people with separate powers."""

    NONE = "", _("普通用户")
    SYSADMIN = "sysadmin", _("系统管理员")
    SECADMIN = "secadmin", _("安全管理员")
    AUDITADMIN = "auditadmin", _("审计管理员")


class ProjectRole(models.TextChoices):
    MANAGER = "manager", _("项目经理")
    ASSESSOR = "assessor", _("测评师")
    REVIEWER = "reviewer", _("审核员")
    CLIENT = "client", _("客户联系人")


# Roles whose holders must use two-factor authentication.
TWO_FACTOR_PLATFORM_ROLES = frozenset({PlatformRole.SYSADMIN, PlatformRole.SECADMIN, PlatformRole.AUDITADMIN})
TWO_FACTOR_PROJECT_ROLES = frozenset({ProjectRole.REVIEWER})
