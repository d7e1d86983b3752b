"""Every page's <title> is text: no markup pasted into a template's title block."""

from __future__ import annotations

import re
from pathlib import Path

import dengbao

TITLE = re.compile(r"{%\s*block title\s*%}(.*?){%\s*endblock", re.S)


def test_no_title_block_holds_markup():
    root = Path(dengbao.__file__).parent
    templates = list(root.glob("**/templates/**/*.html"))
    assert len(templates) > 50
    bad = {}
    for path in templates:
        for title in TITLE.findall(path.read_text(encoding="utf-8")):
            if "<" in re.sub(r"{[{%].*?[%}]}", "", title) or "\n" in title.strip():
                bad[str(path.relative_to(root))] = title[:80]
    assert bad == {}
