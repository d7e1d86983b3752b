"""Scanner-report importers: one streaming parser per format, one Finding type.

Use ``detect(path)`` to name a file's format and ``parse(path, fmt=None)`` to stream its
records (Finding, and ServiceObservation for nmap). Everything is pure Python; the
scanning app stores the records and applies ``reconcile`` on re-import.
"""

from .base import Importer
from .errors import ImportFormatError
from .model import Finding, Record, ServiceObservation, Severity, dedup_key
from .reconcile import Prior, Reconciliation, reconcile
from .registry import detect, detect_stream, importers, parse

__all__ = [
    "Finding",
    "ImportFormatError",
    "Importer",
    "Prior",
    "Reconciliation",
    "Record",
    "ServiceObservation",
    "Severity",
    "dedup_key",
    "detect",
    "detect_stream",
    "importers",
    "parse",
    "reconcile",
]
