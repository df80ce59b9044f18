from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "townhall.core"
    label = "core"
    verbose_name = "Townhall core"

    def ready(self) -> None:
        from townhall.core.ops import web_only  # noqa: F401  (registers townhall.E001)
