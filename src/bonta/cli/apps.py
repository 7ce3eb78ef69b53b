from django.apps import AppConfig


class CliConfig(AppConfig):
    """Only so Django finds the `bonta serve` and `bonta demo` management commands."""

    name = "bonta.cli"
    label = "bonta_cli"
    verbose_name = "Command line"
