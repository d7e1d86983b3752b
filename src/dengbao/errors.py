"""What a service's refusal means, told apart by type, not by its message (issue 19 item 6).

Every class extends the Django exception its callers already handle, so a view, the action
shape (``dengbao.actions``) and Django's own handlers keep working; the API maps them to
statuses by type (``api_support.user_errors``):

- ``NotFound`` (404): nothing the actor may see by that name; ``what`` says which kind of thing.
- ``Denied`` (403): the permission layer refused an action (audited there); carries its name.
- ``Refused`` (403): a rule, not a missing right, refuses; its message is for the user.
- ``Conflict`` (409): someone changed the thing first; the stored state wins.
- ``NotReady`` (409): the thing asked for does not exist yet (a document not generated).
- ``TooBig`` (413): an upload beyond the limit.
Any other ``ValidationError`` is refused input (400).

This module sits below every app: it imports only Django.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404


class NotFound(Http404):
    def __init__(self, what: str = "object") -> None:
        super().__init__(f"{what} not found")
        self.what = what


class Denied(PermissionDenied):
    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action


class Refused(PermissionDenied):
    pass


class Conflict(ValidationError):
    pass


class NotReady(ValidationError):
    pass


class TooBig(ValidationError):
    pass
