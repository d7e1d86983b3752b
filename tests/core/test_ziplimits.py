"""core/ziplimits.check_zip: each limit refuses, and ordinary Office files pass."""

from __future__ import annotations

import io
import os
import stat
import zipfile

import openpyxl
import pytest

from dengbao.core.ziplimits import ZipLimits, ZipRefused, check_zip

SMALL = ZipLimits(max_total_mb=1, max_members=10, max_ratio=50, ratio_floor_kb=64)


def _zip(members: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return out.getvalue()


def test_a_real_workbook_passes_and_the_stream_stays_where_it_was():
    wb = openpyxl.Workbook()
    for n in range(2000):
        wb.active.append([f"对象 {n}", "服务器/操作系统", n])
    stream = io.BytesIO()
    wb.save(stream)
    stream.seek(7)
    summary = check_zip(stream)
    assert stream.tell() == 7
    assert summary.members > 5 and summary.total_bytes > 10_000


def test_too_many_members():
    data = _zip({f"m{n}.txt": b"x" for n in range(11)})
    with pytest.raises(ZipRefused, match="文件过多：11 个，上限为 10 个"):
        check_zip(data, SMALL)
    check_zip(_zip({f"m{n}.txt": b"x" for n in range(10)}), SMALL)


def test_too_much_in_all_though_each_member_compresses_modestly():
    members = {f"m{n}.bin": os.urandom(256 * 1024) for n in range(5)}  # 256 KB each, 1.25 MB in all
    with pytest.raises(ZipRefused, match="解压后过大：超过 1 MB"):
        check_zip(_zip(members), SMALL)


def test_a_member_that_expands_too_many_times():
    with pytest.raises(ZipRefused, match="压缩比异常"):
        check_zip(_zip({"xl/worksheets/sheet1.xml": b" " * (512 * 1024)}), SMALL)
    check_zip(_zip({"small.xml": b" " * (32 * 1024)}), SMALL)  # under the floor: not ratio-checked


@pytest.mark.parametrize(
    "name", ["/etc/passwd", "../evil.xml", "xl/../../evil.xml", "C:/evil.xml", "xl\\evil.xml", "a\x00b.xml"]
)
def test_unsafe_member_names(name):
    # zipfile cuts a name at NUL when writing: write a stand-in, then put the NUL in the bytes
    data = _zip({name.replace("\x00", "Q"): b"x"}).replace(b"aQb", b"a\x00b")
    with pytest.raises(ZipRefused, match="文件名不安全"):
        check_zip(data, SMALL)


def test_a_symbolic_link_and_a_name_twice():
    with pytest.raises(ZipRefused, match="符号链接"):
        check_zip(_zip({"a.xml": b"x"}, symlink="xl/link"), SMALL)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive, pytest.warns(UserWarning):
        archive.writestr("a.xml", b"1")
        archive.writestr("a.xml", b"2")
    with pytest.raises(ZipRefused, match="重复"):
        check_zip(out.getvalue(), SMALL)


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04 broken", b"not a zip at all" * 100])
def test_not_a_zip(data):
    with pytest.raises(ZipRefused, match="不是有效的压缩包"):
        check_zip(data, SMALL)


def test_limits_from_the_environment():
    limits = ZipLimits.from_env({"DENGBAO_ZIP_MAX_TOTAL_MB": "64", "DENGBAO_ZIP_MAX_RATIO": " 500 "})
    assert (limits.max_total_mb, limits.max_ratio, limits.max_members) == (64, 500, ZipLimits().max_members)
    with pytest.raises(ValueError, match="DENGBAO_ZIP_MAX_MEMBERS"):
        ZipLimits.from_env({"DENGBAO_ZIP_MAX_MEMBERS": "many"})
    with pytest.raises(ValueError, match="positive"):
        ZipLimits.from_env({"DENGBAO_ZIP_MAX_RATIO": "0"})
