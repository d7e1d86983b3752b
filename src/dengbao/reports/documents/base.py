"""What a document kind declares, and what making one returns.

A kind module (``reports/documents/<kind>.py``) defines one ``KIND = DocumentKind(...)``:
its name and label, the parameters a job or the command line gives it, ``prepare`` (read
the records under the actor's permission into the plain input of its ``core/documents``
module), ``render`` (that module's render function) and its replaceable templates with
their sample data. ``document_make`` (make.py) does the rest the same way for every kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError

from dengbao.core.documents.kinds import TemplateKind
from dengbao.errors import NotReady

if TYPE_CHECKING:
    from dengbao.accounts.models import Project

    from ..models import GeneratedDocument


class DocumentNotReady(NotReady):
    """The records lack fields the document prints; ``missing`` lists them by their Chinese names."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        super().__init__(["生成前请补充：" + "、".join(missing)])


@dataclass(frozen=True)
class Made:
    """A stored version and its bytes; a bundle also lists what it made on the way and what not."""

    document: GeneratedDocument
    content: bytes
    parts: list[GeneratedDocument] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Draft:
    """What ``prepare`` read from the records: the render input and where the version is filed."""

    data: Any
    filename: str
    system: Any = None
    note: str = ""
    assessment: Any = None
    round_number: int | None = None
    stored: dict | None = None  # kept with the version as JSON (what a signed version printed)
    template: str = ""  # which of the kind's templates; "" = the first
    pdf: bool = False
    parts: list = field(default_factory=list)  # documents made on the way (the bundle's)
    problems: list[str] = field(default_factory=list)  # and those that could not be, with why


def ready(missing: list[str], prefix: str = "") -> None:
    """Refuse to make a document while the records lack what it prints."""
    if missing:
        raise DocumentNotReady([f"{prefix}{m}" for m in missing])


# --- parameters: what a job, the documents page, the API and the CLI give a kind -----------


@dataclass(frozen=True)
class Param:
    """One input of a kind. ``field`` names it in the job's params, the form and the API body;
    ``arg`` is the keyword ``prepare`` takes; ``resolve`` turns the stored value into that
    argument (an object of the project: Http404 when it is not one)."""

    field: str
    arg: str
    help: str
    option: str  # the CLI option, e.g. "--assessment"
    resolve: Callable[[Project, Any], Any] = lambda project, value: value
    check: Callable[[Project, Any], bool] | None = None  # before a job starts
    refusal: str = ""  # the message when ``check`` fails
    flag: bool = False
    api: str = "id"  # its type in the API body: "id" (an object's ID), "flag", "text"

    def read(self, value: Any) -> dict:
        """The job params from a form's or body's value (a string, a number, a bool)."""
        if self.flag:
            return {self.field: bool(value)}
        if self.api == "text":
            return {self.field: str(value or "").strip()}
        if isinstance(value, int) or value is None:
            return {self.field: value}
        text = str(value)
        return {self.field: int(text) if text.isdigit() else None}

    def read_strict(self, value: Any) -> dict:
        """As ``read``, for the API: a malformed value is refused before any job starts."""
        return self.read(value)

    def args(self, project: Project, params: Mapping) -> dict:
        return {self.arg: self.resolve(project, params.get(self.field))}


@dataclass(frozen=True)
class MonthParam(Param):
    """A month written YYYY-MM, kept in the job as ``year`` and ``month``."""

    def read(self, value: Any) -> dict:
        year, _sep, month = str(value or "").strip().partition("-")
        return {
            "year": int(year) if year.isdigit() else None,
            "month": int(month) if month.isdigit() else None,
        }

    def read_strict(self, value: Any) -> dict:
        year, _sep, month = str(value or "").strip().partition("-")
        if not (year.isdigit() and month.isdigit()):
            raise ValidationError(f"月份“{value}”应写作 YYYY-MM，如 2026-03")
        return {"year": int(year), "month": int(month)}

    def args(self, project: Project, params: Mapping) -> dict:
        return {"year": int(params.get("year") or 0), "month": int(params.get("month") or 0)}


