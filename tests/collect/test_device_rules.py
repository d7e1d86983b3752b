"""Device configurations (Huawei VRP, H3C Comware, Cisco IOS/ASA): reader, masking, rules, proposals.

The fixtures (fixtures/devices/README.md) are a hardened and a weak configuration per vendor;
each rule's expected verdict is asserted, and the proposal per level-3 unit.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dengbao.core.collect import BundleError, State, evaluate, load_rules, propose
from dengbao.core.collect.inputs import read_any
from dengbao.core.collect.readers import devices
from dengbao.core.collect.readers.config_tree import MASK, clean, mask, tree
from dengbao.core.collect.stats import DEVICE_TARGETS, coverage

FIXTURES = Path(__file__).parent / "fixtures" / "devices"
VENDORS = ("huawei", "h3c", "cisco")

# Every secret written into the fixtures: none may reach a bundle, a verdict or its evidence.
SECRETS = {
    "huawei-hardened": [
        "$1c$ZxA9+Qk3$Rm7wTq2kLs0vN8pJ4fGh1YbC6dE5$",
        "$1c$Pq8vL2mN$Jk4hG7fD1sA9zX3cV6bN0mQ2wE8r$",
        "%^%#Hh2k<Q(x1Jr[9=s%^%#",
        "%^%#N2s!Kd9e~L0q%^%#",
        "%^%#8Hj&Tr4y@Wq1%^%#",
    ],
    "huawei-weak": ["Admin@huawei.com", "%^%#t3stCiph3rTxt%^%#", "%^%#VtyC1ph3r%^%#"],
    "h3c-hardened": [
        "$h$6$Qm3vZ8k1Lp0sW2xN$",
        "$h$6$Wn4cX9j2Kr7tY1zM$",
        "$c$3$Ab12cd34EF56gh78IJ90",
        "$c$3$Zy98xw76VU54ts32RQ10",
        "$c$3$Kx7hT2pQ9wLmN4vB",
    ],
    "h3c-weak": ["password simple admin", "Vty#Pass1", "$c$3$GuEsTc1ph3rT3xt==", "$c$3$N3tw0rkUs3rK3y=="],
    "cisco-hardened": [
        "$9$mH2k4Lp8QwZx1V$",
        "$9$Lq7wE3rT6y$",
        "$9$Pz4xC7vB0n$",
        "0822455D0A16544541",
    ],
    "cisco-weak": ["cisco123", "094F471A1A0A", "05080F1C2243", "password 0 cisco"],
    "cisco-asa": ["8Ry2YjIyt7RRXU24", "Zq8rP2sX7vB4nM1k"],
}

# Rules whose verdict differs from the fixture's overall expectation (pass for hardened, fail for weak).
EXCEPTIONS: dict[str, dict[str, str]] = {
    "huawei-hardened": {},
    "h3c-hardened": {},
    "cisco-hardened": {"two-factor": "na"},  # TACACS+ decides the factors: the config cannot show them
    "huawei-weak": {"no-empty-password": "pass"},
    "h3c-weak": {"no-empty-password": "pass"},
    "cisco-weak": {"no-empty-password": "pass", "role-separation": "pass"},
}


def _bundle(name: str):
    path = FIXTURES / f"{name}.cfg"
    return read_any(path.name, path.read_bytes())


def _states(name: str) -> dict[str, str]:
    bundle = _bundle(name)
    results = evaluate(load_rules(platform=bundle.platform), bundle.artefacts)
    return {r.rule.id.split(".", 1)[1]: r.state.value for r in results}


@pytest.mark.parametrize("vendor", VENDORS)
def test_the_vendor_is_recognised_with_host_identity(vendor):
    for variant in ("hardened", "weak"):
        data = (FIXTURES / f"{vendor}-{variant}.cfg").read_bytes()
        assert devices.sniff("x.cfg", data)
        bundle = devices.read("x.cfg", data)
        assert bundle.platform == vendor
        assert bundle.host["hostname"] and bundle.host["addresses"]
    assert _bundle("huawei-hardened").host == {"hostname": "HIS-CORE-SW1", "addresses": ["10.10.60.1"]}
    assert _bundle("cisco-asa").platform == "cisco"


@pytest.mark.parametrize("name", sorted(EXCEPTIONS))
def test_every_rule_gives_the_expected_verdict(name):
    states = _states(name)
    rules = load_rules(platform=name.split("-")[0])
    assert len(states) == len(rules) >= 25
    default = "pass" if name.endswith("hardened") else "fail"
    expected = {rule: EXCEPTIONS[name].get(rule, default) for rule in states}
    assert states == expected


@pytest.mark.parametrize("vendor", VENDORS)
def test_proposals_per_unit(vendor):
    rules = load_rules(platform=vendor)
    hardened = _bundle(f"{vendor}-hardened")
    good = {p.unit: p.result for p in propose(evaluate(rules, hardened.artefacts), level="L3")}
    decided = set(DEVICE_TARGETS) - {"L3-CES1-21"} - ({"L3-CES1-04"} if vendor == "cisco" else set())
    assert set(good) == decided | {"L3-CES1-28"}
    assert set(good.values()) == {"符合"}
    weak = _bundle(f"{vendor}-weak")
    results = evaluate(rules, weak.artefacts)
    bad = {p.unit: p for p in propose(results, level="L3")}
    expected = dict.fromkeys(bad, "不符合") | {"L3-CES1-01": "部分符合"}
    if vendor == "cisco":
        expected["L3-CES1-08"] = "符合"  # the weak router does have a level-1 and a level-15 user
    assert {u: p.result for u, p in bad.items()} == expected
    assert set(bad) >= decided
    note = bad["L3-CES1-03"].note
    assert "Telnet" in note and "明文" in note
    assert "public,private" in bad["L3-CES1-06"].note
    assert all(r.evidence for r in results if r.state is State.FAIL)


def test_level2_units_are_proposed_too():
    rules = load_rules(platform="h3c")
    units = {p.unit for p in propose(evaluate(rules, _bundle("h3c-weak").artefacts), level="L2")}
    assert {"L2-CES1-01", "L2-CES1-02", "L2-CES1-03", "L2-CES1-13", "L2-ABS1-02", "L2-CNS1-03"} <= units


def test_sentences_carry_the_evidence_values():
    bundle = _bundle("huawei-weak")
    results = {r.rule.id: r for r in evaluate(load_rules(platform="huawei"), bundle.artefacts)}
    assert "账户 admin 使用出厂默认口令" in results["huawei.default-password"].sentence
    assert "telnet,http,ftp,ssh1" in results["huawei.insecure-services"].sentence
    assert "vty 0 4" in results["huawei.management-acl"].sentence
    lock = {r.rule.id: r for r in evaluate(load_rules(platform="h3c"), _bundle("h3c-hardened").artefacts)}
    assert "连续失败 5 次后锁定（锁定时长：10 分钟）" in lock["h3c.login-failure-lockout"].sentence
    evidence = results["huawei.acl-default-deny"].evidence
    assert any(e.text == "applied_without_final_deny: 3000" for e in evidence)
    # a user line points back at the configuration line it came from
    accounts = bundle.artefacts["accounts"]
    assert (
        "user admin level=15 password=simple services=telnet,terminal,http,ftp state=active @L20" in accounts
    )


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_no_secret_reaches_the_bundle_or_the_verdicts(name):
    bundle = _bundle(name)
    results = evaluate(load_rules(platform=bundle.platform), bundle.artefacts)
    stored = json.dumps(
        [bundle.manifest, bundle.artefacts, [r.as_dict() for r in results]], ensure_ascii=False
    )
    raw = (FIXTURES / f"{name}.cfg").read_text(encoding="utf-8")
    for secret in SECRETS[name]:
        assert secret in raw  # the fixture really holds it
        assert secret not in stored, secret
    assert MASK in bundle.artefacts["config"]


def test_masking_keeps_the_form_and_settings():
    assert mask(" local-user a password irreversible-cipher $1c$abc$") == (
        " local-user a password irreversible-cipher ******"
    )
    assert mask("username u privilege 15 secret 9 $9$x") == "username u privilege 15 secret 9 ******"
    assert mask("username u password s3cret") == "username u password ******"
    assert mask(" password hash $h$6$x") == " password hash ******"
    assert mask(" key authentication cipher $c$3$x") == " key authentication cipher ******"
    assert mask("radius-server host 10.0.0.1 key Sh4red") == "radius-server host 10.0.0.1 key ******"
    assert mask("ntp authentication-key 1 md5 0822455D 7") == "ntp authentication-key 1 md5 ****** 7"
    assert mask("snmp-server community n0tpublic RO 10") == "snmp-server community ****** RO 10"
    assert mask("snmp-server user u g v3 auth sha AuthKey1 priv aes 128 PrivKey1") == (
        "snmp-server user u g v3 auth sha ****** priv aes 128 ******"
    )
    for setting in (
        " password expire 90",
        " local-aaa-user password policy administrator",
        " password-control length 10",
        "security passwords min-length 10",
        "service password-encryption",
        " authentication-mode password",
    ):
        assert mask(setting) == setting


def _hardened_as_exported() -> bytes:
    """The Huawei configuration as a Windows terminal saves it: GBK, CRLF, with pager prompts."""
    text = (FIXTURES / "huawei-hardened.cfg").read_text(encoding="utf-8")
    lines = text.split("\n")
    paged = []
    for i, line in enumerate(lines):
        if i and i % 20 == 0:  # VRP overwrites its prompt with spaces and moves the cursor back
            line = "  ---- More ----\x1b[42D                                          \x1b[42D" + line
        paged.append(line)
    return "\r\n".join(paged).encode("gbk")


def test_crlf_gbk_and_pager_prompts_read_like_the_clean_file():
    data = _hardened_as_exported()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert b"---- More ----" in data and b"\r\n" in data
    assert devices.sniff("HIS-CORE-SW1.txt", data)
    exported = devices.read("HIS-CORE-SW1.txt", data)
    clean_bundle = _bundle("huawei-hardened")
    assert exported.artefacts == clean_bundle.artefacts
    assert "至HIS服务器区" in exported.artefacts["config"]
    assert "More" not in exported.artefacts["config"]


def test_cisco_pager_with_backspaces():
    backspaces = "\x08" * 9
    prompt = f" --More-- {backspaces}         {backspaces}"
    assert clean(f"line vty 0 4\r\n{prompt} exec-timeout 5 0\r\n") == [
        "line vty 0 4",
        " exec-timeout 5 0",
        "",
    ]


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"Just some notes about the hostname of a router.\n",
        b"hostname web01\n!\nnot really a device\n",
        "#\n会议纪要：sysname 与 return 的含义\n#\n".encode(),
        b"sysname only-a-word\n",
        b'{"sysname": "x", "hostname": "y"}',
        b"\x1f\x8b\x08\x00" + b"\x00" * 40,
        b"PK\x03\x04" + b"\x00" * 40,
    ],
)
def test_unrelated_input_is_not_taken_for_a_configuration(data):
    assert not devices.sniff("notes.txt", data)
    with pytest.raises(BundleError):
        devices.read("notes.txt", data)
    with pytest.raises(BundleError):
        read_any("notes.txt", data)  # falls through to the tar.gz reader, which refuses it


def test_comware_global_commands_after_a_block_are_not_its_children():
    root = tree(clean("interface GE1/0/1\n port link-type trunk\n#\n snmp-agent\n telnet server enable\n"))
    assert [n.text for n in root.children] == ["interface GE1/0/1", "snmp-agent", "telnet server enable"]


def test_h3c_network_access_users_are_not_administrators():
    accounts = _bundle("h3c-weak").artefacts["accounts"]
    assert "users: 2" in accounts and "dot1x" not in accounts


def test_h3c_exceed_unlock_is_no_lockout():
    text = (FIXTURES / "h3c-hardened.cfg").read_text(encoding="utf-8")
    text = text.replace("login-attempt 5 exceed lock-time 10", "login-attempt 5 exceed unlock")
    bundle = devices.read("x.cfg", text.encode())
    states = {r.rule.id: r.state for r in evaluate(load_rules(platform="h3c"), bundle.artefacts)}
    assert states["h3c.login-failure-lockout"] is State.FAIL


def test_huawei_acl_without_final_deny_is_default_permit_but_cisco_denies_implicitly():
    hw = (FIXTURES / "huawei-hardened.cfg").read_text(encoding="utf-8").replace(" rule 1000 deny ip\n", "")
    acls = devices.read("x.cfg", hw.encode()).artefacts["acls"]
    assert "applied_without_final_deny: 3001" in acls
    cisco = (
        (FIXTURES / "cisco-hardened.cfg").read_text(encoding="utf-8").replace(" deny   ip any any log\n", "")
    )
    acls = devices.read("x.cfg", cisco.encode()).artefacts["acls"]
    assert "applied_without_final_deny: none" in acls


def test_coverage_goal_is_met_for_each_vendor():
    data = coverage(load_rules())
    for vendor in VENDORS:
        assert data["coverage"][vendor]["goal_met"], data["coverage"][vendor]
        assert data["coverage"][vendor]["share"] >= 0.8


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(EXCEPTIONS)),
    drop=st.sets(st.integers(0, 120), max_size=30),
    noise=st.lists(st.tuples(st.integers(0, 120), st.text(max_size=40)), max_size=8),
    indent=st.sets(st.integers(0, 120), max_size=10),
)
def test_mangled_configurations_read_or_are_refused_never_crash(name, drop, noise, indent):
    lines = (FIXTURES / f"{name}.cfg").read_text(encoding="utf-8").split("\n")
    kept = [(" " + line if i in indent else line) for i, line in enumerate(lines) if i not in drop]
    for at, text in noise:
        kept.insert(min(at, len(kept)), text)
    data = "\n".join(kept).encode("utf-8", errors="replace")
    if not devices.sniff("x.cfg", data):
        with pytest.raises(BundleError):
            devices.read("x.cfg", data)
        return
    bundle = devices.read("x.cfg", data)
    results = evaluate(load_rules(platform=bundle.platform), bundle.artefacts)
    assert [r.rule.id for r in results if r.state is State.ERROR] == []


def test_version_output_appended_after_the_configuration():
    config = (FIXTURES / "huawei-hardened.cfg").read_text(encoding="utf-8")
    version = (
        "<HIS-CORE-SW1>display version\n"
        "Huawei Versatile Routing Platform Software\n"
        "VRP (R) software, Version 5.170 (S5720 V200R019C10SPC500)\n"
        "Copyright (C) 2000-2020 HUAWEI TECH Co., Ltd.\n"
        "HUAWEI S5720-28X-SI-AC Routing Switch uptime is 120 days, 3 hours, 12 minutes\n"
    )
    bundle = devices.read("x.cfg", (config + version).encode())
    assert bundle.platform == "huawei"
    assert "software: 5.170 (S5720 V200R019C10SPC500)" in bundle.artefacts["device"]
    assert bundle.artefacts["accounts"] == _bundle("huawei-hardened").artefacts["accounts"]
    cisco = (FIXTURES / "cisco-weak.cfg").read_text(encoding="utf-8") + (
        "Router#show version\n"
        "Cisco IOS Software, C2900 Software (C2900-UNIVERSALK9-M), Version 15.1(4)M4, RELEASE SOFTWARE\n"
        "Router uptime is 2 weeks, 1 day\n"
        "Configuration register is 0x2102\n"
    )
    bundle = devices.read("x.cfg", cisco.encode())
    assert bundle.platform == "cisco" and "software: 15.1(4)M4" in bundle.artefacts["device"]


def test_a_vty_that_accepts_no_protocol_needs_no_acl():
    text = (FIXTURES / "cisco-hardened.cfg").read_text(encoding="utf-8")
    text = text.replace(
        " access-class MGMT in\n exec-timeout 5 0\n transport input none",
        " exec-timeout 5 0\n transport input none",
    )
    remote = devices.read("x.cfg", text.encode()).artefacts["remote_access"]
    assert "line vty 5 15 protocols=none acl=none" in remote and "unrestricted_vty: none" in remote
    text = text.replace("transport input none", "transport input ssh")
    remote = devices.read("x.cfg", text.encode()).artefacts["remote_access"]
    assert "unrestricted_vty: vty 5 15" in remote


def test_ios_without_ssh_version_2_still_accepts_sshv1():
    text = (FIXTURES / "cisco-hardened.cfg").read_text(encoding="utf-8").replace("ip ssh version 2\n", "")
    bundle = devices.read("x.cfg", text.encode())
    assert "ssh1: yes" in bundle.artefacts["services"]
    states = {r.rule.id: r.state for r in evaluate(load_rules(platform="cisco"), bundle.artefacts)}
    assert states["cisco.ssh-v2"] is State.FAIL and states["cisco.insecure-services"] is State.FAIL


def test_comware5_local_user_blocks():
    text = (
        "#\n version 5.20, Release 2222P01\n#\n sysname OLD-H3C\n#\n"
        "local-user admin\n password cipher $c$OldC1pher\n"
        " authorization-attribute level 3\n service-type ssh\n"
        "local-user viewer\n password cipher $c$OldC1pher2\n level 1\n service-type ssh\n#\n"
        "user-interface vty 0 4\n authentication-mode scheme\n protocol inbound ssh\n"
        " acl 2000 inbound\n#\nreturn\n"
    )
    bundle = devices.read("old.cfg", text.encode())
    assert bundle.platform == "h3c"
    accounts = bundle.artefacts["accounts"]
    assert "user admin level=3 password=cipher" in accounts and "user viewer level=1" in accounts
    assert "distinct_levels: 2" in accounts and "admin_users: 1" in accounts
    assert "$c$OldC1pher" not in bundle.artefacts["config"]
    assert "line vty 0 4 protocols=ssh acl=2000" in bundle.artefacts["remote_access"]
