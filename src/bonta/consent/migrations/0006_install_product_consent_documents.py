"""Publish Bonta's product-specific cosmetic consent texts (Dysport, Xeomin, Jeuveau, Daxxify,
Letybo) as version 1 of each (kind, product) that has no version yet. Reversing removes
nothing: a published document may already carry signatures."""

import hashlib

from django.db import migrations
from django.utils import timezone


def install(apps, schema_editor):
    from bonta.consent.shipped import shipped_documents

    ConsentDocument = apps.get_model("consent", "ConsentDocument")
    have = set(ConsentDocument.objects.values_list("kind", "product"))
    now = timezone.now()
    for doc in shipped_documents():
        if (doc.kind, doc.product) in have:
            continue
        ConsentDocument.objects.create(
            kind=doc.kind,
            product=doc.product,
            version=1,
            title=doc.title,
            body=doc.body,
            sha256=hashlib.sha256(f"{doc.title}\n\n{doc.body}".encode()).hexdigest(),
            published_at=now,
        )


class Migration(migrations.Migration):
    dependencies = [("consent", "0005_existing_consents_cover_what_they_were_worded_for")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
