"""Writing a file into the document store, and what happens when the store cannot take it (full, read-only, gone).

A failed write is not a server error: the caller turns ``StoreUnavailable`` into a clear message for the person
who sent the file. What the storage had started writing is removed, unless a file of that name was there
before (that one belongs to someone else, and ours went under another name the storage chose).
"""

from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile

logger = logging.getLogger("townhall.storage")


class StoreUnavailable(Exception):
    """The document store could not take the file."""


def store_file(file: FieldFile, name: str, data: bytes) -> None:
    """Save ``data`` as ``name`` into ``file``'s storage (the row is the caller's to save)."""
    target = file.field.generate_filename(file.instance, name)
    existed = file.storage.exists(target)
    try:
        file.save(name, ContentFile(data), save=False)
    except OSError as exc:
        logger.warning("The document store could not take %s: %s", target, exc)
        if not existed:
            try:
                file.storage.delete(target)
            except OSError:
                logger.warning("Could not remove the partly stored file %s", target)
        raise StoreUnavailable(str(exc)) from exc
