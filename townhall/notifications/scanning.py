"""The platform's virus scanner, for every app that takes files (replies by email, uploads, case documents).

``get_virus_scanner()`` is ClamAV over ``CLAMAV_SOCKET`` when that is set, else the local check that refuses
the EICAR test file. ``scan(data, *, filename="") -> ScanResult(clean, detail, scanner)``; it raises
``ScannerUnavailable`` when ClamAV cannot be reached (callers must not treat that as clean).
"""

from __future__ import annotations

from townhall.notifications import config
from townhall.notifications.inbound.scanning import (
    EICAR,
    ClamAvScanner,
    LocalScanner,
    ScannerUnavailable,
    ScanResult,
    VirusScanner,
    scanner_from,
)

__all__ = [
    "EICAR",
    "ClamAvScanner",
    "LocalScanner",
    "ScanResult",
    "ScannerUnavailable",
    "VirusScanner",
    "get_virus_scanner",
    "scanner_from",
]


def get_virus_scanner() -> VirusScanner:
    return scanner_from(str(config.get("CLAMAV_SOCKET", "")))