def of_project(related: str):
    """A resolver: the project's object with that primary key (Http404 when not the project's)."""

    def resolve(project: Project, value: Any):
        from django.http import Http404

        obj = getattr(project, related).filter(pk=value).first() if value else None
        if obj is None:
            raise Http404(f"{related} not found")
        return obj

    return resolve


def _has(related: str) -> Callable[[Project, Any], bool]:
    return lambda project, value: getattr(project, related).filter(pk=value).exists()


SYSTEM = Param(
    "system_id", "system", "定级对象", "--system",
    resolve=of_project("systems"), check=_has("systems"), refusal="请选择本项目的定级对象",
)  # fmt: skip
ASSESSMENT = Param(
    "assessment_id", "assessment", "等级测评", "--assessment",
    resolve=of_project("assessments"), check=_has("assessments"), refusal="请选择本项目的等级测评",
)  # fmt: skip
SCAN_IMPORT = Param(
    "import_id", "import_id", "一次扫描报告导入", "--import",
    resolve=lambda project, value: int(value or 0),
    check=_has("scan_imports"), refusal="请选择本项目的一次扫描结果导入",
)  # fmt: skip
VISIT = Param("visit_id", "visit_id", "一次巡检", "--visit", resolve=lambda p, v: int(v or 0))
TICKET = Param("ticket_id", "ticket_id", "一个工单", "--ticket", resolve=lambda p, v: int(v or 0))
MONTH = MonthParam("month", "month", "YYYY-MM", "--month", api="text")
LAYOUT = Param("layout", "layout", "版式：2025 或 legacy（表一至表四）", "--layout",
               resolve=lambda p, v: v or "2025", api="text")  # fmt: skip
PDF = Param("pdf", "pdf", "同时转换为 PDF", "--pdf", resolve=lambda p, v: bool(v), flag=True, api="flag")


# --- the kind --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentKind:
    """One kind of generated document, declared once in its own module."""

    name: str  # GeneratedDocument.kind, DocumentJob.kind, the API's "kind"
    label: Any  # gettext_lazy: the documents page, the API's kind_label
    prepare: Callable[..., Draft]  # (*, actor, project, **args) -> Draft
    render: Callable[..., bytes]  # (data, *, template=Path | None) -> bytes: core/documents
    params: tuple[Param, ...] = ()
    templates: tuple[TemplateKind, ...] = ()  # the replaceable templates; the first is the default
    job: bool = True  # started as a background job from the documents page and the API
    job_label: str = ""  # the job's name where it differs from ``label``
    order: int = 100  # place in lists
    progress: bool = False  # ``prepare`` takes ``progress`` and reports its own steps (the bundle)
    steps: int = 1  # otherwise the job's progress runs 0 → steps (the 测评报告: reading, then rendering)
    permission: str = "project.view_internal"

    @property
    def title(self) -> str:
        return self.job_label or str(self.label)

    def template(self, key: str = "") -> TemplateKind | None:
        if not self.templates:
            return None
        return next(t for t in self.templates if t.key == key) if key else self.templates[0]

    def job_params(self, values: Mapping, *, strict: bool = False) -> dict:
        """The params a job of this kind stores, read from a form or an API body."""
        params: dict = {}
        for param in self.params:
            value = values.get(param.field)
            params.update(param.read_strict(value) if strict else param.read(value))
        return params

    def check(self, project: Project, params: Mapping) -> None:
        for param in self.params:
            if param.check is not None and not param.check(project, params.get(param.field)):
                raise ValueError(param.refusal)

    def args(self, project: Project, params: Mapping) -> dict:
        args: dict = {}
        for param in self.params:
            args.update(param.args(project, params))
        return args
