"""The words a person reads for the monitoring engine's identifiers (checks, severities, timeline events).

The engine (``core/monitor``) names its conditions and events with stable English identifiers that
alert payloads and the API keep; pages show these labels instead, in the user's language.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

CHECKS = {
    "target.allowed": _("目标在授权范围内"),
    "http.reachable": _("可访问"),
    "http.status": _("HTTP 状态码"),
    "http.response_time": _("响应时间"),
    "http.keywords": _("关键字"),
    "tls.handshake": _("TLS 握手"),
    "tls.valid": _("证书有效"),
    "tls.hostname": _("证书域名匹配"),
    "tls.expiry": _("证书到期"),
    "tls.protocols": _("TLS 协议版本"),
    "tamper.baseline": _("篡改基线"),
    "tamper.hash": _("页面哈希"),
    "tamper.text": _("页面文字"),
    "tamper.structure": _("页面结构"),
    "tamper.phrases": _("篡改特征词"),
    "darklinks": _("暗链"),
    "darklinks.cloaking": _("暗链（针对搜索引擎的伪装）"),
    "content.sensitive_words": _("敏感词"),
    "error": _("检查出错"),
}

SEVERITIES = {
    "info": _("提示"),
    "low": _("低"),
    "medium": _("中"),
    "high": _("高"),
    "critical": _("严重"),
}

PARTS = {  # the page parts a structure change names (core/monitor/tamper STRUCTURE_KINDS)
    "scripts": _("脚本"),
    "iframes": _("内嵌框架"),
    "links": _("链接"),
    "resources": _("资源"),
    "forms": _("表单"),
    "domains": _("外部域名"),
}

EVENTS = {
    "firing": _("告警"),
    "resolved": _("已恢复"),
    "reminder": _("提醒"),
    "held": _("静默期内未通知"),
    "delivered": _("已通知"),
    "undelivered": _("通知失败"),
    "approved": _("已批准基线"),
    "ticket": _("已转工单"),
}


def label(table: dict, key: str) -> str:
    """The label for ``key``; an identifier the table does not know is shown as it is."""
    found = table.get(str(key))
    return str(found) if found is not None else str(key)
