from townhall.catalogue.selectors.definitions import definition_export
from townhall.catalogue.services.definitions import (
    definition_check,
    definition_draft_update,
    definition_import,
    definition_publish,
)
from townhall.catalogue.services.versions import definition_adopt, definition_new_draft, definition_retire

__all__ = [
    "definition_adopt",
    "definition_check",
    "definition_draft_update",
    "definition_export",
    "definition_import",
    "definition_new_draft",
    "definition_publish",
    "definition_retire",
]
