"""core.ocr: a rendered dialog read offline, row by row; non-images and decompression bombs refused."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from dengbao.core import ocr
from tests.ocr.screenshot import policy_dialog_png


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_reads_chinese_and_english_lines_of_a_1080p_dialog():
    result = ocr.read_text(policy_dialog_png())
    assert (result.width, result.height) == (1920, 1080)
    text = compact(result.text)
    for token in ("密码长度最小值", "8个字符", "密码必须符合复杂性要求", "已启用", "Minimumpasswordlength"):
        assert token in text, (token, result.text)
    assert result.confidence is not None and result.confidence > 0.8
    assert all(len(line.box) == 4 for line in result.lines)


def test_label_and_value_of_one_row_come_out_on_one_line():
    """The dialog's two columns are rows of text, so a rule can read "密码长度最小值  8个字符"."""
    text = ocr.read_text(policy_dialog_png()).text
    assert re.search(r"^密码长度最小值\s+8\s*个字符$", text, re.M), text
    assert re.search(r"^密码最长使用期限\s+42\s*天$", text, re.M), text


def test_rows_groups_by_vertical_centre_and_orders_left_to_right():
    def line(text, x, y):
        return ocr.OcrLine(text, 0.9, ((x, y), (x + 50, y), (x + 50, y + 20), (x, y + 20)))

    grouped = ocr.rows((line("值", 300, 102), line("标签", 10, 100), line("下一行", 10, 140)))
    assert [[x.text for x in row] for row in grouped] == [["标签", "值"], ["下一行"]]


def test_not_an_image_is_refused():
    with pytest.raises(ocr.ImageRefused, match="不是可识别的图片"):
        ocr.read_text(b"%PDF-1.7 not an image")


def test_too_many_pixels_refused_from_the_header_without_decoding():
    """A 1-bit 20000×20000 PNG is a few kB on disk and 400 million pixels decoded."""
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, format="PNG")
    bomb = out.getvalue()
    assert len(bomb) < 200_000
    with pytest.raises(ocr.ImageRefused, match="像素过多"):
        ocr.read_text(bomb)


def test_too_many_bytes_refused():
    with pytest.raises(ocr.ImageRefused, match="图片过大"):
        ocr.read_text(policy_dialog_png(), max_bytes=10_000)


def test_engine_models_ship_inside_the_package():
    """Nothing is downloaded at run time: the detection, classification and recognition models are files."""
    from pathlib import Path

    import rapidocr_onnxruntime

    models = {p.name for p in Path(rapidocr_onnxruntime.__file__).parent.rglob("*.onnx")}
    assert (
        any("det" in m for m in models)
        and any("rec" in m for m in models)
        and any("cls" in m for m in models)
    )


def test_reads_in_a_network_namespace_with_no_network_at_all(tmp_path):
    """The engine needs nothing from outside: a child with its own, empty, network namespace reads
    the dialog (a download of models at run time would fail there)."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and util-linux's unshare for a network namespace")
    root = Path(__file__).resolve().parents[2]
    script = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "from dengbao.core import ocr\n"
        "from tests.ocr.screenshot import policy_dialog_png\n"
        "print(ocr.read_text(policy_dialog_png()).text)\n"
    )
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run(
        ["unshare", "--net", sys.executable, "-c", script, str(root / "src"), str(root)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "密码长度最小值" in done.stdout and "Minimum" in done.stdout
    assert not any((tmp_path).rglob("*.onnx"))  # nothing was fetched into the home or cache folder
