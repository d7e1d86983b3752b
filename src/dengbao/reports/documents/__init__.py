"""Document kinds: one module each, found by ``registry``; ``document_make`` makes any of them.

See docs/adr/0014-document-registry.md for how to add a kind.
"""

from .base import DocumentKind, DocumentNotReady, Draft, Made
from .make import document_make
from .registry import choices, job_kinds, kind, kinds, template_choices, templates

__all__ = [
    "DocumentKind",
    "DocumentNotReady",
    "Draft",
    "Made",
    "choices",
    "document_make",
    "job_kinds",
    "kind",
    "kinds",
    "template_choices",
    "templates",
]
