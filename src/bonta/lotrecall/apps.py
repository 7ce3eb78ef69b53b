from django.apps import AppConfig


class LotRecallConfig(AppConfig):
    name = "bonta.lotrecall"
    label = "lotrecall"
    verbose_name = "Product (lot) recall"
