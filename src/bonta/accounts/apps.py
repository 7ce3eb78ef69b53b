from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bonta.accounts"
    label = "accounts"
