"""`bonta token`: issue, list and revoke API bearer tokens.

bonta token USERNAME [--name NAME] [--days N]   print a new key once (it is not stored)
bonta token --list [USERNAME]                   every token (or one user's): never a key
bonta token --revoke ID                         revoke a token now (audited)
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from bonta.accounts.models import User
from bonta.accounts.tokens import (
    MAX_DAYS,
    TokenRefused,
    find_token,
    issue_token,
    list_tokens,
    revoke_token,
)


class Command(BaseCommand):
    help = "Issue an API bearer token (printed once, not stored), list tokens, or revoke one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?")
        parser.add_argument("--name", default="cli")
        parser.add_argument(
            "--days", type=int, help=f"days the token works (1–{MAX_DAYS}; default: setting)"
        )
        parser.add_argument("--list", action="store_true", help="list tokens (never their keys)")
        parser.add_argument("--revoke", metavar="ID", help="revoke the token with this id")

    def handle(self, *args: Any, **options: Any) -> None:
        username = options["username"]
        if options["list"] and options["revoke"]:
            raise CommandError("give --list or --revoke, not both")
        if options["revoke"]:
            if username:
                raise CommandError("--revoke takes a token id, not a username")
            self._revoke(options["revoke"])
        elif options["list"]:
            self._list(self._user(username, active=False) if username else None)
        elif not username:
            raise CommandError("give a username to issue a token for, --list or --revoke ID")
        else:
            try:
                _, key = issue_token(self._user(username), options["name"], days=options["days"])
            except TokenRefused as error:
                raise CommandError(f"{username}: {error}") from None
            self.stdout.write(key)

    def _user(self, username: str, active: bool = True) -> User:
        users = User.objects.filter(is_active=True) if active else User.objects.all()
        try:
            return users.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"no {'active ' if active else ''}user {username!r}") from None

    def _list(self, user: User | None) -> None:
        now = timezone.now()
        self.stdout.write("id\tuser\tname\tcreated\texpires\tlast used\tstatus")
        for t in list_tokens(user):
            when = [t.created_at, t.expires_at, t.last_used_at]
            shown = [w.isoformat(timespec="minutes") if w else "never" for w in when]
            row = [str(t.pk), t.user.username, t.name, *shown, t.status(now)]
            self.stdout.write("\t".join(row))

    def _revoke(self, token_id: str) -> None:
        try:
            token = find_token(token_id)
        except TokenRefused as error:
            raise CommandError(str(error)) from None
        if revoke_token(token, by=None):
            self.stdout.write(f"revoked {token.pk} ({token.user.username}, {token.name})")
        else:
            self.stdout.write(f"{token.pk} was already revoked")
