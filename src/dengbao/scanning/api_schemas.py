"""The scanning API's request and response shapes (api.py holds the endpoints)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from dengbao.api_support import ErrorOut, ObjectId, Paging


class FindingFilter(Paging):
    severity: str = Field("", description="严重 / 高 / 中 / 低 / 信息")
    state: str = Field("", description="状态值，或 active（待处理、已确认、重新出现）")
    host: str = Field("", description="主机、主机名或网址中包含的文字")
    system: int | None = Field(None, description="定级对象 ID")
    tool: str = ""
    q: str = ""
    cve: str = Field("", description="一个 CVE 编号，精确匹配（发现的 CVE 列表完整保存）")


class FindingOut(Schema):
    id: int
    title: str
    severity: str
    state: str
    state_label: str
    tool: str
    rule_id: str
    host: str
    hostname: str
    port: int | None
    protocol: str
    url: str
    place: str
    cve: list[str]
    cvss_score: float | None
    system: str | None
    owner: str | None
    first_seen: dt.datetime
    last_seen: dt.datetime
    sla_due: dt.date | None
    sla_status: str = Field(description="breached / due_soon / ok；不计时为空")


class FindingPage(Schema):
    count: int
    items: list[FindingOut]


class EventOut(Schema):
    kind: str
    from_state: str
    to_state: str
    text: str
    actor: str | None
    import_id: int | None
    at: dt.datetime


class InstanceOut(Schema):
    place: str
    parameter: str
    evidence: str


class FindingDetailOut(FindingOut):
    description: str
    evidence: str
    steps: str
    solution: str
    references: str
    cwe: str
    cvss_vector: str
    exploitable: bool
    risk_accepted_until: dt.date | None
    risk_accepted_by: str | None
    instances: list[InstanceOut]
    history: list[EventOut]


class StateOut(Schema):
    to: str
    label: str


class TransitionsOut(Schema):
    state: str
    allowed: list[StateOut] = Field(description="当前用户可以转到的状态")


class TransitionIn(Schema):
    to: str = Field(description="目标状态，如 confirmed、false_positive、risk_accepted、fixed_pending")
    note: str = Field("", max_length=2000)
    until: dt.date | None = Field(None, description="接受风险的有效期（至多一年）")
    approver_id: ObjectId | None = Field(
        None, description="接受风险的审批人（本项目成员的用户 ID）；默认本人"
    )


class ImportOut(Schema):
    id: int
    fmt: str
    filename: str
    size: int
    sha256: str
    system_id: int | None
    pentest_id: int | None
    findings: int
    created: int
    updated: int
    closed: int
    reopened: int
    duplicates: int
    suppressed: int
    services: int
    hosts: int
    complete: bool
    coverage: dict
    summary: dict = Field(
        description='{"hosts": n, "services": {"new", "unchanged", "closed"}, '
        '"findings": {"created", "updated", "closed", "reopened", "duplicates"}, "warnings": [...]}'
    )
    created_by: str | None
    created_at: dt.datetime


class ImportPage(Schema):
    count: int
    items: list[ImportOut]


class ImportForm(Schema):
    file: str = Field(
        description="扫描报告文件（multipart 文件字段）", json_schema_extra={"format": "binary"}
    )
    format: str = Field(
        "auto",
        description="auto、nmap、nessus、nessus-csv、openvas、openvas-csv、nuclei、zap、acunetix、qualys、"
        "xray 或 csv",
    )
    system_id: int | None = None
    pentest_id: int | None = None
    covers: str = Field(
        "", description="文件未体现的扫描目标（IP、网段、主机名、网址，逗号分隔），如 Nuclei 空输出"
    )


class ImportErrorOut(ErrorOut):
    where: str = ""
    line: int | None = None


class ScanOut(Schema):
    id: int
    name: str
    targets: str
    ports: str
    profile: str
    engine: str
    engine_used: str
    zone: str
    status: str
    status_label: str
    done: int
    total: int
    percent: int
    step: str
    authorisation_id: int | None
    refused_reason: str
    error: str
    next_run_at: dt.datetime | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    created_at: dt.datetime


class ScanPage(Schema):
    count: int
    items: list[ScanOut]


class ScanDetailOut(ScanOut):
    result: dict


class AuthorisationOut(Schema):
    id: int
    title: str
    signer: str
    signed_on: dt.date
    cidrs: list[str]
    hosts: list[str]
    urls: list[str]
    ports: str
    techniques: list[str]
    windows: list
    valid_from: dt.datetime
    valid_until: dt.datetime
    status: str = Field(description="valid / pending / expired / revoked")
    revoked_at: dt.datetime | None
    revoke_reason: str
