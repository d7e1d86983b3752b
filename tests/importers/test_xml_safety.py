"""XML bombs and external entities are refused before any entity is expanded or read."""

from __future__ import annotations

import pytest

from dengbao.core.importers import ImportFormatError, parse

SECRET = "DENGBAO-SECRET-7f3a9c"


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET, encoding="utf-8")
    return path


def _refusal(path, fmt) -> ImportFormatError:
    records = []
    with pytest.raises(ImportFormatError) as caught:
        records.extend(parse(path, fmt))
    assert records == []
    return caught.value


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE NessusClientData_v2 [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol9 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<NessusClientData_v2><Report name="x"><ReportHost name="10.0.0.1">
<ReportItem port="0" protocol="tcp" severity="0" pluginID="1" pluginName="&lol9;"/>
</ReportHost></Report></NessusClientData_v2>
"""


@pytest.mark.parametrize("fmt", ["nessus", "nmap", "openvas", "zap"])
def test_billion_laughs_is_refused(tmp_path, fmt):
    bomb = tmp_path / "bomb.xml"
    bomb.write_text(BILLION_LAUGHS, encoding="utf-8")
    error = _refusal(bomb, fmt)
    assert "出于安全考虑拒绝导入（可能是 XML 炸弹或外部实体攻击）" in error.reason
    assert error.source == "bomb.xml"


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE nmaprun [<!ENTITY xxe SYSTEM "file://{secret}">]>',
        '<!DOCTYPE nmaprun [<!ENTITY % xxe SYSTEM "file://{secret}"> %xxe;]>',
        '<!DOCTYPE nmaprun SYSTEM "file://{secret}">',
        '<!DOCTYPE nmaprun PUBLIC "-//x//y" "file://{secret}">',
    ],
)
def test_external_entities_and_dtds_are_refused_and_never_read(tmp_path, secret_file, doctype):
    body = (
        '<nmaprun><host><address addr="10.0.0.1" addrtype="ipv4"/>'
        '<hostnames><hostname name="&xxe;"/></hostnames></host></nmaprun>'
    )
    if "ENTITY xxe" not in doctype:
        body = body.replace("&xxe;", "x")
    xxe = tmp_path / "xxe.xml"
    xxe.write_text(
        '<?xml version="1.0"?>\n' + doctype.format(secret=secret_file) + "\n" + body, encoding="utf-8"
    )
    error = _refusal(xxe, "nmap")
    assert "出于安全考虑拒绝导入" in error.reason
    assert SECRET not in str(error)
    with pytest.raises(ImportFormatError) as detected:
        list(parse(xxe))  # without a format: detection or parsing refuses it
    assert SECRET not in str(detected.value)


def test_undefined_entity_is_a_format_error_not_a_lookup(tmp_path):
    path = tmp_path / "undefined.nessus"
    path.write_text(
        "<NessusClientData_v2><Report><ReportHost name='&passwd;'/></Report></NessusClientData_v2>"
    )
    error = _refusal(path, "nessus")
    assert error.where == "第 1 行第 30 列" and "引用了未定义的实体" in error.reason
