from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "townhall.insight"
    label = "insight"
