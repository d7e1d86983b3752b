"""Security problems (安全问题) from item results, and the high-risk cases that may apply to them.

Plain data in, plain data out: the Django app feeds the rows of a round and stores
what comes back, keeping whatever people have edited since.

How a case's 适用范围 is matched (2025 实施指引（试行）):

* the assessment's level (the higher of S and A) must reach the case's ``min_level``;
* a case with conditions (业务连续性要求高, 云计算平台, 关键行业 …) applies when one of
  them is known to hold. The only case with two (7.3.1.1, "云计算平台和云服务客户系统")
  names two kinds of system, either of which it judges — so conditions are alternatives;
* when none is known to hold but not all are known to be absent, the case is still
  proposed, with a note asking the assessor to confirm the condition. A case whose
  every condition is known to be absent is not proposed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .catalogue.model import Catalogue, HighRiskCase, Item
from .catalogue.query import high_risk_for
from .spreadsheet import neutralise

COMPLIANT = "符合"
PARTIAL = "部分符合"
NON_COMPLIANT = "不符合"
NOT_APPLICABLE = "不适用"
SHORTFALLS = (PARTIAL, NON_COMPLIANT)


class Risk(StrEnum):
    HIGH = "高"
    MEDIUM = "中"
    LOW = "低"


@dataclass(frozen=True)
class Row:
    """One recorded result: a test unit on one object."""

    unit: str  # "L3-CES1-01"
    obj: str  # assessment object name
    result: str  # 符合 / 部分符合 / 不符合 / 不适用, or "" when not recorded
    note: str = ""


@dataclass(frozen=True)
class CaseMatch:
    case: HighRiskCase
    unconfirmed: tuple[str, ...] = ()  # conditions the assessor still has to confirm

    @property
    def note(self) -> str:
        if not self.unconfirmed:
            return ""
        return f"须确认适用条件：{'或'.join(self.unconfirmed)}（适用范围：{self.case.scope}）"


@dataclass(frozen=True)
class ProposedProblem:
    unit: str
    title: str
    category: str  # PES … MMS
    control_point: str
    objects: tuple[str, ...]  # objects short of 符合, in the order given
    description: str
    remediation: str
    risk: Risk  # from the results alone: 中 for any 不符合, else 低
    cases: tuple[CaseMatch, ...] = ()

    @property
    def proposed_risk(self) -> Risk:
        """高 when a high-risk case is proposed; it becomes the problem's risk once confirmed."""
        return Risk.HIGH if self.cases else self.risk

    @property
    def case(self) -> CaseMatch | None:
        """The case to propose: one whose conditions are known to hold first."""
        return self.cases[0] if self.cases else None


def match_cases(
    catalogue: Catalogue,
    unit_id: str,
    level: int,
    conditions: Collection[str] = frozenset(),
    *,
    absent: Collection[str] = frozenset(),
) -> list[CaseMatch]:
    """The high-risk cases that judge ``unit_id`` at ``level``, given what is known of the system.

    ``conditions`` hold for the assessed system; ``absent`` are known not to hold; any other
    condition is unknown, and a case depending on it comes back with it in ``unconfirmed``.
    Fully matched cases come first.
    """
    matches: list[CaseMatch] = []
    for case in high_risk_for(catalogue, unit_id):
        if level < case.min_level:
            continue
        if not case.conditions or any(c in conditions for c in case.conditions):
            matches.append(CaseMatch(case))
            continue
        unknown = tuple(c for c in case.conditions if c not in absent)
        if unknown:
            matches.append(CaseMatch(case, unconfirmed=unknown))
    matches.sort(key=lambda m: bool(m.unconfirmed))
    return matches


def default_title(item: Item) -> str:
    first = item.requirement.split("：", 1)[0].split("；", 1)[0].rstrip("。")
    return f"{item.control_point}：{first}"[:200]


def describe(item: Item | None, rows: Iterable[Row]) -> str:
    """The requirement, then each object short of 符合 with its result and the assessor's note."""
    lines = [f"测评要求：{item.requirement}"] if item is not None else []
    for row in rows:
        note = " ".join(row.note.split())
        lines.append(f"{row.obj}（{row.result}）：{note}" if note else f"{row.obj}（{row.result}）")
    return "\n".join(lines)


def default_remediation(item: Item | None, unit: str) -> str:
    if item is None:
        return f"按 GB/T 22239-2019 测评单元 {unit} 的要求整改。"
    return f"按 GB/T 22239-2019 {item.control_point}（{item.letter}）的要求整改：{item.requirement}"


def propose(
    rows: Iterable[Row],
    catalogue: Catalogue,
    *,
    level: int,
    conditions: Collection[str] = frozenset(),
    absent: Collection[str] = frozenset(),
) -> list[ProposedProblem]:
    """One problem per unit whose results include 部分符合 or 不符合, in catalogue order."""
    short: dict[str, list[Row]] = {}
    for row in rows:
        if row.result in SHORTFALLS:
            short.setdefault(row.unit, []).append(row)
    order = {item.id: n for n, item in enumerate(catalogue.items)}
    problems = []
    for unit in sorted(short, key=lambda u: (order.get(u, 1 << 30), u)):
        unit_rows = short[unit]
        item = catalogue.by_id.get(unit)
        risk = Risk.MEDIUM if any(r.result == NON_COMPLIANT for r in unit_rows) else Risk.LOW
        problems.append(
            ProposedProblem(
                unit=unit,
                title=default_title(item) if item else unit,
                category=item.category if item else "",
                control_point=item.control_point if item else "",
                objects=tuple(dict.fromkeys(r.obj for r in unit_rows)),
                description=describe(item, unit_rows),
                remediation=default_remediation(item, unit),
                risk=risk,
                cases=tuple(match_cases(catalogue, unit, level, conditions, absent=absent)),
            )
        )
    return problems


