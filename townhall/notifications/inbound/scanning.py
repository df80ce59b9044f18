"""Virus scanning behind one Protocol: ClamAV over its socket when CLAMAV_SOCKET is set, else a local check."""

from __future__ import annotations

import socket
import struct
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

# The EICAR anti-virus test file: every scanner must refuse it.
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    detail: str = ""
    scanner: str = ""


class ScannerUnavailable(Exception):
    pass


@runtime_checkable
class VirusScanner(Protocol):
    name: str

    def scan(self, data: bytes, *, filename: str = "") -> ScanResult: ...


class LocalScanner:
    """No real scanning: refuses the EICAR test string so the path is exercised. Use ClamAV in production."""

    name = "local"

    def scan(self, data: bytes, *, filename: str = "") -> ScanResult:
        if EICAR in data:
            return ScanResult(False, "EICAR test file", self.name)
        return ScanResult(True, "", self.name)


class ClamAvScanner:
    """clamd's INSTREAM command over a Unix socket (or host:port)."""

    name = "clamav"

    def __init__(self, address: str, *, timeout: float = 30.0, chunk: int = 64 * 1024):
        self.address = address
        self.timeout = timeout
        self.chunk = chunk

    def _connect(self) -> socket.socket:
        if ":" in self.address and not self.address.startswith("/"):
            host, port = self.address.rsplit(":", 1)
            return socket.create_connection((host, int(port)), timeout=self.timeout)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.address)
        return sock

    def scan(self, data: bytes, *, filename: str = "") -> ScanResult:
        try:
            with self._connect() as sock:
                sock.sendall(b"zINSTREAM\0")
                for start in range(0, len(data), self.chunk):
                    piece = data[start : start + self.chunk]
                    sock.sendall(struct.pack("!L", len(piece)) + piece)
                sock.sendall(struct.pack("!L", 0))
                reply = b""
                while not reply.endswith(b"\0"):
                    got = sock.recv(4096)
                    if not got:
                        break
                    reply += got
        except OSError as exc:
            raise ScannerUnavailable(f"ClamAV at {self.address}: {exc}") from exc
        text = reply.rstrip(b"\0").decode("utf-8", "replace")
        if text.endswith("OK"):
            return ScanResult(True, "", self.name)
        if text.endswith("FOUND"):
            return ScanResult(False, text.split(":", 1)[-1].replace("FOUND", "").strip(), self.name)
        raise ScannerUnavailable(f"ClamAV answered {text!r}")


def scanner_from(clamav_socket: str) -> VirusScanner:
    return ClamAvScanner(clamav_socket) if clamav_socket else LocalScanner()
