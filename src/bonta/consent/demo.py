"""Consents for the synthetic demo clinic, as rows for the demo loader's bulk insert.

A clinic adopting Bonta asks its patients to sign its current forms, so every demo patient has
a current, tablet-signed consent (witnessed by the demo nurse, signed when the demo is made) for
each pathway they are treated on — worded for each product they received, since a consent covers
only its product — and cosmetic patients one for clinical photographs.
"""

from __future__ import annotations

import io
import uuid
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection
from PIL import Image, ImageDraw

from bonta.consent.guard import DEFAULT_PRODUCT
from bonta.consent.models import Channel, ConsentDocument
from bonta.consent.services import install_shipped_documents

# The columns the demo loader inserts (bonta.demo._insert_rows, one executemany).
COLUMNS = (
    "id",
    "patient_id",
    "document_id",
    "typed_name",
    "signature_png",
    "signed_at",
    "channel",
    "recorded_by_id",
    "witnessed_by_id",
    "withdrawal_reason",
)


def current_documents() -> dict[tuple[str, str], ConsentDocument]:
    """The current version of each (kind, product) (Bonta's shipped text when none is
    published)."""
    install_shipped_documents()
    latest: dict[tuple[str, str], ConsentDocument] = {}
    for document in ConsentDocument.objects.order_by("kind", "product", "version"):
        latest[(document.kind, document.product)] = document
    return latest


def rows(
    patient: Any,
    kinds: list[str | tuple[str, str]],
    documents: dict[tuple[str, str], ConsentDocument],
    witness: Any,
    at: datetime,
) -> list[tuple[Any, ...]]:
    """One consent row per (kind, product) in `kinds` (a bare kind: its default product)."""
    wanted = [
        (k, DEFAULT_PRODUCT.get(k, "")) if isinstance(k, str) else k for k in dict.fromkeys(kinds)
    ]
    name = f"{patient.given_name} {patient.family_name}"
    signed_at = connection.ops.adapt_datetimefield_value(at)  # as the ORM would store it
    return [
        (
            uuid.uuid4(),
            patient.id,
            documents[key].pk,
            name,
            demo_signature(),
            signed_at,
            Channel.TABLET.value,
            witness.pk,
            witness.pk,
            "",
        )
        for key in dict.fromkeys(wanted)
        if key in documents
    ]


@cache
def demo_signature() -> bytes:
    """One drawn-looking signature PNG shared by every demo consent."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    points = [(40, 140), (90, 60), (130, 150), (180, 70), (230, 140), (300, 90), (380, 120)]
    draw.line(points, fill=(17, 17, 17, 255), width=4, joint="curve")
    draw.line([(400, 130), (560, 110)], fill=(17, 17, 17, 255), width=3)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
