"""Everything that can be imported as collected evidence, read into one ``Bundle``.

A collection script's tar.gz is the common case. Other inputs, such as a network device's
configuration text or the output of a database collection script, each have a reader module
that knows its format. Every reader offers ``sniff(filename, data) -> bool`` and
``read(filename, data) -> Bundle``; ``read_any`` asks them in order and falls back to the
tar.gz bundle.
"""

from __future__ import annotations

from types import ModuleType

from .bundle import Bundle, read_bundle
from .readers import devices

# Reader modules, asked in this order (each adds one line here).
_READERS: tuple[ModuleType, ...] = (
    devices,  # network and security device configuration text
)


def read_any(filename: str, data: bytes) -> Bundle:
    for reader in _READERS:
        if reader.sniff(filename, data):
            return reader.read(filename, data)
    return read_bundle(data)
