"""A consent document names the product its text is worded for (issue 10: product-specific
consent). Versions now count per (kind, product). Existing rows get "" here; 0005 says which
product each existing text was worded for."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consent", "0003_install_shipped_documents"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="consentdocument",
            options={"ordering": ("kind", "product", "version")},
        ),
        migrations.RemoveConstraint(
            model_name="consentdocument",
            name="consent_document_version",
        ),
        migrations.AddField(
            model_name="consentdocument",
            name="product",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
        migrations.AddConstraint(
            model_name="consentdocument",
            constraint=models.UniqueConstraint(
                fields=("kind", "product", "version"), name="consent_document_product_version"
            ),
        ),
    ]
