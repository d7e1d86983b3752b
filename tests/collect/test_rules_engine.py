"""The rules engine on hand-written artefacts: the expression language, load-time errors, verdicts."""

from __future__ import annotations

import pytest

from dengbao.core.collect import State, counts, evaluate, expr, parse_rules, propose
from dengbao.core.collect.ruleset import RuleError, load_rules, merge

RULE = """\
rules:
  - id: t.min-len
    title: 口令最小长度
    platform: linux
    artefacts: [pwquality]
    extract:
      MINLEN: {regex: '^\\s*minlen\\s*=\\s*(\\d+)'}
    condition: MINLEN >= 8
    expected: '>= 8'
    units: {L3: [L3-CES1-01], L2: [L2-CES1-01]}
    pass: 经核查，口令最小长度为 {MINLEN}
    fail: 经核查，口令最小长度为 {MINLEN}，不足 8 位
    remediation: 设置 minlen = 8
    references: {cis: ['5.3.1']}
  - id: t.tmout
    title: 超时
    platform: linux
    artefacts: [tmout]
    extract:
      TMOUT: {regex: 'TMOUT=(\\d+)'}
    condition: TMOUT >= 1 and TMOUT <= 600
    expected: 1-600
    units: {L3: [L3-CES1-01, L3-CES1-02]}
    pass: TMOUT 为 {TMOUT}
    fail: TMOUT 为 {TMOUT}
    remediation: 设置 TMOUT
"""


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("A >= 8", {"A": "12"}, True),
        ("A >= 8", {"A": "7"}, False),
        ("A >= 8", {}, False),  # missing value never passes
        ("A != 8", {}, True),
        ('lower(A) == "no"', {"A": "No"}, True),
        ('A matches "^0?[0-7][2367]7$"', {"A": "027"}, True),
        ('A matches "^0?[0-7][2367]7$"', {"A": "022"}, False),
        ('A contains "root"', {"A": ["root", "toor"]}, True),
        ("count(A) == 0", {"A": []}, True),
        ("not defined(A) or A == 1", {"A": None}, True),
        ('all(A == 1, B == "x") and not any(C > 1, C < -1)', {"A": "1", "B": "x", "C": "0"}, True),
        ('A in "info verbose"', {"A": "verbose"}, True),
        ("(A > 1 or B > 1) and C == 3", {"A": "0", "B": "2", "C": 3}, True),
        ("int(A) == 5", {"A": "5.0"}, True),
    ],
)
def test_expression_language(text, values, expected):
    assert expr.truthy(expr.evaluate(expr.parse(text), values)) is expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty condition"),
        ("A >=", "ends too early"),
        ("A == 1 B", "unexpected 'B'"),
        ("__import__('os')", "unknown function '__import__'"),
        ("A.b == 1", "unexpected character '.'"),
        ('A matches "("', "bad pattern"),
        ("defined(1)", "takes one extracted name"),
        ("(" * 50 + "A" + ")" * 50, "nested too deeply"),
    ],
)
def test_bad_expressions_are_refused(text, message):
    with pytest.raises(expr.ExprError, match=message.replace("(", r"\(")):
        expr.parse(text)


def test_no_python_evaluation_reaches_builtins():
    # a name is only ever looked up in the extracted values, never in Python's namespace
    assert expr.evaluate(expr.parse("open == none"), {}) is False
    assert expr.names(expr.parse("defined(X) and Y > count(Z)")) == {"X", "Y", "Z"}


def test_rules_evaluate_to_verdicts_with_deciding_lines():
    rules = parse_rules(RULE, filename="t.yaml")
    artefacts = {
        "pwquality": "# comment\nminlen = 12\nminclass = 3\n",
        "tmout": "/etc/profile: export TMOUT=900\n",
    }
    results = {r.rule.id: r for r in evaluate(rules, artefacts)}
    assert results["t.min-len"].state is State.PASS
    assert results["t.min-len"].sentence == "经核查，口令最小长度为 12"
    assert [(e.artefact, e.line, e.text) for e in results["t.min-len"].evidence] == [
        ("pwquality", 2, "minlen = 12")
    ]
    assert results["t.tmout"].state is State.FAIL
    assert results["t.tmout"].sentence == "TMOUT 为 900"
    proposals = {p.unit: p for p in propose(results.values(), level="L3")}
    assert proposals["L3-CES1-01"].result == "部分符合"
    assert proposals["L3-CES1-02"].result == "不符合"
    assert proposals["L3-CES1-01"].note == "经核查，口令最小长度为 12；TMOUT 为 900。"
    assert [p.unit for p in propose(results.values(), level="L2")] == ["L2-CES1-01"]
    assert propose(results.values(), level="L2")[0].result == "符合"


