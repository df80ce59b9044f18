from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "townhall.sharing"
    label = "sharing"
