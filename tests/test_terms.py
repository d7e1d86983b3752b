"""The standards' fixed vocabulary and core's sentences read in English on an English page."""

from __future__ import annotations

import re

import pytest
from django.utils import translation

from dengbao import terms
from dengbao.core import filing, grading, grading_workflow, scoring, scoring_schemes
from dengbao.core.catalogue import vocab
from dengbao.core.engagement import service_year
from dengbao.core.importers import registry

CJK = re.compile(r"[\u3400-\u9fff]")


def vocabulary() -> list[str]:
    words = [c.name for c in vocab.CATEGORIES] + [name for _digit, name in vocab.PARTS.values()]
    words += list(vocab.OBJECT_TYPES) + list(vocab.METHODS)
    for choices in (
        filing.BUSINESS_TYPES,
        filing.SERVICE_SCOPES,
        filing.SERVICE_AUDIENCES,
        filing.DEPLOYMENT_SCOPES,
        filing.NETWORK_NATURES,
        filing.AFFILIATIONS,
        filing.UNIT_TYPES,
        filing.TECHNOLOGY_TYPES,
        filing.DATA_LEVELS,
    ):
        words += [label for _code, label in choices]
    words += list(grading_workflow.LABELS.values())
    words += [o.full_name for o in grading.OBJECTS] + [d.full_name for d in grading.DEGREES]
    words += [str(r) for r in scoring.Result] + [str(k) for k in scoring.AdjustmentKind] + ["基本符合"]
    words += [scoring_schemes.Scheme2025().title, scoring_schemes.Scheme2021().title]
    words += list(service_year.NAMES.values()) + [i.label for i in registry.importers().values()]
    return sorted(set(words))


@pytest.mark.parametrize("word", vocabulary())
def test_every_term_of_the_standards_reads_in_english(word):
    with translation.override("en"):
        english = terms.term(word)
    assert not CJK.search(english), english
    assert english != word or not CJK.search(word)  # a name without Chinese needs no translation
    with translation.override("zh-hans"):
        assert terms.term(word) == word


SAMPLES = {
    "rate": "73.07",
    "low": "60",
    "high": "90",
    "limit": "90",
    "op": "≥",
    "n": "2",
    "fixed": "1",
    "level": "3",
    "date": "2026-12-15",
    "system": "HIS（医院信息系统）",
}


@pytest.mark.parametrize("message", terms._SENTENCE_MESSAGES)
def test_core_sentences_are_recognised_and_keep_their_figures(message):
    chinese = message % SAMPLES
    with translation.override("en"):
        english = terms.term(chinese)
    assert english != chinese
    for name in re.findall(r"%\((\w+)\)s", message):
        assert SAMPLES[name] in english
    assert not CJK.search(english.replace(SAMPLES["system"], "").replace("公网安〔2025〕1846号", ""))


def test_rounds_extensions_and_unknown_text():
    with translation.override("en"):
        assert terms.term("初测") == "Initial assessment"
        assert terms.term("第2次复测") == "Re-test 2"
        assert terms.term("安全计算环境（云计算扩展）") == (
            "Computing environment security (Cloud computing extension)"
        )
        assert terms.term("某医院自定的名称") == "某医院自定的名称"  # data passes through
        assert terms.term(None) == "" and terms.term("") == ""
    with translation.override("zh-hans"):
        assert terms.term("第2次复测") == "第2次复测"
