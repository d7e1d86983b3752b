"""Live collection over SSH against real OpenSSH servers in network namespaces this module creates.

Runs as root (CI does). Creating the namespaces is not optional: where it cannot be done, these
tests fail. Hosts: a and b accept the test key; c accepts another key only; "outside" is a TCP
listener on an address the authorisation does not cover, recording every connection it accepts.
"""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import time

import pytest
from click.testing import CliRunner
from django.utils import timezone

from dengbao.assessments import services as assessment_services
from dengbao.audit.models import AuditEvent
from dengbao.cli import main
from dengbao.collection import ssh_services
from dengbao.collection.models import CollectedBundle, Proposal, SshHostKey
from dengbao.core import collect
from dengbao.core.collect.scripts import linux
from dengbao.core.collect.ssh import Credentials
from dengbao.core.scanner import Technique
from dengbao.scanning import scan_services
from dengbao.scanning.authorisation_services import authorisation_create

from ..assessments.helpers import HARM3, graded
from . import sshlab

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def lab(tmp_path_factory, request):
    folder = tmp_path_factory.mktemp("sshlab")
    lab = sshlab.Lab(folder)
    request.addfinalizer(lab.close)  # namespaces, veths and servers go even when a test fails
    key = sshlab.keypair(folder / "id_test")
    other = sshlab.keypair(folder / "id_other")
    hosts = {
        "a": lab.add(authorized=key.with_suffix(".pub")),
        "b": lab.add(authorized=key.with_suffix(".pub")),
        "c": lab.add(authorized=other.with_suffix(".pub")),
        "outside": lab.add(listener=True),
        "silent": lab.add(hold=True),
        "pw": lab.add(passwords=True),  # takes passwords; root's is not the one the test gives
        # answers every session with something that is not a bundle, or with a failing exit code
        "liar": lab.add(authorized=key.with_suffix(".pub"), force_command="printf 'PK-not-a-bundle'"),
        "broken": lab.add(
            authorized=key.with_suffix(".pub"), force_command="sh -c 'echo no sh here >&2; exit 3'"
        ),
    }
    return {"hosts": hosts, "key": key, "other": other, "folder": folder}


@pytest.fixture
def setting(world_a, lab):
    """An assessment with an object per sshd host, and a letter covering those hosts but not "outside"."""
    manager, assessor = world_a.members["manager"], world_a.members["assessor"]
    hosts = lab["hosts"]
    now = timezone.now()
    authorisation_create(
        actor=manager,
        project=world_a.project,
        title="登录核查授权书（测试）",
        signer="刘信息科",
        signed_on=now.date(),
        valid_from=now - dt.timedelta(days=1),
        valid_until=now + dt.timedelta(days=30),
        techniques=["config_check"],
        cidrs=[f"{hosts[k].address}/32" for k in ("a", "b", "c", "silent", "pw", "liar", "broken")],
        ports="22",
    )
    system = graded(world_a, "HIS", HARM3, HARM3)
    assessment = assessment_services.assessment_create(
        actor=manager, project=world_a.project, name="HIS", systems=[system]
    )
    objects = {
        k: assessment_services.object_add(
            actor=assessor,
            assessment=assessment,
            kind="服务器/操作系统",
            name=f"ns-host-{k}",
            location=hosts[k].address,
        )
        for k in ("a", "b", "c")
    }
    return assessment, objects, assessor


def _gate(actor, assessment):
    def gate(target, port, lookup):
        verdict = scan_services.target_authorise(
            actor=actor,
            project=assessment.project,
            target=target,
            port=port,
            technique=Technique.CONFIG_CHECK,
            action="collection.ssh_refused",
            lookup=lookup,
        )
        return "" if verdict.allowed else verdict.reason

    return gate


