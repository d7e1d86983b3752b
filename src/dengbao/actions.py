"""One shape for the views that change something (issue 19 item 2).

An action view loads its objects through the permission layer, refuses a method it does not
take, runs one service call and answers with a redirect (and a message) or a fragment. What a
hand-written view repeated each time lives here once::

    @login_required
    @action(load=_assessment("project.edit"), back=_to_detail)
    def round_finalise(request, obj, assessment):
        rnd = services.round_finalise(actor=request.user, rnd=services.current_round(assessment))
        return done(request, _("%(r)s已定稿。") % {"r": rnd.label}, _to_detail(request, obj, assessment))

The order is the one the authorisation matrix (tests/authz) relies on: ``load`` runs first, so a
stranger learns 403 or 404 whatever the method, and only then does a wrong method get 405. A
ValidationError (ConflictError included) raised by the view goes to ``invalid``; by default each of
its messages becomes an error message and the answer is ``back``. PermissionDenied and Http404 pass
through to Django's handlers, as before.

This module sits below every app (apps import it; it imports only Django), so the permission layer
is reached through each app's ``load`` function, never from here.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect

View = Callable[..., HttpResponse]
Loader = Callable[..., dict[str, Any]]
Back = Callable[..., HttpResponse]
Invalid = Callable[..., HttpResponse]

SAFE = ("GET", "HEAD")


def report(
    request: HttpRequest, exc: ValidationError, *, limit: int | None = None, join: str | None = None
) -> None:
    """The messages of ``exc`` as error messages: one each (at most ``limit``), or one joined by ``join``."""
    found = exc.messages if limit is None else exc.messages[:limit]
    if join is not None:
        messages.error(request, join.join(found))
        return
    for message in found:
        messages.error(request, message)


def done(
    request: HttpRequest, message: str, response: HttpResponse | str, *args: Any, **kwargs: Any
) -> HttpResponse:
    """A success message, then ``response`` (or a redirect to the URL name ``response``)."""
    messages.success(request, message)
    return redirect(response, *args, **kwargs) if isinstance(response, str) else response


@contextlib.contextmanager
def reporting(request: HttpRequest, *, limit: int | None = None, join: str | None = None) -> Iterator[None]:
    """A best-effort step inside an action: a ValidationError becomes error messages, and the action
    carries on (files attached after the record they belong to was saved, say)."""
    try:
        yield
    except ValidationError as exc:
        report(request, exc, limit=limit, join=join)


def back_to(name: str, *params: str) -> Back:
    """``back``: a redirect to the URL ``name`` with ``params`` taken from the request's own URL arguments."""

    def respond(request: HttpRequest, **_loaded: Any) -> HttpResponse:
        url_kwargs = request.resolver_match.kwargs if request.resolver_match else {}
        return redirect(name, **{p: url_kwargs[p] for p in params})

    return respond


def action(
    *,
    load: Loader | None = None,
    back: Back | None = None,
    methods: Iterable[str] = ("POST",),
    invalid: Invalid | None = None,
    limit: int | None = None,
    join: str | None = None,
) -> Callable[[View], View]:
    """Wrap an action view: load (permission first), refuse other methods (405), map ValidationError.

    load: ``load(request, **url_kwargs)`` returns the view's keyword arguments (objects read through
        the permission layer); without it the view gets the URL arguments unchanged.
    back: ``back(request, **loaded)`` answers after a refused input (error messages already added).
    invalid: ``invalid(request, exc, **loaded)`` answers a refused input in full instead (a fragment
        carrying the error, a page drawn again); it reports the messages itself where it wants them.
    limit/join: how the default reports the messages (at most ``limit``; or one message, joined by ``join``).
    """
    allowed = [m.upper() for m in methods]

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, **url_kwargs: Any) -> HttpResponse:
            loaded = load(request, **url_kwargs) if load is not None else url_kwargs
            if request.method not in allowed:
                return HttpResponseNotAllowed(allowed)
            if request.method in SAFE:  # reading a page: an error there is a bug, not a refused input
                return view(request, **loaded)
            try:
                return view(request, **loaded)
            except ValidationError as exc:
                if invalid is not None:
                    return invalid(request, exc, **loaded)
                if back is None:
                    raise
                report(request, exc, limit=limit, join=join)
                return back(request, **loaded)

        wrapper.action_methods = tuple(allowed)  # type: ignore[attr-defined]  # read by tests/test_view_shape.py
        return wrapper

    return decorate


def reported(
    page: Callable[..., HttpResponse], *, limit: int | None = None, join: str | None = None
) -> Invalid:
    """``invalid``: report the messages, then answer ``page(request, **loaded)`` (a form drawn again)."""

    def respond(request: HttpRequest, exc: ValidationError, **loaded: Any) -> HttpResponse:
        report(request, exc, limit=limit, join=join)
        return page(request, **loaded)

    return respond
