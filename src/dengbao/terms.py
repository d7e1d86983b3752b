"""The standards' fixed vocabulary in the reader's language.

``core`` keeps the vocabularies of GB/T 22239, GB/T 22240 and the 备案表 as the Chinese terms the
documents print (core has no Django). Pages show them through here: ``term()`` (and the ``term``
template filter) looks a term up in the translation catalogue and gives it back unchanged where
there is no translation; ``choices()`` does the same for a model field's choices. Documents are
made with Chinese active (``translation.override("zh-hans")``), so they keep the official terms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.utils.functional import lazy
from django.utils.translation import gettext, pgettext

_RETEST = re.compile(r"第(\d+)次复测")
_EXTENSION = re.compile(r"(.+)（(.+)扩展）")
# The sentences core writes with figures or names in them (core/scoring's conclusion reasons,
# core/certificates' reminders, core/problems' major-risk count), as catalogue messages; each
# placeholder's kind of value is given below, and the pattern that recognises the sentence is
# built from the message itself.
_SENTENCE_MESSAGES = (
    "符合率 %(rate)s%% 介于 %(low)s%% 与 %(high)s%% 之间",
    "符合率 %(rate)s%% %(op)s %(limit)s%%，且无重大风险隐患",
    "符合率 %(rate)s%% %(op)s %(limit)s%%，但存在 %(n)s 个重大风险隐患",
    "符合率 %(rate)s%% %(op)s %(limit)s%%",
    "%(n)s（%(fixed)s个已整改）",
    "%(system)s：备案已逾期，应在 %(date)s 前到公安机关办理（定级确定或投入运行后 30 日内）",
    "%(system)s：应在 %(date)s 前到公安机关办理备案（定级确定或投入运行后 30 日内）",
    "%(system)s：备案材料提交已超过 10 个工作日（%(date)s），尚未取得备案证明，请向受理机关查询",
    "%(system)s：备案材料已提交，公安机关应在 %(date)s 前审核并出具备案证明（10 个工作日）",
    "%(system)s：按 2025 模板重新备案（公网安〔2025〕1846号，现有备案为旧版表格）",
    "%(system)s：第%(level)s级每年开展一次等级测评，下次应在 %(date)s 前完成",
    "%(system)s：备案证明已于 %(date)s 到期",
    "%(system)s：备案证明将于 %(date)s 到期，请在到期前三个月内申请延续",
    "%(system)s：定级已变更，需重新备案",
)
_NUMBER, _COUNT = r"[\d.]+", r"\d+"
_VALUES = {
    "rate": _NUMBER,
    "low": _NUMBER,
    "high": _NUMBER,
    "limit": _NUMBER,
    "op": r"[<>≤≥]",
    "n": _COUNT,
    "fixed": _COUNT,
    "level": _COUNT,
    "date": r"\d{4}-\d{2}-\d{2}",
    "system": r".+?",
}


def _pattern(message: str) -> re.Pattern[str]:
    parts = re.split(r"(%\(\w+\)s|%%)", message)
    regex = "".join(
        "%"
        if part == "%%"
        else f"(?P<{part[2:-2]}>{_VALUES[part[2:-2]]})"
        if part.startswith("%(")
        else re.escape(part)
        for part in parts
    )
    return re.compile(regex)


_SENTENCES = tuple((_pattern(message), message) for message in _SENTENCE_MESSAGES)


def term(text: object) -> str:
    """``text`` translated when it is one of the standards' terms; anything else as it is."""
    value = "" if text is None else str(text)
    if not value:
        return value
    retest = _RETEST.fullmatch(value)
    if retest:
        return pgettext("round", "第%(n)s次复测") % {"n": retest.group(1)}
    extension = _EXTENSION.fullmatch(value)
    if extension:
        return pgettext("category of an extension", "%(category)s（%(extension)s扩展）") % {
            "category": gettext(extension.group(1)),
            "extension": gettext(extension.group(2)),
        }
    for pattern, message in _SENTENCES:
        found = pattern.fullmatch(value)
        if found:
            return gettext(message) % found.groupdict()
    return gettext(value)


term_lazy = lazy(term, str)


def choices(pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Model-field choices whose labels (Chinese terms from core) follow the reader's language."""
    return [(code, term_lazy(label)) for code, label in pairs]
