"""`manage.py bonta_issue_token USERNAME [--name NAME]`: print a new API key once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bonta.accounts.models import User
from bonta.accounts.tokens import TokenRefused, issue_token


class Command(BaseCommand):
    help = "Issue an API bearer token for a user; the key is printed once and not stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"], is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"no active user {options['username']!r}") from None
        try:
            _, key = issue_token(user, options["name"])
        except TokenRefused as error:
            raise CommandError(f"{options['username']}: {error}") from None
        self.stdout.write(key)
