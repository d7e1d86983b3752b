"""The one exception every importer raises for a file it cannot read.

Its message is for the user (Chinese): which file, where in it, and what was wrong.
The structured fields let the web and CLI layers show or log the parts separately.
"""

from __future__ import annotations


class ImportFormatError(ValueError):
    """A scan file is malformed, of the wrong format, unsafe or empty."""

    def __init__(self, reason: str, *, source: str = "", where: str = "", line: int | None = None) -> None:
        self.reason = reason
        self.source = source  # the file's name as the user knows it
        self.where = where  # "第 12 行", "第 3 行第 2 列（严重程度）", "元素 /nmaprun/host[2]"
        self.line = line
        super().__init__(self._message())

    def _message(self) -> str:
        parts = [p for p in (self.source, self.where) if p]
        return "：".join([*parts, self.reason])

    def located(self, *, source: str) -> ImportFormatError:
        """The same error naming the file, for errors raised before the file name was known."""
        if self.source:
            return self
        return ImportFormatError(self.reason, source=source, where=self.where, line=self.line)


class WrongRoot(ImportFormatError):
    """The XML's root element is not the chosen format's; the registry adds which format it looks like."""

    def __init__(self, reason: str, *, tag: str, source: str = "", where: str = "") -> None:
        self.tag = tag
        super().__init__(reason, source=source, where=where)
