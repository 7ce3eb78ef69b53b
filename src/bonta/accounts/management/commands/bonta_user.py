"""`bonta user USERNAME --role ROLE`: create a staff user (or change an existing user's role).

Staff roles only: patient accounts are made by accepting a portal invitation (bonta.portal),
and a patient account is never turned into staff (or staff into a patient) here.

The password is read from standard input (one line), or asked for twice on a terminal; it is
checked by the password validators and stored with Argon2. For a role that must use MFA
(settings.BONTA_MFA_REQUIRED_ROLES) it says that the user sets up an authenticator at first
sign-in.
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from bonta.accounts import mfa
from bonta.accounts.models import STAFF_ROLES, Role, User


class Command(BaseCommand):
    help = "Create a staff user with a role, or change an existing user's role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=sorted(r.value for r in STAFF_ROLES))
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from standard input"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        username, role = options["username"].strip(), options["role"]
        if not username:
            raise CommandError("username: must not be blank")
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            if existing.role == Role.PATIENT:
                raise CommandError(
                    f"{username}: is a patient (portal) account; it cannot be given a staff role"
                )
            existing.role = role
            existing.save(update_fields=["role"])
            self.stdout.write(f"{username}: role is now {role}")
            self._mfa_note(existing)
            return
        password = self._password(options["password_stdin"])
        user = User(username=username, role=role)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError("password: " + " ".join(error.messages)) from None
        with transaction.atomic():
            user.set_password(password)
            user.save()
        self.stdout.write(f"{username}: created with role {role}")
        self._mfa_note(user)

    def _mfa_note(self, user: User) -> None:
        if mfa.required_for(user) and not mfa.is_enrolled(user):
            self.stdout.write(
                f"{user.username}: the {user.role} role must use MFA: they set up an "
                "authenticator app at their first sign-in (a QR code is shown after the password)"
            )

    def _password(self, from_stdin: bool) -> str:
        if from_stdin or not sys.stdin.isatty():
            return sys.stdin.readline().rstrip("\n")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("password: the two entries differ")
        return first
