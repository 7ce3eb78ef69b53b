"""`bonta unlock USERNAME`: let a user who is locked out of sign-in try again now (audited)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bonta.accounts import throttle
from bonta.accounts.models import User


class Command(BaseCommand):
    help = "Clear a user's failed sign-ins (from every address), ending any lockout."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"username: no account {options['username']!r}")
        cleared = throttle.unlock(user, actor=None, via="cli")
        if cleared:
            self.stdout.write(f"{user.username}: unlocked; they can sign in again")
        else:
            self.stdout.write(f"{user.username}: had no failed sign-ins; nothing to unlock")
