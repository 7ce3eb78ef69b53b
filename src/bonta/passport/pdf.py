"""The toxin passport as one A4 page: sessions, window totals, the signed QR code, fingerprint.

House style (`bonta.migraine.letter_pdf`): reportlab `invariant` mode (same content, same
bytes), Bitstream Vera for "≥" and "–", the body one `KeepInFrame(mode="shrink")` so a long
history scales down rather than spilling onto a second page. The QR code is drawn as vector
squares (crisp at any printer resolution), 95 mm wide, error correction level M (15 %: a
printed page takes creases and smudges; Q or H would need a version too large to photograph at
one megapixel, docs/passport.md has the numbers). The QR text is also the PDF's subject, so
another Bonta reads an uploaded PDF without rendering it.
"""

from __future__ import annotations

import io
from functools import cache
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, KeepInFrame, Paragraph, Spacer, Table, TableStyle

from bonta.domain.units import format_units
from bonta.passport.services import Passport, lines
from bonta.ui.pdf import BOLD, FONT, register_fonts

MARGIN = 12 * mm
QR_SIZE = 95 * mm
QR_ERROR = "m"
GRID = colors.HexColor("#9aa5b1")
HEAD_FILL = colors.HexColor("#e8edf2")


@cache
def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=8, leading=10)
    return {
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=6.8, leading=8),
        "head": ParagraphStyle("head", parent=base, fontName=BOLD, fontSize=6.8, leading=8),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=14, leading=17),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=BOLD, fontSize=9, leading=11, spaceBefore=4, spaceAfter=2
        ),
    }


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(escape(text), _styles()[style])


def qr_code(text: str) -> segno.QRCode:
    return segno.make_qr(text, error=QR_ERROR, boost_error=False)


def _draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    code = qr_code(text)
    matrix = code.matrix
    border = 4  # the quiet zone the QR standard asks for
    count = len(matrix) + 2 * border
    module = size / count
    canvas.setFillColor(colors.black)
    for r, row in enumerate(matrix):
        top = y + size - (r + border + 1) * module
        c = 0
        while c < len(row):
            if row[c] & 1:
                start = c
                while c < len(row) and row[c] & 1:
                    c += 1
                canvas.rect(
                    x + (start + border) * module,
                    top,
                    (c - start) * module,
                    module,
                    stroke=0,
                    fill=1,
                )
            else:
                c += 1


def passport_pdf(passport: Passport) -> bytes:
    register_fonts()
    data = passport.data
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True)
    canvas.setTitle("Toxin passport")
    canvas.setAuthor(data["i"]["n"])
    canvas.setSubject(passport.text)
    width, height = A4
    qr_x, qr_y = width - MARGIN - QR_SIZE, height - MARGIN - QR_SIZE
    _draw_qr(canvas, passport.text, qr_x, qr_y, QR_SIZE)
    p = data["p"]
    head: list[Flowable] = [
        _p("Toxin passport", "title"),
        _p("Botulinum toxin type A treatments", "body"),
        Spacer(1, 3 * mm),
        _p(f"{p['f']}, {p['g']}"),
        _p(f"Born {p['b']}"),
        Spacer(1, 3 * mm),
        _p(f"Issued {data['i']['d']} by {data['i']['n']}"),
        _p(data["i"]["u"]),
        Spacer(1, 3 * mm),
        _p(
            "Show this page at any clinic. The QR code holds the same list, signed by the "
            "issuing clinic. Its key fingerprint (SHA-256):",
            "cell",
        ),
        _p(passport.fingerprint, "cell"),
        _p(
            f"Published at {data['i']['u'].rstrip('/')}/.well-known/bonta-passport-key.json", "cell"
        ),
    ]
    head_width = qr_x - MARGIN - 6 * mm
    Frame(MARGIN, qr_y, head_width, QR_SIZE, 0, 0, 0, 0).addFromList(
        [KeepInFrame(head_width, QR_SIZE, head, mode="shrink")], canvas
    )
    body: list[Flowable] = [_p("Current totals in the cumulative-dose window", "h2")]
    if passport.totals:
        for t in passport.totals:
            body.append(
                _p(
                    f"{t.unit_system}: {format_units(t.units)} U in the {t.window} to "
                    f"{t.end.isoformat()} (label maximum {format_units(t.limit_units)} U). "
                    "Units of different products are never added."
                )
            )
    else:
        body.append(_p("No unit system with a cumulative label limit has been given."))
    body.append(_p(f"Treatments ({len(data['s'])} sessions)", "h2"))
    rows = [
        [_p(h, "head") for h in ("Date", "Clinic", "Product", "Lot", "Pathway", "Units per area")]
    ]
    rows += [
        [
            _p(x, "cell")
            for x in (line.on, line.clinic, line.product, line.lots, line.pathway, line.areas)
        ]
        for line in lines(data)
    ]
    if len(rows) == 1:
        body.append(_p("No botulinum toxin treatment on record."))
    else:
        table_width = width - 2 * MARGIN
        table = Table(
            rows,
            colWidths=[w * table_width for w in (0.1, 0.17, 0.2, 0.1, 0.12, 0.31)],
            repeatRows=1,
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.3, GRID),
                    ("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        body.append(table)
    body_height = qr_y - MARGIN - 4 * mm
    body_width = width - 2 * MARGIN
    Frame(MARGIN, MARGIN, body_width, body_height, 0, 0, 0, 0).addFromList(
        [KeepInFrame(body_width, body_height, body, mode="shrink")], canvas
    )
    canvas.showPage()
    canvas.save()
    return out.getvalue()
