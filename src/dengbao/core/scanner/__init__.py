"""Authorised network scanning: the scope check and two engines (nmap and a built-in asyncio scanner).

Pure Python, no Django. The scanning app calls:

- ``Scope.build(cidrs=…, hosts=…, urls=…, exclude=…, ports=…, techniques=…, windows=…, periods=…,
  valid_from=…, valid_until=…, revoked=…)`` -> ``Scope`` (``TimeWindow.of(weekdays, "22:00", "06:00")``,
  ``Period(start, end)``; times are Beijing time).
- ``check(scope, *, targets, ports, technique, at) -> list[Refusal]``: every reason a request is
  outside the scope, in Chinese (``Refusal.code`` / ``.reason`` / ``.to_dict()``); empty = allowed.
- ``await resolve(targets) -> tuple[Target, ...]`` resolves names once; ``expand(targets)`` gives the
  exact addresses the engine may touch (pure; refuses unresolved names and more than a /16).
- ``ScanRequest(targets, ports=None, profile="quick", technique=None, rate=None, concurrency=512,
  timeout=1.5)``; profiles: quick, full, service, web (``PROFILES``).
- ``await run(request, scope, *, engine="auto", progress=None, cancel=None, at=None) -> ScanResult``
  checks first and raises ``ScopeRefused(refusals)`` before any packet; ``engine`` is auto, builtin
  or nmap; ``progress(done, total)`` may be sync or async; ``cancel`` is anything with ``is_set()``.
- ``ScanResult.engine`` records the scanner used; ``.open`` (OpenPort), ``.findings`` (importers'
  ``Finding``, tool "dengbao-scanner"), ``.errors``, ``.stopped``; ``.observations()`` for the
  service inventory; ``.to_dict()`` for JSON.
"""

from .guard import Guard, OutOfScope
from .ports import compact, parse_ports
from .profiles import PROFILES, Profile
from .results import OpenPort, ScanResult
from .runner import ScanRequest, ScopeRefused, pick_engine, run
from .scope import Refusal, Scope, Technique, check
from .targets import DEFAULT_LIMIT, Target, TargetError, expand, resolve, resolve_sync
from .windows import Period, TimeWindow

__all__ = [
    "DEFAULT_LIMIT",
    "PROFILES",
    "Guard",
    "OpenPort",
    "OutOfScope",
    "Period",
    "Profile",
    "Refusal",
    "ScanRequest",
    "ScanResult",
    "Scope",
    "ScopeRefused",
    "Target",
    "TargetError",
    "Technique",
    "TimeWindow",
    "check",
    "compact",
    "expand",
    "parse_ports",
    "pick_engine",
    "resolve",
    "resolve_sync",
    "run",
]