def resolved_units(rows: Iterable[Row]) -> set[str]:
    """Units now 符合 on every object (不适用 aside): a problem recorded for them is fixed.

    A unit with any result missing stays as it was — an emptied cell proves nothing.
    """
    state: dict[str, bool] = {}
    seen_compliant: set[str] = set()
    for row in rows:
        ok = row.result in (COMPLIANT, NOT_APPLICABLE)
        state[row.unit] = state.get(row.unit, True) and ok
        if row.result == COMPLIANT:
            seen_compliant.add(row.unit)
    return {unit for unit, ok in state.items() if ok and unit in seen_compliant}


def count_text(total: int, fixed: int) -> str:
    """重大风险隐患数量 as the 2025 report shows it: counted before remediation, "10（5个已整改）"."""
    return f"{total}（{fixed}个已整改）" if fixed else str(total)


@dataclass(frozen=True)
class SystemTraits:
    """What the systems under assessment say about case conditions by themselves."""

    technology_types: tuple[str, ...] = ()  # "cloud", "ics", …
    support_platform: bool = False  # a cloud platform (支撑性对象) rather than a system on one


def case_condition_names(catalogue: Catalogue) -> list[str]:
    return sorted({c for case in catalogue.high_risk for c in case.conditions})


def known_conditions(
    systems: Iterable[SystemTraits],
    *,
    extensions: Collection[str] = (),
    holds: Collection[str] = (),
    absent: Collection[str] = (),
) -> tuple[frozenset[str], frozenset[str]]:
    """(holding, absent) conditions: derived from the systems, then the assessor's settings on top.

    A cloud system is a 云计算平台 when it is a support platform, otherwise a 云服务客户;
    工业控制系统 follows the technology type or the ICS extension. 业务连续性要求高 and
    关键行业 are never derived: only the assessor knows them.
    """
    derived_holds: set[str] = set()
    derived_absent: set[str] = set()
    systems = list(systems)
    cloud = [s for s in systems if "cloud" in s.technology_types]
    if cloud:
        if any(s.support_platform for s in cloud):
            derived_holds.add("云计算平台")
        else:
            derived_absent.add("云计算平台")
        if any(not s.support_platform for s in cloud):
            derived_holds.add("云服务客户")
        else:
            derived_absent.add("云服务客户")
    elif "cloud" not in extensions:
        derived_absent |= {"云计算平台", "云服务客户"}
    if "ics" in extensions or any("ics" in s.technology_types for s in systems):
        derived_holds.add("工业控制系统")
    else:
        derived_absent.add("工业控制系统")
    holding = (derived_holds - set(absent)) | set(holds)
    missing = (derived_absent - set(holds)) | (set(absent) - set(holds))
    return frozenset(holding), frozenset(missing)


# --- The gap list (差距分析问题列表) as a workbook -----------------------------------------


@dataclass(frozen=True)
class GapRow:
    category: str  # 安全类, e.g. 安全计算环境
    control_point: str
    item: str  # 测评项: unit ID and requirement
    objects: str
    description: str
    risk: str
    case: str  # 高风险判例 as shown to the client
    remediation: str
    status: str
    scope: str = ""  # the assessment (system) in a project-wide list


GAP_COLUMNS = (
    ("序号", 7),
    ("安全类", 14),
    ("控制点", 14),
    ("测评项", 44),
    ("测评对象", 22),
    ("问题描述", 56),
    ("风险等级", 9),
    ("高风险判例", 30),
    ("整改建议", 44),
    ("整改状态", 10),
)
_THIN = Side(style="thin", color="BFBFBF")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_RISK_FILL = {"高": "F8CBAD", "中": "FFE699", "低": "E2EFDA"}


def write_gap_list(rows: Iterable[GapRow], stream: BinaryIO, *, title: str, with_scope: bool = False) -> int:
    """Write the gap list; every text cell goes through ``neutralise``. Returns the rows written."""
    columns = list(GAP_COLUMNS)
    if with_scope:
        columns.insert(1, ("定级对象/测评", 18))
    wb = Workbook()
    sheet = wb.active
    assert isinstance(sheet, Worksheet)  # a new workbook's one sheet
    sheet.title = "差距分析问题列表"
    sheet.append([neutralise(title)])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append([name for name, _ in columns])
    fill = PatternFill("solid", fgColor="DDEBF7")
    for idx, (_, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=2, column=idx)
        cell.font, cell.fill, cell.border = Font(bold=True), fill, _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center")
        sheet.column_dimensions[get_column_letter(idx)].width = width
    sheet.freeze_panes = "A3"
    risk_col = [name for name, _ in columns].index("风险等级") + 1
    count = 0
    for count, row in enumerate(rows, start=1):
        values: list[object] = [
            count,
            row.category,
            row.control_point,
            row.item,
            row.objects,
            row.description,
            row.risk,
            row.case,
            row.remediation,
            row.status,
        ]
        if with_scope:
            values.insert(1, row.scope)
        sheet.append([neutralise(v) for v in values])
        r = sheet.max_row
        for col in range(1, len(columns) + 1):
            cell = sheet.cell(row=r, column=col)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = _BORDER
        if row.risk in _RISK_FILL:
            sheet.cell(row=r, column=risk_col).fill = PatternFill("solid", fgColor=_RISK_FILL[row.risk])
    last = get_column_letter(len(columns))
    sheet.auto_filter.ref = f"A2:{last}{max(sheet.max_row, 2)}"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    wb.save(stream)
    return count
