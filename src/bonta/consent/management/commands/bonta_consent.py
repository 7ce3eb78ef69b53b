"""`bonta_consent list | install | publish`: the clinic's consent documents from the command line.

    python -m django bonta_consent list
    python -m django bonta_consent install            # Bonta's shipped texts, where none exists
    python -m django bonta_consent publish cosmetic --title "…" --file text.md --by manager

Publishing makes the new text the current version: every patient must sign it before their
next sign-off on that pathway. Only a manager account may publish (the service checks).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bonta.accounts.models import User
from bonta.consent import services
from bonta.consent.models import ConsentDocument, ConsentKind
from bonta.domain.errors import DomainError


class Command(BaseCommand):
    help = "List, install or publish consent documents."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="every published version")
        sub.add_parser("install", help="publish Bonta's shipped texts where a kind has none")
        publish = sub.add_parser("publish", help="publish a new version of one kind")
        publish.add_argument("kind", choices=ConsentKind.values)
        publish.add_argument("--title", required=True)
        publish.add_argument("--file", required=True, type=Path, help="the text (UTF-8)")
        publish.add_argument("--by", required=True, help="the manager's username")
        publish.add_argument(
            "--product",
            default=None,
            help="the product the text is worded for (default: botox_cosmetic for cosmetic, "
            "botox for chronic_migraine)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "list":
            for d in ConsentDocument.objects.order_by("kind", "product", "version"):
                by = d.published_by.username if d.published_by else "bonta (shipped)"
                self.stdout.write(
                    f"{d.kind:17} {d.product or '-':15} v{d.version:<3} "
                    f"{d.published_at:%Y-%m-%d} {by:16} {d.sha256[:16]}  {d.title}"
                )
        elif action == "install":
            created = services.install_shipped_documents()
            self.stdout.write(
                ", ".join(
                    f"{d.kind}{' ' + d.product if d.product else ''} v{d.version}" for d in created
                )
                + " installed"
                if created
                else "every kind already has a published version; nothing installed"
            )
        else:
            self._publish(options)

    def _publish(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(username=options["by"]).first()
        if user is None:
            raise CommandError(f"by: no user {options['by']!r}")
        try:
            body = options["file"].read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"file: cannot read it ({error})") from None
        try:
            document = services.publish_document(
                kind=options["kind"],
                title=options["title"],
                body=body,
                by=user,
                product=options["product"],
            )
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"published {document.kind}{' for ' + document.product if document.product else ''} "
            f"v{document.version} (sha256 {document.sha256}); patients must sign it before "
            "their next sign-off with that product"
        )