def _collect(setting, lab, keys, *, key=None, parallel=8, timeout=90.0, lookup=None):
    assessment, _objects, assessor = setting
    return {
        r.target: r
        for r in ssh_services.collect_ssh(
            actor=assessor,
            assessment=assessment,
            targets=[lab["hosts"][k].address if k in lab["hosts"] else k for k in keys],
            lookup=lookup,
            credentials=Credentials("root", key_file=str(key or lab["key"])),
            gate=_gate(assessor, assessment),
            parallel=parallel,
            timeout=timeout,
        )
    }


def test_two_hosts_in_parallel_through_the_cli(world_a, setting, lab, monkeypatch):
    assessment, objects, assessor = setting
    a, b = lab["hosts"]["a"], lab["hosts"]["b"]
    monkeypatch.setenv("DENGBAO_USER", assessor.username)
    result = CliRunner().invoke(
        main,
        [
            "collect",
            "ssh",
            "--project",
            world_a.project.slug,
            "--assessment",
            str(assessment.pk),
            "--targets",
            f"{a.address},{b.address}",
            "--login",
            "root",
            "--auth",
            str(lab["key"]),
            "--parallel",
            "2",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    hosts = {h["target"]: h for h in json.loads(result.stdout)["hosts"]}
    assert set(hosts) == {a.address, b.address}
    for host, key in ((a, "a"), (b, "b")):
        row = hosts[host.address]
        assert row["status"] == "imported", row
        assert row["object"] == objects[key].name
        assert row["host_key"] == "recorded"
        assert row["fingerprint"] == sshlab.fingerprint(host.host_key_pub)
        rules = row["import"]["rules"]
        assert rules["pass"] + rules["fail"] >= 40
        assert row["import"]["proposals"] >= 10
        stored = CollectedBundle.objects.get(obj=objects[key])
        assert host.address in stored.host["addresses"]  # collected in that namespace, not elsewhere
        assert collect.read_bundle(stored.file.read()).artefacts["sshd_effective"].strip()
        recorded = SshHostKey.objects.get(assessment=assessment, host=host.address, port=22)
        assert recorded.public_key.split()[:2] == host.host_key_pub.read_text().split()[:2]
    assert (
        Proposal.objects.filter(record__obj=objects["a"]).count() == hosts[a.address]["import"]["proposals"]
    )
    assert AuditEvent.objects.filter(action="collection.ssh_host_key_recorded").count() == 2
    assert AuditEvent.objects.filter(action="collection.bundle_import").count() == 2
    run = AuditEvent.objects.get(action="collection.ssh_collect")
    assert {h["status"] for h in run.details["hosts"]} == {"imported"}
    assert "id_test" not in json.dumps(run.details)  # the key file is not recorded, let alone a secret


def test_a_target_outside_the_authorisation_is_refused_before_any_packet(setting, lab):
    a, outside = lab["hosts"]["a"], lab["hosts"]["outside"]
    reports = _collect(setting, lab, ["a", "outside"])
    refused = reports[outside.address]
    assert refused.status == "refused" and "不在授权范围内" in refused.message
    assert reports[a.address].status == "imported"  # the others go on
    assert outside.connections() == []  # the listener accepted nothing: no packet reached it
    event = AuditEvent.objects.get(action="collection.ssh_refused")
    assert event.outcome == "refused" and event.details["target"] == outside.address
    assert event.details["refusals"][0]["code"] == "target"
    # the listener does record a connection: its silence above is evidence
    with socket.create_connection((outside.address, 22), timeout=5):
        pass
    for _ in range(50):
        if outside.connections():
            break
        time.sleep(0.1)
    assert len(outside.connections()) == 1


def test_a_letter_without_the_login_technique_refuses_every_target(world_a, setting, lab):
    b = lab["hosts"]["b"]
    letter = world_a.project.authorisations.get()
    letter.techniques = ["discovery", "vuln_scan"]
    letter.save()
    before = b.log.read_text().count("Connection from")
    reports = _collect(setting, lab, ["b"])
    assert reports[b.address].status == "refused"
    assert "登录核查（配置采集）" in reports[b.address].message
    assert b.log.read_text().count("Connection from") == before  # sshd saw no connection
    assert not CollectedBundle.objects.exists()


def test_a_wrong_key_fails_that_host_only(setting, lab):
    _assessment, objects, _assessor = setting
    a, c = lab["hosts"]["a"], lab["hosts"]["c"]
    reports = _collect(setting, lab, ["a", "c"])
    assert reports[c.address].status == "auth"
    assert "认证失败" in reports[c.address].message
    assert reports[a.address].status == "imported"
    assert not CollectedBundle.objects.filter(obj=objects["c"]).exists()
    assert CollectedBundle.objects.filter(obj=objects["a"]).count() == 1


def test_a_changed_host_key_is_refused_and_a_known_one_accepted(setting, lab):
    assessment, objects, assessor = setting
    a, b = lab["hosts"]["a"], lab["hosts"]["b"]
    # b's key as recorded earlier in this assessment is not the key b presents now
    impostor = sshlab.keypair(lab["folder"] / "impostor_host_key")
    SshHostKey.objects.create(
        assessment=assessment,
        host=b.address,
        port=22,
        public_key=impostor.with_suffix(".pub").read_text().strip(),
        fingerprint=sshlab.fingerprint(impostor.with_suffix(".pub")),
        recorded_by=assessor,
    )
    reports = _collect(setting, lab, ["a", "b"])
    assert reports[b.address].status == "host_key"
    assert reports[b.address].fingerprint == sshlab.fingerprint(impostor.with_suffix(".pub"))
    assert "Host key is not trusted" in b.log.read_text()  # refused before authenticating
    assert not CollectedBundle.objects.filter(obj=objects["b"]).exists()
    event = AuditEvent.objects.get(action="collection.ssh_host_key_mismatch")
    assert event.outcome == "refused" and event.details["address"] == b.address
    assert reports[a.address].status == "imported" and reports[a.address].host_key == "recorded"
    again = _collect(setting, lab, ["a"])
    assert again[a.address].status == "imported" and again[a.address].host_key == "matched"
    assert SshHostKey.objects.filter(assessment=assessment, host=a.address).count() == 1


def test_forgetting_a_host_key_takes_the_new_one_on_the_next_run(world_a, setting, lab, monkeypatch):
    assessment, objects, assessor = setting
    b = lab["hosts"]["b"]
    old = sshlab.keypair(lab["folder"] / "reinstalled_host_key").with_suffix(".pub")
    SshHostKey.objects.create(
        assessment=assessment, host=b.address, port=22, public_key=old.read_text(), fingerprint="SHA256:old"
    )
    runner = CliRunner()
    args = ["collect", "ssh-host-keys", "--project", world_a.project.slug, "--assessment", str(assessment.pk)]
    monkeypatch.setenv("DENGBAO_USER", assessor.username)
    result = runner.invoke(main, [*args, "--forget", b.address])
    assert result.exit_code == 1 and not result.stdout  # forgetting is the manager's decision
    assert SshHostKey.objects.filter(host=b.address).exists()
    monkeypatch.setenv("DENGBAO_USER", world_a.members["manager"].username)
    result = runner.invoke(main, [*args, "--forget", b.address])
    assert result.exit_code == 0, result.output
    forgotten = AuditEvent.objects.get(action="collection.ssh_host_key_forget")
    assert forgotten.details["fingerprint"] == "SHA256:old"
    reports = _collect(setting, lab, ["b"])
    assert reports[b.address].status == "imported" and reports[b.address].host_key == "recorded"
    assert SshHostKey.objects.get(host=b.address).fingerprint == sshlab.fingerprint(b.host_key_pub)
    listed = runner.invoke(main, [*args, "--json"])
    assert [r["fingerprint"] for r in json.loads(listed.stdout)] == [sshlab.fingerprint(b.host_key_pub)]
    assert CollectedBundle.objects.filter(obj=objects["b"]).count() == 1


def test_the_script_streams_its_bundle_to_stdout_and_still_writes_a_file(tmp_path):
    text = linux.script()
    done = subprocess.run(
        ["sh", "-s", "-", "-"], input=text.encode(), cwd=tmp_path, capture_output=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    bundle = collect.read_bundle(done.stdout)
    assert len(bundle.artefacts) >= 40
    assert list(tmp_path.iterdir()) == []  # nothing written in the working directory
    done = subprocess.run(["sh", "-s", "b.tar.gz"], input=text.encode(), cwd=tmp_path, capture_output=True)
    assert done.returncode == 0 and done.stdout.decode().strip() == "b.tar.gz"
    assert collect.read_bundle((tmp_path / "b.tar.gz").read_bytes()).platform == "linux"


def test_a_host_that_does_not_answer_times_out_alone(setting, lab):
    a, silent = lab["hosts"]["a"], lab["hosts"]["silent"]
    reports = _collect(setting, lab, ["silent", "a"], timeout=20)
    assert reports[silent.address].status == "timeout"
    assert len(silent.connections()) >= 1  # it was in scope, so it was tried
    assert reports[a.address].status == "imported"
    run = AuditEvent.objects.get(action="collection.ssh_collect")
    assert {h["address"]: h["status"] for h in run.details["hosts"]} == {
        silent.address: "timeout",
        a.address: "imported",
    }


def test_a_prompted_password_is_used_and_never_shown(world_a, setting, lab, monkeypatch):
    assessment, _objects, assessor = setting
    pw = lab["hosts"]["pw"]
    monkeypatch.setenv("DENGBAO_USER", assessor.username)
    secret = "Zq-not-the-password-91"
    result = CliRunner().invoke(
        main,
        [
            "collect", "ssh", "--project", world_a.project.slug, "--assessment", str(assessment.pk),
            "--targets", pw.address, "--login", "root", "--password-prompt",
        ],
        input=secret + "\n",
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stdout.count(f"{pw.address}：认证失败") == 1  # the host's progress line, once
    assert "完成：0/1 台主机已采集并导入" in result.stdout
    assert secret not in result.output
    assert "Failed password for root" in pw.log.read_text()  # the prompted password was what was sent
    run = AuditEvent.objects.get(action="collection.ssh_collect")
    assert run.details["auth"] == "password" and secret not in json.dumps(run.details)


def test_a_listed_name_connects_to_the_address_judged_and_an_unlisted_one_is_never_resolved(
    world_a, setting, lab
):
    b = lab["hosts"]["b"]
    letter = world_a.project.authorisations.get()
    letter.hosts = ["his-db.hospital.test"]
    letter.cidrs = [f"{b.address}/32"]
    letter.save()
    asked: list[str] = []

    def lookup(name):
        asked.append(name)
        return {"his-db.hospital.test": [b.address], "rogue.hospital.test": ["10.231.0.9"]}[name]

    reports = _collect(setting, lab, ["his-db.hospital.test", "rogue.hospital.test"], lookup=lookup)
    listed, unlisted = reports["his-db.hospital.test"], reports["rogue.hospital.test"]
    assert listed.status == "imported" and listed.address == b.address and listed.object == "ns-host-b"
    assert unlisted.status == "refused" and "未列入授权书" in unlisted.message
    assert asked == ["his-db.hospital.test"]  # resolved once; the unlisted name not at all


def test_what_is_not_a_verified_bundle_is_not_imported(setting, lab):
    hosts = lab["hosts"]
    reports = _collect(setting, lab, ["liar", "broken"])
    liar, broken = reports[hosts["liar"].address], reports[hosts["broken"].address]
    assert liar.status == "bundle" and "采集包校验失败" in liar.message
    assert broken.status == "script" and "退出码 3" in broken.message and "no sh here" in broken.message
    assert liar.host_key == broken.host_key == "recorded"  # the connections themselves were sound
    assert not CollectedBundle.objects.exists()
