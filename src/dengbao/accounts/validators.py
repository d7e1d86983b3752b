"""Password policy: length >= 10, at least three of four character classes, not the username."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_classes(password: str) -> int:
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


class PolicyValidator:
    def __init__(self, min_length: int = 10, min_classes: int = 3):
        self.min_length = min_length
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    _("密码长度至少 %(n)d 位。") % {"n": self.min_length}, code="password_too_short"
                )
            )
        if character_classes(password) < self.min_classes:
            errors.append(
                ValidationError(
                    _("密码须包含大写字母、小写字母、数字、特殊字符中的至少 %(n)d 类。")
                    % {"n": self.min_classes},
                    code="password_too_simple",
                )
            )
        username = user.get_username() if user is not None else ""
        if username and password.casefold() == username.casefold():
            errors.append(ValidationError(_("密码不能与用户名相同。"), code="password_is_username"))
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return _(
            "至少 %(n)d 位，包含大写字母、小写字母、数字、特殊字符中的至少 %(c)d 类，且不能与用户名相同。"
        ) % {
            "n": self.min_length,
            "c": self.min_classes,
        }
