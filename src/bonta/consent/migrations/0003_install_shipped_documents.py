"""Publish Bonta's shipped consent texts as version 1 of each kind (cosmetic, chronic migraine,
photography), unless a version of that kind already exists. Reversing removes nothing: a
published document may already carry signatures."""

import hashlib

from django.db import migrations
from django.utils import timezone

ORIGINAL_PRODUCTS = ("botox_cosmetic", "botox", "")


def install(apps, schema_editor):
    from bonta.consent.shipped import shipped_documents

    ConsentDocument = apps.get_model("consent", "ConsentDocument")
    have = set(ConsentDocument.objects.values_list("kind", flat=True))
    now = timezone.now()
    for doc in shipped_documents():
        # The three texts of this migration's time; the product-specific texts shipped later
        # come with 0006 (this table has no product column yet).
        if doc.kind in have or doc.product not in ORIGINAL_PRODUCTS:
            continue
        ConsentDocument.objects.create(
            kind=doc.kind,
            version=1,
            title=doc.title,
            body=doc.body,
            sha256=hashlib.sha256(f"{doc.title}\n\n{doc.body}".encode()).hexdigest(),
            published_at=now,
        )


class Migration(migrations.Migration):
    dependencies = [("consent", "0002_published_documents_are_immutable")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
