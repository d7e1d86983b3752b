"""Scanner-report importers: one streaming parser per format, one Finding type.

Use ``detect(path)`` to name a file's format and ``parse(path, fmt=None)`` to stream its
records: Finding, ServiceObservation (nmap), Coverage and Incomplete (what the file shows
was looked at) and RecordWarning (a record skipped or shortened). Everything is pure
Python; the scanning app stores the records and applies ``reconcile`` on re-import.
"""

from .base import Importer
from .coverage import Coverage, CoverageIndex, Incomplete, PortSet
from .errors import ImportFormatError
from .model import Finding, Record, RecordWarning, ServiceObservation, Severity, dedup_key
from .reconcile import Prior, Reconciliation, reconcile
from .registry import detect, detect_stream, importers, parse

__all__ = [
    "Coverage",
    "CoverageIndex",
    "Finding",
    "ImportFormatError",
    "Importer",
    "Incomplete",
    "PortSet",
    "Prior",
    "Reconciliation",
    "Record",
    "RecordWarning",
    "ServiceObservation",
    "Severity",
    "dedup_key",
    "detect",
    "detect_stream",
    "importers",
    "parse",
    "reconcile",
]
