from django.apps import AppConfig


class OpendataConfig(AppConfig):
    name = "townhall.opendata"
    label = "opendata"
