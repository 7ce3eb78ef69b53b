from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "bonta.accounts"
    label = "accounts"

    def ready(self) -> None:
        from bonta.accounts import checks, throttle

        throttle.connect()  # audit every failed sign-in and lockout
        checks.register()
