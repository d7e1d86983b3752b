"""Chinese first, English on request: the language switch and the English catalogue."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from dengbao.accounts.roles import ProjectRole

LC_MESSAGES = Path(settings.LOCALE_PATHS[0]) / "en" / "LC_MESSAGES"
PO_FILE = LC_MESSAGES / "django.po"
MO_FILE = LC_MESSAGES / "django.mo"
DASHBOARD = "/projects/proj-a/"

PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")


@pytest.fixture(autouse=True)
def _restore_language():
    """The middleware activates the request's language for the thread; leave Chinese behind."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


# --- A small reader for the .po file -----------------------------------------------------------


def _unquote(text: str) -> str:
    text = text.strip()
    assert text.startswith('"') and text.endswith('"'), text
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), "\\" + m.group(1)), text[1:-1])


def read_po(path: Path) -> list[dict]:
    """Entries as dicts: flags, ctxt, id, plural, str ({None: msgstr} or {0: msgstr[0], ...})."""
    entries: list[dict] = []
    entry: dict = {}
    field: tuple = ()

    def flush() -> None:
        nonlocal entry
        if "id" in entry:
            entries.append(entry)
        entry = {}

    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line:
            flush()
        elif line.startswith("#~"):
            entry["obsolete"] = True
        elif line.startswith("#,"):
            if "str" in entry:
                flush()
            entry.setdefault("flags", set()).update(f.strip() for f in line[2:].split(","))
        elif line.startswith("#"):
            if "str" in entry:
                flush()
        elif line.startswith('"'):
            if field[0] == "str":
                entry["str"][field[1]] += _unquote(line)
            else:
                entry[field[0]] += _unquote(line)
        else:
            keyword, value = line.split(" ", 1)
            if keyword in ("msgctxt", "msgid") and "str" in entry:
                flush()
            if keyword == "msgctxt":
                entry["ctxt"], field = _unquote(value), ("ctxt",)
            elif keyword == "msgid":
                entry["id"], field = _unquote(value), ("id",)
            elif keyword == "msgid_plural":
                entry["plural"], field = _unquote(value), ("plural",)
            else:
                match = re.fullmatch(r"msgstr(?:\[(\d+)\])?", keyword)
                assert match, line
                index = int(match.group(1)) if match.group(1) is not None else None
                entry.setdefault("str", {})[index] = _unquote(value)
                field = ("str", index)
    flush()
    return entries


def po_catalogue(path: Path) -> dict:
    """The .po as gettext's own catalogue keys: msgid, or (msgid, n) for plural forms."""
    catalogue: dict = {}
    for entry in read_po(path):
        if entry.get("obsolete") or entry["id"] == "" or "fuzzy" in entry.get("flags", ()):
            continue
        key = entry["id"] if "ctxt" not in entry else f"{entry['ctxt']}\x04{entry['id']}"
        if "plural" in entry:
            for index, text in entry["str"].items():
                catalogue[(key, index)] = text
        else:
            catalogue[key] = entry["str"][None]
    return catalogue


def mo_catalogue(path: Path) -> dict:
    with path.open("rb") as handle:
        catalogue = dict(gettext.GNUTranslations(handle)._catalog)
    catalogue.pop("", None)  # the header
    return catalogue


# --- The language switch ------------------------------------------------------------------------


def test_chinese_by_default_whatever_the_browser_asks(world_a, login):
    client = login(world_a.members[ProjectRole.MANAGER])
    response = client.get(DASHBOARD, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "项目成员" in html
    assert "Project members" not in html
    assert response.headers["Content-Language"] == "zh-hans"
    assert '<html lang="zh-CN">' in html


def test_language_cookie_switches_to_english(world_a, login):
    client = login(world_a.members[ProjectRole.MANAGER])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Project members" in html
    assert "Grading objects" in html
    assert "Project manager" in html  # the member's role label
    for chinese in ("项目成员", "定级对象", "待办与提醒", "项目经理"):
        assert chinese not in html
    assert response.headers["Content-Language"] == "en"
    assert '<html lang="en">' in html


def test_language_switch_sets_the_cookie(world_a, login):
    client = login(world_a.members[ProjectRole.MANAGER])
    response = client.post("/i18n/setlang/", {"language": "en", "next": DASHBOARD})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Project members" in client.get(DASHBOARD).content.decode()

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": DASHBOARD})
    assert "项目成员" in client.get(DASHBOARD).content.decode()


def test_the_choice_outlives_the_browser_and_follows_the_user(world_a, login):
    from dengbao.audit.models import AuditEvent

    manager = world_a.members[ProjectRole.MANAGER]
    client = login(manager)
    client.post("/i18n/setlang/", {"language": "en", "next": DASHBOARD})
    cookie = client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie["max-age"] == 365 * 24 * 3600 and cookie["httponly"]  # not a session cookie
    manager.refresh_from_db()
    assert manager.language == "en"
    event = AuditEvent.objects.filter(action="user.language").latest("pk")
    assert event.details["after"] == {"language": "en"}
    other_browser = login(manager)  # a fresh browser, no language cookie
    assert "Project members" in other_browser.get(DASHBOARD).content.decode()
    other_browser.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"  # this browser's own choice wins
    assert "项目成员" in other_browser.get(DASHBOARD).content.decode()
    colleague = login(world_a.members[ProjectRole.ASSESSOR])  # another user keeps the default
    assert "项目成员" in colleague.get(DASHBOARD).content.decode()


def test_unknown_language_cookie_falls_back_to_chinese(world_a, login):
    client = login(world_a.members[ProjectRole.MANAGER])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert "项目成员" in client.get(DASHBOARD).content.decode()


# --- The catalogue ------------------------------------------------------------------------------


def test_every_entry_is_translated_and_none_is_fuzzy():
    entries = read_po(PO_FILE)
    assert len(entries) > 100
    problems = []
    for entry in entries:
        label = repr(entry["id"])
        if "fuzzy" in entry.get("flags", ()):
            problems.append(f"fuzzy: {label}")
        if entry["id"] == "":
            continue
        if entry.get("obsolete"):
            problems.append(f"obsolete: {label}")
            continue
        if not entry.get("str") or not all(text.strip() for text in entry["str"].values()):
            problems.append(f"untranslated: {label}")
            continue
        sources = [entry["id"], entry.get("plural", entry["id"])]
        for index, text in entry["str"].items():
            source = sources[min(index or 0, 1)]
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                problems.append(f"placeholders differ: {label} -> {text!r}")
    assert problems == []


def test_language_names():
    catalogue = po_catalogue(PO_FILE)
    assert catalogue["简体中文"] == "简体中文"
    assert catalogue["English"] == "English"


def test_compiled_catalogue_is_up_to_date():
    assert mo_catalogue(MO_FILE) == po_catalogue(PO_FILE)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_compiled_catalogue_matches_msgfmt(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(compiled), str(PO_FILE)], check=True)
    assert mo_catalogue(MO_FILE) == mo_catalogue(compiled)
