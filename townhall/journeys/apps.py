from django.apps import AppConfig


class JourneysConfig(AppConfig):
    name = "townhall.journeys"
    label = "journeys"
