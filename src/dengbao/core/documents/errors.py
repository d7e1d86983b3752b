"""What can go wrong making a document, as types the callers catch."""

from __future__ import annotations


class DocumentError(ValueError):
    """A template, context or image that cannot make a document; the message says which."""


class ConversionError(RuntimeError):
    """LibreOffice is installed but did not turn the document into a PDF."""


class TemplateLimitError(DocumentError):
    """A template's render went over one of its limits (``limit``: cpu, wall, memory or output)."""

    def __init__(self, limit: str, message: str = ""):
        self.limit = limit
        super().__init__(message or limit)
