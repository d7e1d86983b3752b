"""Bounds on what one scan file may contain, so a hostile file is refused with a message
instead of exhausting the stack or memory. Real exports stay far below every one of them.
"""

from __future__ import annotations

MAX_DEPTH = 100  # nesting of JSON containers or XML elements
MAX_RECORD_BYTES = 32 * 1024 * 1024  # one JSONL line, one JSON record, one CSV cell
MAX_TEXT_CHARS = 1_000_000  # one stored text field (description, evidence …); longer is cut, with a warning
MAX_WARNINGS = 1000  # warnings kept in full for one import; beyond that only counted
SNIFF_BYTES = 2 * 1024 * 1024  # how far detection reads to find an XML root past prologs and comments
