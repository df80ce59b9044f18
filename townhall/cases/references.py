"""Case references residents can read out on the phone: 8 characters, no look-alikes, like HX7K-9M3T."""

from __future__ import annotations

import re
import secrets

# No 0/O, 1/I/L, 5/S, 2/Z: each pair is misread on paper and on the phone.
ALPHABET = "346789ABCDEFGHJKMNPQRTUVWXY"
_PATTERN = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")


def new_reference() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def normalise_reference(text: str) -> str:
    """What a resident typed ("hx7k 9m3t", "HX7K9M3T") as a stored reference, or "" when it cannot be one."""
    compact = re.sub(r"[\s\-]", "", text or "").upper()
    if len(compact) != 8:
        return ""
    candidate = f"{compact[:4]}-{compact[4:]}"
    return candidate if _PATTERN.match(candidate) else ""


def is_reference(text: str) -> bool:
    return bool(_PATTERN.match(text or ""))
