"""The PDF copy of a signed consent: a faithful copy of what was signed, and how.

It carries the exact text of the version signed (title and body, blocks as on screen), the
version's sha256 (which anyone can recompute from that text), the patient, the typed name,
the drawn signature as it was stored, when, through which channel, who witnessed it, and any
withdrawal. Fonts: Bitstream Vera, shipped inside reportlab, so the copy looks the same on every
server (the PDF base fonts cannot show many characters a name may contain).
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from bonta.consent.models import Channel, Consent
from bonta.consent.text import blocks
from bonta.ui.pdf import BOLD, FONT, register_fonts

SIGNATURE_WIDTH = 70 * mm


def _styles() -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5, spaceAfter=5)
    return {
        "body": body,
        "title": ParagraphStyle("title", parent=body, fontName=BOLD, fontSize=15, leading=19),
        "heading": ParagraphStyle(
            "heading", parent=body, fontName=BOLD, fontSize=11, leading=14, spaceBefore=6
        ),
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10),
        "cell": ParagraphStyle("cell", parent=body, spaceAfter=0),
    }


def render(consent: Consent) -> bytes:
    """The consent as PDF bytes (starts with %PDF)."""
    register_fonts()
    styles = _styles()
    document = consent.document
    out = io.BytesIO()
    pdf = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title=document.title,
        author="Bonta",
        subject=f"Signed consent, {document.kind} version {document.version}",
        # The page text is compressed and set in a font subset; the metadata stays searchable.
        keywords=f"bonta consent {document.kind} v{document.version} sha256:{document.sha256}",
    )
    story: list[Flowable] = [
        Paragraph(_text(document.title), styles["title"]),
        Paragraph(
            _text(
                f"Version {document.version} ({document.get_kind_display()}), published "
                f"{_when(document.published_at)}. SHA-256 of the exact text: {document.sha256}"
            ),
            styles["small"],
        ),
        Spacer(1, 4 * mm),
        *_body(document.body, styles),
        Spacer(1, 6 * mm),
        KeepTogether(_signature_block(consent, styles)),
    ]
    pdf.build(story, onFirstPage=_footer(consent), onLaterPages=_footer(consent))
    return out.getvalue()


def _body(body: str, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    flow: list[Flowable] = []
    for block in blocks(body):
        if block.kind == "heading":
            flow.append(Paragraph(_text(block.text), styles["heading"]))
        elif block.kind == "paragraph":
            flow.append(Paragraph(_text(block.text), styles["body"]))
        else:
            items = [ListItem(Paragraph(_text(i), styles["body"])) for i in block.items]
            flow.append(
                ListFlowable(items, bulletType="bullet", bulletFontName=FONT, leftIndent=12)
            )
    return flow


def _signature_block(consent: Consent, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    patient = consent.patient
    rows = [
        ("Patient", f"{patient.given_name} {patient.family_name} (record {patient.record_number})"),
        ("Name typed by the signer", consent.typed_name),
        ("Signed at", _when(consent.signed_at)),
        ("Channel", consent.get_channel_display()),
        ("Witness", _witness(consent)),
        ("Consent id", str(consent.pk)),
    ]
    if consent.withdrawn_at is not None:
        by = consent.withdrawn_by.username if consent.withdrawn_by else "unknown"
        withdrawn = f"{_when(consent.withdrawn_at)}, recorded by {by}"
        if consent.withdrawal_reason:
            withdrawn += f". Reason given: {consent.withdrawal_reason}"
        rows.append(("WITHDRAWN", withdrawn))
    cell = styles["cell"]
    table = Table(
        [[Paragraph(_text(k), cell), Paragraph(_text(v), cell)] for k, v in rows],
        colWidths=[45 * mm, None],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
            ]
        )
    )
    image = ImageReader(io.BytesIO(bytes(consent.signature_png)))
    width, height = image.getSize()
    signature = Image(
        io.BytesIO(bytes(consent.signature_png)),
        width=SIGNATURE_WIDTH,
        height=SIGNATURE_WIDTH * height / width,
        mask="auto",
    )
    signature.hAlign = "LEFT"
    return [
        Paragraph("Signature", styles["heading"]),
        signature,
        Spacer(1, 3 * mm),
        table,
    ]


def _witness(consent: Consent) -> str:
    if consent.channel == Channel.PORTAL:
        return "none: signed by the patient in the portal"
    witness = consent.witnessed_by
    if witness is None:
        return "none recorded"
    return f"{witness.username} ({witness.get_role_display()})"


def _footer(consent: Consent):  # type: ignore[no-untyped-def]
    line = (
        f"Bonta consent copy · {consent.document.kind} v{consent.document.version} · "
        f"sha256 {consent.document.sha256[:16]}… · printed {_when(timezone.now())}"
    )

    def draw(canvas, doc) -> None:  # type: ignore[no-untyped-def]
        canvas.saveState()
        canvas.setFont(FONT, 7)
        canvas.drawString(18 * mm, 9 * mm, line)
        canvas.drawRightString(A4[0] - 18 * mm, 9 * mm, f"page {doc.page}")
        canvas.restoreState()

    return draw


def _when(at: datetime) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _text(value: str) -> str:
    return escape(value)
