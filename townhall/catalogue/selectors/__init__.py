from townhall.catalogue.selectors.definitions import (
    definition_export,
    definition_list,
    export_filename,
    published_services,
    published_version,
    service_get,
    version_by_id,
    version_get,
)

__all__ = [
    "definition_export",
    "definition_list",
    "export_filename",
    "published_services",
    "published_version",
    "service_get",
    "version_by_id",
    "version_get",
]
