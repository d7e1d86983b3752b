"""Every document kind of the demo, rendered by LibreOffice as a reader would print it, has no page
that holds only a chart or a single table row (a row that split off its table, a chart pushed
onto a page of its own)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from django.utils import timezone

from dengbao.accounts.models import User
from dengbao.reports import generation
from dengbao.reports.bundle import make_bundle

SOFFICE = shutil.which("soffice") or "soffice"  # Debian's libreoffice-writer-nogui (CI installs it)
PAGE_NUMBER = re.compile(r"[—-]\s*\d+\s*[—-]")


def _page_texts(pdf: Path) -> list[list[str]]:
    """The text lines of each page, without the running header (report number) and page number."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    pages = []
    for page in text.stdout.split("\f")[:-1]:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        pages.append([ln for ln in lines if not ln.startswith("报告编号") and not PAGE_NUMBER.fullmatch(ln)])
    return pages


def _thin_pages(pdf: Path) -> list[tuple[int, list[str]]]:
    return [(n, lines) for n, lines in enumerate(_page_texts(pdf), start=1) if len(lines) <= 1]


def test_no_page_of_any_demo_document_is_only_a_chart_or_one_row(demo_db, tmp_path):
    pm = User.objects.get(username="pm")
    project = demo_db
    files: dict[str, bytes] = {}
    for document in make_bundle(actor=pm, project=project).documents:  # 定级报告, 备案表, 测评报告
        if document.filename.endswith(".docx"):
            files[document.filename] = document.file.read()
    combined = project.assessments.get(name__startswith="HIS")
    today = timezone.localdate()
    jobs = [
        ("gap_list_docx", {"assessment_id": combined.pk}),
        ("remediation_plan", {"assessment_id": combined.pk}),
        ("retest_report", {"assessment_id": combined.pk}),
        ("scan_report", {"import_id": project.scan_imports.order_by("pk").first().pk}),
        ("ticket_record", {"ticket_id": project.contract.tickets.order_by("pk").first().pk}),
        ("monitoring_report", {"year": today.year, "month": today.month}),  # the demo's checks ran today
    ]
    for kind, params in jobs:
        job = generation.job_start(actor=pm, project=project, kind=kind, params=params)
        assert job.status == "done", (kind, job.error)
        for document in job.documents.all():
            files[document.filename] = document.file.read()
    kinds = {d.kind for d in project.documents.all()}
    assert len(files) >= 20 and len(kinds) >= 9, kinds  # every document kind of the demo
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
         "--outdir", str(tmp_path / "pdf"), *sorted(str(tmp_path / n) for n in files)],
        capture_output=True, check=True, timeout=900,
    )  # fmt: skip
    pdfs = sorted((tmp_path / "pdf").glob("*.pdf"))
    assert len(pdfs) == len(files)
    thin = {pdf.name: pages for pdf in pdfs if (pages := _thin_pages(pdf))}
    assert thin == {}, thin


def test_the_page_check_notices_a_page_with_one_line(tmp_path):
    """The check can fail: a page holding one line (as a split-off table row would) is reported."""
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    for n in range(10):
        document.add_paragraph(f"第 {n} 行正文")
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    document.add_paragraph("医院信息系统（HIS）")
    document.save(tmp_path / "one.docx")
    subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(tmp_path / "one.docx")],
        capture_output=True, check=True, timeout=300,
    )  # fmt: skip
    assert _thin_pages(tmp_path / "one.pdf") == [(2, ["医院信息系统（HIS）"])]
