"""Importing bundles as proposals, and accepting them: never over a person's result."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dengbao.assessments import services as assessment_services
from dengbao.assessments.models import ResultRecord
from dengbao.audit.models import AuditEvent
from dengbao.collection import selectors, services
from dengbao.collection.models import CollectedBundle, Proposal

from ..assessments.helpers import HARM3, graded

pytestmark = pytest.mark.django_db

ARTEFACTS = {
    "login_defs": "PASS_MAX_DAYS\t90\nPASS_MIN_DAYS\t1\nPASS_WARN_AGE\t7\nENCRYPT_METHOD SHA512\n",
    "pwquality": "minlen = 12\nminclass = 3\n",
    "pam_password": "/etc/pam.d/common-password: password requisite pam_pwquality.so retry=3\n",
    "account_status": "root P 01/01/2026 0 90 7 -1\nalice P 01/01/2026 1 90 7 30\n",
    "duplicate_ids": "END\n",
    "sshd_effective": "permitemptypasswords no\npermitrootlogin no\nclientaliveinterval 300\n"
    "maxauthtries 4\nlogingracetime 60\n",
    "tmout": "/etc/profile.d/tmout.sh:readonly TMOUT=300\n",
    "pam_auth": "/etc/pam.d/common-auth: auth required pam_unix.so\n",
    "faillock": "",
}


def make_bundle(
    artefacts: dict[str, str], *, hostname: str = "his-app-1", address: str = "10.0.0.5", tamper: str = ""
) -> bytes:
    """A bundle in the collector's format, written by hand."""
    out = io.BytesIO()
    commands = []
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, text in artefacts.items():
            data = text.encode()
            commands.append(
                {
                    "name": name,
                    "command": f"collect {name}",
                    "file": f"out/{name}.txt",
                    "rc": 0,
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
            )
            if name == tamper:
                data += b"\nedited"
            info = tarfile.TarInfo(f"out/{name}.txt")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        manifest = {
            "collector": "dengbao-linux",
            "version": "1",
            "platform": "linux",
            "host": {"hostname": hostname, "addresses": [address]},
            "started": "2026-12-07T08:00:00Z",
            "finished": "2026-12-07T08:00:02Z",
            "commands": commands,
        }
        raw = json.dumps(manifest).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(raw)
        tar.addfile(info, io.BytesIO(raw))
    return out.getvalue()


@pytest.fixture
def server(world_a):
    system = graded(world_a, "HIS", HARM3, HARM3)
    assessment = assessment_services.assessment_create(
        actor=world_a.members["manager"], project=world_a.project, name="HIS", systems=[system]
    )
    return assessment_services.object_add(
        actor=world_a.members["assessor"],
        assessment=assessment,
        kind="服务器/操作系统",
        name="HIS应用服务器",
        location="10.0.0.5",
    )


def _record(obj, unit):
    return ResultRecord.objects.get(obj=obj, unit_id=unit)


def test_import_stores_hashed_bundle_and_proposes_per_unit(world_a, server):
    data = make_bundle(ARTEFACTS)
    summary = services.bundle_import(
        actor=world_a.members["assessor"], obj=server, data=data, filename="b.tar.gz"
    )
    out = summary.as_json()
    assert set(out) == {"rules", "proposals", "units", "warnings"}
    assert set(out["rules"]) == {"pass", "fail", "na", "error"}
    assert sum(out["rules"].values()) >= 40
    units = {u["unit"]: u for u in out["units"]}
    assert units["L3-CES1-01"]["result"] == "符合"  # every password rule passes
    assert units["L3-CES1-02"]["result"] == "部分符合"  # timeouts set, no lockout module
    assert "linux.login-lockout" in units["L3-CES1-02"]["rules"]
    assert out["proposals"] == len(out["units"]) == Proposal.objects.count()
    proposal = Proposal.objects.get(unit_id="L3-CES1-01")
    assert "PASS_MAX_DAYS 为 90" in proposal.note and "口令最小长度为 12 位" in proposal.note
    lines = [line for e in proposal.evidence for line in e["evidence"]]
    assert {"artefact": "login_defs", "line": 1, "text": "PASS_MAX_DAYS\t90"} in lines
    stored = CollectedBundle.objects.get()
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert stored.file.read() == data
    assert stored.host["hostname"] == "his-app-1"
    assert any("采集包缺少" in w for w in out["warnings"])  # rules whose artefacts were not collected
    assert _record(server, "L3-CES1-01").result == ""  # nothing written before a person accepts
    event = AuditEvent.objects.filter(action="collection.bundle_import").get()
    assert event.details["sha256"] == stored.sha256


def test_a_proposal_never_overwrites_a_persons_result(world_a, server):
    assessor = world_a.members["assessor"]
    record = _record(server, "L3-CES1-01")
    assessment_services.result_record(
        actor=assessor,
        record=record,
        value="不符合",
        note="现场核查：口令未定期更换",
        methods=["核查"],
        version=0,
    )
    summary = services.bundle_import(actor=assessor, obj=server, data=make_bundle(ARTEFACTS), filename="b")
    assert any(w.startswith("L3-CES1-01：已有人工录入的结果“不符合”") for w in summary.warnings)
    # a result entered after the proposal was made is not overwritten either
    later = _record(server, "L3-CES1-02")
    assessment_services.result_record(
        actor=assessor, record=later, value="符合", note="人工", methods=["核查"], version=later.version
    )
    decided = services.proposals_accept(actor=assessor, proposals=Proposal.objects.all())
    skipped = {p.unit_id: why for p, why in decided.skipped}
    assert skipped["L3-CES1-01"] == "已有人工录入的结果“不符合”，不覆盖"
    assert skipped["L3-CES1-02"] == "已有人工录入的结果“符合”，不覆盖"
    record.refresh_from_db()
    later.refresh_from_db()
    assert (record.result, record.note, record.version) == ("不符合", "现场核查：口令未定期更换", 1)
    assert (later.result, later.note) == ("符合", "人工")
    assert decided.accepted  # the other units were written


def test_bulk_accept_writes_results_marked_as_from_a_rule(world_a, server):
    assessor = world_a.members["assessor"]
    services.bundle_import(actor=assessor, obj=server, data=make_bundle(ARTEFACTS), filename="b")
    pending = selectors.proposals(actor=assessor, assessment=server.assessment)
    n = pending.count()
    decided = services.proposals_accept(actor=assessor, proposals=pending)
    assert len(decided.accepted) == n and decided.skipped == []
    record = _record(server, "L3-CES1-01")
    assert (record.result, record.methods, record.recorded_by) == ("符合", ["核查"], assessor)
    assert record.note.startswith("经核查，/etc/login.defs 中 PASS_MAX_DAYS 为 90")
    sources = selectors.result_sources(actor=assessor, records=list(ResultRecord.objects.filter(obj=server)))
    assert sources[record.pk].bundle == CollectedBundle.objects.get()
    assert AuditEvent.objects.filter(action="collection.proposal_accept").count() == n
    # accepting twice does nothing; a person's edit makes the result a person's again
    again = services.proposals_accept(actor=assessor, proposals=Proposal.objects.all())
    assert again.accepted == [] and len(again.skipped) == n
    assessment_services.result_record(
        actor=assessor,
        record=record,
        value="部分符合",
        note="人工复核",
        methods=["核查"],
        version=record.version,
    )
    assert record.pk not in selectors.result_sources(actor=assessor, records=[record])
    assert services.from_person(record)


def test_reimport_supersedes_pending_proposals_and_reject_is_audited(world_a, server):
    assessor = world_a.members["assessor"]
    services.bundle_import(actor=assessor, obj=server, data=make_bundle(ARTEFACTS), filename="a")
    first = set(Proposal.objects.values_list("pk", flat=True))
    weaker = dict(ARTEFACTS, login_defs="PASS_MAX_DAYS\t99999\n")
    services.bundle_import(actor=assessor, obj=server, data=make_bundle(weaker), filename="b")
    assert set(Proposal.objects.filter(pk__in=first).values_list("status", flat=True)) == {"superseded"}
    current = Proposal.objects.get(unit_id="L3-CES1-01", status="pending")
    assert current.result == "部分符合"
    services.proposal_reject(actor=assessor, proposal=current, reason="现场复核另有说明")
    assert Proposal.objects.get(pk=current.pk).status == "rejected"
    assert AuditEvent.objects.filter(action="collection.proposal_reject").count() == 1
    with pytest.raises(ValidationError):
        services.proposal_reject(actor=assessor, proposal=current)


def test_tampered_or_foreign_bundles_store_nothing(world_a, server):
    assessor = world_a.members["assessor"]
    with pytest.raises(ValidationError, match="SHA-256"):
        services.bundle_import(
            actor=assessor, obj=server, data=make_bundle(ARTEFACTS, tamper="login_defs"), filename="t"
        )
    with pytest.raises(PermissionDenied):
        services.bundle_import(
            actor=world_a.members["client"], obj=server, data=make_bundle(ARTEFACTS), filename="c"
        )
    assert CollectedBundle.objects.count() == 0 and Proposal.objects.count() == 0
    summary = services.bundle_import(
        actor=assessor, obj=server, data=make_bundle(ARTEFACTS, hostname="other"), filename="o"
    )
    assert not any("不一致" in w for w in summary.warnings)  # 10.0.0.5 matches the object's address
    server.location = "10.9.9.9"
    summary = services.bundle_import(actor=assessor, obj=server, data=make_bundle(ARTEFACTS), filename="o")
    assert any("与对象的 IP/位置“10.9.9.9”不一致" in w for w in summary.warnings)
    assert not any("请确认对象选择正确" in w for w in summary.warnings)
    db = assessment_services.object_add(
        actor=assessor, assessment=server.assessment, kind="数据库管理系统", name="HIS数据库"
    )
    summary = services.bundle_import(actor=assessor, obj=db, data=make_bundle(ARTEFACTS), filename="d")
    assert (
        "“HIS数据库”是数据库管理系统，linux 采集包通常用于服务器/操作系统，请确认对象选择正确"
        in summary.warnings
    )


def test_agency_rules_file_replaces_a_builtin_rule(world_a, server, settings, tmp_path):
    agency = tmp_path / "agency.yaml"
    agency.write_text(
        """
- id: linux.pass-max-days
  title: 本机构要求口令 60 天内更换
  platform: linux
  artefacts: [login_defs]
  extract:
    DAYS: {regex: '^PASS_MAX_DAYS\\s+(\\d+)'}
  condition: DAYS <= 60
  expected: '<= 60'
  units: {L3: [L3-CES1-01]}
  pass: 口令最长使用 {DAYS} 天（本机构要求 60 天）
  fail: 口令最长使用 {DAYS} 天，超过本机构要求的 60 天
  remediation: PASS_MAX_DAYS 60
""",
        encoding="utf-8",
    )
    settings.DENGBAO_COLLECT_RULES = str(agency)
    services.bundle_import(
        actor=world_a.members["assessor"], obj=server, data=make_bundle(ARTEFACTS), filename="b"
    )
    proposal = Proposal.objects.get(unit_id="L3-CES1-01")
    assert proposal.result == "部分符合"
    assert "口令最长使用 90 天，超过本机构要求的 60 天" in proposal.note
    agency.write_text("- id: X\n", encoding="utf-8")
    with pytest.raises(ValidationError, match=r"agency.yaml:1: id: "):
        services.bundle_import(
            actor=world_a.members["assessor"], obj=server, data=make_bundle(ARTEFACTS), filename="b"
        )


def test_the_checklist_shows_which_results_a_rule_wrote(world_a, server, login):
    assessor = world_a.members["assessor"]
    services.bundle_import(
        actor=assessor, obj=server, data=make_bundle(ARTEFACTS), filename="his-app-1.tar.gz"
    )
    services.proposals_accept(actor=assessor, proposals=Proposal.objects.filter(unit_id="L3-CES1-01"))
    url = f"/projects/{world_a.project.slug}/assessments/{server.assessment_id}/objects/{server.pk}/"
    page = login(assessor).get(url).content.decode()
    rows = {row.split('"', 1)[0]: row for row in page.split('id="row-')[1:]}
    by_unit = {_record(server, u).pk: u for u in ("L3-CES1-01", "L3-CES1-02")}
    first, second = (rows[str(pk)] for pk in by_unit)
    assert "规则建议 · linux · his-app-1.tar.gz" in first  # accepted: the bundle it came from
    assert CollectedBundle.objects.get().sha256 in first and "linux.pass-max-days" in first
    assert "规则建议" not in second  # still pending: nothing written, nothing claimed
    # a person's edit makes it a person's result again, on the page as in the data
    record = _record(server, "L3-CES1-01")
    assessment_services.result_record(
        actor=assessor,
        record=record,
        value="部分符合",
        note="人工复核",
        methods=["核查"],
        version=record.version,
    )
    page = login(assessor).get(url).content.decode()
    assert "规则建议" not in page.split(f'id="row-{record.pk}"', 1)[1].split("</form>", 1)[0]
