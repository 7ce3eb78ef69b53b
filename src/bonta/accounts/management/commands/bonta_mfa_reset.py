"""`bonta mfa-reset USERNAME`: forget a user's authenticator and recovery codes (a lost phone).

They set up a new authenticator at their next sign-in. Audited.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bonta.accounts import mfa
from bonta.accounts.models import User


class Command(BaseCommand):
    help = "Forget a user's authenticator and recovery codes; they enrol again at next sign-in."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"username: no account {options['username']!r}")
        if mfa.reset(user, actor=None):
            self.stdout.write(f"{user.username}: authenticator removed; set up at next sign-in")
        else:
            self.stdout.write(f"{user.username}: had no authenticator; nothing to reset")
