from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "townhall.portfolio"
    label = "portfolio"
