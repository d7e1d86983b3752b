"""The engine's identifiers (checks, severities, timeline events) are shown in the reader's language."""

from django.utils import translation

from dengbao.core.monitor import alerts
from dengbao.core.monitor.results import Severity
from dengbao.core.monitor.tamper import STRUCTURE_KINDS
from dengbao.monitoring import labels
from dengbao.monitoring.templatetags.monitoring import check_label, event_label, part_label, severity_label


def test_every_severity_event_and_page_part_has_a_label():
    assert {str(s) for s in Severity} <= set(labels.SEVERITIES)
    assert {str(k) for k in alerts.EventKind} <= set(labels.EVENTS)
    assert set(STRUCTURE_KINDS) <= set(labels.PARTS)


def test_labels_follow_the_language_and_unknown_ids_pass_through():
    with translation.override("zh-hans"):
        assert (check_label("tls.expiry"), severity_label("critical"), event_label("firing")) == (
            "证书到期",
            "严重",
            "告警",
        )
        assert part_label("iframes") == "内嵌框架"
    with translation.override("en"):
        assert (check_label("tls.expiry"), severity_label("critical"), event_label("firing")) == (
            "Certificate expiry",
            "Critical",
            "Alert",
        )
    assert check_label("custom.check") == "custom.check"


def test_every_condition_the_engine_names_has_a_label():
    import re
    from pathlib import Path

    import dengbao.core.monitor as engine

    source = "\n".join(p.read_text() for p in Path(engine.__file__).parent.glob("*.py"))
    named = set(re.findall(r'Condition\(\s*"([a-z_.]+)"', source))
    assert len(named) >= 15 and named <= set(labels.CHECKS), named - set(labels.CHECKS)
