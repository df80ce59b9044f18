"""Catalogue API: list, get and export service definitions."""

from ninja import Router

router = Router(tags=["definitions"])