def test_missing_artefact_is_an_error_and_decides_nothing():
    rules = parse_rules(RULE, filename="t.yaml")
    results = evaluate(rules, {"pwquality": "minlen = 6\n"})
    assert counts(results) == {"pass": 0, "fail": 1, "na": 0, "error": 1}
    error = next(r for r in results if r.state is State.ERROR)
    assert "tmout" in error.message
    assert {p.unit: p.result for p in propose(results, level="L3")} == {"L3-CES1-01": "不符合"}


def test_missing_setting_fails_and_says_not_configured():
    rules = parse_rules(RULE, filename="t.yaml")
    result = evaluate(rules, {"pwquality": "", "tmout": ""})[0]
    assert result.state is State.FAIL
    assert result.sentence == "经核查，口令最小长度为 未配置，不足 8 位"
    assert result.evidence[0].line == 0  # "no matching line" is part of the evidence


def test_load_errors_name_file_line_and_field():
    bad = RULE.replace("condition: MINLEN >= 8", "condition: MINLEN >=> 8").replace(
        "units: {L3: [L3-CES1-01, L3-CES1-02]}", "units: {L3: [L3-XXX-01], L2: [L3-CES1-01]}"
    )
    bad += "  - id: t.min-len\n    title: dup\n    colour: red\n"
    with pytest.raises(RuleError) as info:
        parse_rules(bad, filename="agency.yaml", known_units={"L3-CES1-01", "L2-CES1-01"})
    problems = info.value.problems
    assert any(p.startswith("agency.yaml:8: condition: unexpected '>'") for p in problems), problems
    assert any(p.startswith("agency.yaml:23: units: 'L3-XXX-01'") for p in problems), problems
    assert any("agency.yaml:23: units: 'L3-CES1-01' is not a L2 unit ID" in p for p in problems), problems
    assert any(p.startswith("agency.yaml:27: id: duplicate of the rule at line 2") for p in problems), (
        problems
    )
    assert any(p.startswith("agency.yaml:29: colour: unknown field") for p in problems), problems
    assert any(p.startswith("agency.yaml:27: platform: is required") for p in problems), problems


def test_unknown_names_and_placeholders_are_load_errors():
    bad = RULE.replace("pass: TMOUT 为 {TMOUT}", "pass: TMOUT 为 {TIMEOUT}").replace(
        "condition: TMOUT >= 1", "condition: TMOUTS >= 1"
    )
    with pytest.raises(RuleError) as info:
        parse_rules(bad, filename="x.yaml")
    assert any("x.yaml:21: condition: unknown name(s) TMOUTS" in p for p in info.value.problems)
    assert any("x.yaml:24: pass: placeholder(s) TIMEOUT" in p for p in info.value.problems)


def test_yaml_syntax_error_has_a_line():
    with pytest.raises(RuleError, match=r"^y.yaml:3: yaml: "):
        parse_rules("rules:\n  - id: a\n    title: a: b\n", filename="y.yaml")


def test_na_if_makes_a_rule_not_applicable():
    text = RULE.replace(
        "    condition: MINLEN >= 8\n", "    na_if: not defined(MINLEN)\n    condition: MINLEN >= 8\n"
    )
    rules = parse_rules(text, filename="t.yaml")
    assert evaluate(rules[:1], {"pwquality": "nothing here"})[0].state is State.NA


def test_agency_file_replaces_and_adds_rules(tmp_path, monkeypatch):
    agency = tmp_path / "agency.yaml"
    agency.write_text(
        RULE.replace("t.tmout", "linux.shell-timeout").replace("t.min-len", "agency.extra"), encoding="utf-8"
    )
    builtin = load_rules(platform="linux")
    merged = load_rules(extra=agency, platform="linux")
    assert len(merged) == len(builtin) + 1
    replaced = next(r for r in merged if r.id == "linux.shell-timeout")
    assert replaced.source.startswith(str(agency))
    assert merge(builtin, []) == builtin


def test_builtin_linux_rules_load_and_name_real_units():
    from dengbao.core.catalogue import default

    units = {item.id: item for item in default().items}
    rules = load_rules(platform="linux")
    assert len(rules) >= 40
    l3 = {u for r in rules for u in r.units.get("L3", ())}
    assert all(units[u].category == "CES" for u in l3)
    for point in ("身份鉴别", "访问控制", "安全审计", "入侵防范", "恶意代码防范", "剩余信息保护"):
        assert any(units[u].control_point == point for u in l3), point
