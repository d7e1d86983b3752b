"""Organisations, people and projects (an engagement with one client)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import OrganisationKind, PlatformRole, ProjectRole


class Organisation(models.Model):
    name = models.CharField(_("名称"), max_length=200, unique=True)
    kind = models.CharField(_("类型"), max_length=16, choices=OrganisationKind.choices)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person. Belongs to one organisation; holds at most one platform role."""

    display_name = models.CharField(_("姓名"), max_length=100, blank=True)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    platform_role = models.CharField(
        _("平台角色"), max_length=16, choices=PlatformRole.choices, blank=True, default=""
    )
    phone = models.CharField(_("手机"), max_length=32, blank=True)
    language = models.CharField(_("界面语言"), max_length=16, blank=True)  # a LANGUAGES code; blank = default
    failed_login_count = models.PositiveIntegerField(default=0, editable=False)
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class Project(models.Model):
    """One engagement with one client: assessment and services, with its members."""

    slug = models.SlugField(_("标识"), max_length=64, unique=True)
    name = models.CharField(_("项目名称"), max_length=200)
    client = models.ForeignKey(
        Organisation, verbose_name=_("被测单位"), on_delete=models.PROTECT, related_name="client_projects"
    )
    provider = models.ForeignKey(
        Organisation, verbose_name=_("服务机构"), on_delete=models.PROTECT, related_name="provider_projects"
    )
    description = models.TextField(_("说明"), blank=True)
    start_date = models.DateField(_("开始日期"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    members = models.ManyToManyField(User, through="Membership", related_name="projects")

    class Meta:
        verbose_name = _("项目")
        verbose_name_plural = _("项目")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("项目角色"), max_length=16, choices=ProjectRole.choices)
    added_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("项目成员")
        verbose_name_plural = _("项目成员")
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="one_role_per_project")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.project}: {self.get_role_display()}"


class ApiToken(models.Model):
    """A personal API token. Only a hash of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("用途"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


class UserSession(models.Model):
    """Which session belongs to whom, so that a password or 2FA reset can end every one of them.

    Django's session store (database, cache or both) cannot be searched by user; this index can.
    A row may outlive its session (logged out, expired): ending it is then a no-op.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("登录会话")
        verbose_name_plural = _("登录会话")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.session_key[:6]}…"
