"""One-page A4 PDFs laid out by the sections of MedWatch 3500 and of the Yellow Card.

These are Bonta's worksheets for the official forms (field for field, the form's own section
letters and numbers), not the regulators' forms themselves: the clinician checks them and
transcribes them into the online form or attaches them. Layout as the house style
(`bonta.migraine.letter_pdf`): reportlab `invariant` mode (same content, same bytes), Bitstream
Vera so "≥" and "–" print, one `KeepInFrame(mode="shrink")` so it is always one page.
Which field comes from which part of the record: `bonta.aereports.report`.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, KeepInFrame, Paragraph, Spacer, Table, TableStyle

from bonta.aereports.report import NOT_RECORDED, Report
from bonta.ui.pdf import BOLD, FONT, register_fonts

MARGIN = 14 * mm
GRID = colors.HexColor("#9aa5b1")
HEAD_FILL = colors.HexColor("#e8edf2")
Row = tuple[str, str]


@cache
def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=7.8, leading=9.6)
    return {
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=7.4, leading=8.8),
        "label": ParagraphStyle("label", parent=base, fontName=BOLD, fontSize=7.2, leading=8.6),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=12.5, leading=15),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=BOLD, fontSize=8.8, leading=11, spaceBefore=5, spaceAfter=2
        ),
    }


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(escape(text), _styles()[style])


def _section(title: str, rows: Sequence[Row]) -> list[Flowable]:
    width = A4[0] - 2 * MARGIN
    table = Table(
        [[_p(label, "label"), _p(value, "cell")] for label, value in rows],
        colWidths=[width * 0.34, width * 0.66],
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, GRID),
                ("BACKGROUND", (0, 0), (0, -1), HEAD_FILL),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.6),
            ]
        )
    )
    return [_p(title, "h2"), table]


def _page(title: str, intro: str, sections: Sequence[tuple[str, Sequence[Row]]]) -> bytes:
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, invariant=True)
    canvas.setTitle(title)
    canvas.setAuthor("Bonta")
    story: list[Flowable] = [_p(title, "title"), _p(intro), Spacer(1, 2 * mm)]
    for heading, rows in sections:
        story.extend(_section(heading, rows))
    width, height = A4[0] - 2 * MARGIN, A4[1] - 2 * MARGIN
    frame = Frame(MARGIN, MARGIN, width, height, leftPadding=0, rightPadding=0, topPadding=0)
    frame.addFromList([KeepInFrame(width, height, story, mode="shrink")], canvas)
    canvas.showPage()
    canvas.save()
    return out.getvalue()


INTRO = (
    "Prepared by Bonta from the clinic's record, field by field as on the official form, for "
    "the reporter to check and transcribe or attach. “" + NOT_RECORDED + "”: Bonta holds no such "
    "field; complete it by hand if known. Report id {id}."
)


def _suspect_rows(r: Report, numbered: Sequence[str]) -> list[Row]:
    s = r.suspect
    if s is None:
        return [(numbered[0], r.no_suspect_reason)]
    values = [
        f"{s.name}; strength {s.strength}; manufacturer {NOT_RECORDED}",
        f"{s.dose}; {s.frequency}; {s.route}. Sites: {s.sites}",
        f"{s.date_of_use.isoformat()} (single session)",
        s.reason_for_use,
        f"lot {s.lots}; expiration date {s.expiry}",
    ]
    return list(zip(numbered, values, strict=True))


def medwatch_pdf(r: Report) -> bytes:
    """Form FDA 3500 sections A–G, with Bonta's values (one page)."""
    outcome = (
        f"{r.seriousness_criteria}; outcome: {r.outcome_medwatch}"
        if r.serious
        else f"not serious; outcome: {r.outcome_medwatch}"
    )
    sections: list[tuple[str, Sequence[Row]]] = [
        (
            "A. Patient information",
            [
                ("A1. Patient identifier (in confidence)", r.patient_initials),
                (
                    "A2. Age at time of event, or date of birth",
                    f"{r.age_at_event} years (date of birth {r.birth_date.isoformat()})",
                ),
                ("A3. Sex", r.sex),
                ("A4. Weight", r.weight),
            ],
        ),
        (
            "B. Adverse event, product problem",
            [
                ("B1. Type", "Adverse event"),
                ("B2. Outcomes attributed to adverse event", outcome),
                ("B3. Date of event", r.onset.isoformat()),
                ("B4. Date of this report", r.report_date.isoformat()),
                ("B5. Describe event or problem", f"{r.description} Severity: {r.severity}."),
                ("B6. Relevant tests/laboratory data, including dates", NOT_RECORDED),
                (
                    "B7. Other relevant history, including preexisting medical conditions",
                    r.other_history.strip() or NOT_RECORDED,
                ),
            ],
        ),
        ("C. Product availability", [("C1. Product available for evaluation?", NOT_RECORDED)]),
        (
            "D. Suspect product",
            [
                *_suspect_rows(
                    r,
                    [
                        "D1. Name, strength, manufacturer",
                        "D2. Dose or amount, frequency, route",
                        "D3. Dates of use",
                        "D4. Diagnosis or reason for use",
                        "D6. Lot #, expiration date",
                    ],
                ),
                (
                    "D7. Event abated after use stopped or dose reduced?",
                    "Doesn't apply (single session)",
                ),
                ("D8. Event reappeared after reintroduction?", NOT_RECORDED),
                ("D9. NDC # or unique ID", NOT_RECORDED),
            ],
        ),
        ("E. Suspect medical device", [("E. Device", "Doesn't apply (no device involved)")]),
        (
            "F. Other (concomitant) medical products",
            [("F. Products and therapy dates", r.concomitant)],
        ),
        (
            "G. Reporter",
            [
                (
                    "G1. Name, address, phone",
                    f"{r.reporter_name}; {r.reporter_address}; {r.reporter_phone}",
                ),
                ("G2. Health professional?", "Yes"),
                ("G3. Occupation / recorded by", r.recorded_by),
            ],
        ),
    ]
    return _page(
        "MedWatch Form FDA 3500 — adverse event (worksheet)", INTRO.format(id=r.report_id), sections
    )


def yellow_card_pdf(r: Report) -> bytes:
    """The Yellow Card's sections with Bonta's values (one page)."""
    s = r.suspect
    drug: list[Row] = (
        [
            ("Drug (brand if known)", s.name),
            ("Batch", s.lots),
            ("Route", f"{s.route}. Sites: {s.sites}"),
            ("Dosage", s.dose),
            ("Date started", s.date_of_use.isoformat()),
            ("Date stopped", f"{s.date_of_use.isoformat()} (single session)"),
            ("Prescribed for", s.reason_for_use),
        ]
        if s is not None
        else [("Drug", r.no_suspect_reason)]
    )
    sections: list[tuple[str, Sequence[Row]]] = [
        (
            "Patient details",
            [
                ("Patient initials", r.patient_initials),
                ("Sex", r.sex),
                ("Ethnicity", NOT_RECORDED),
                ("Weight if known (kg)", r.weight),
                ("Age (at time of reaction)", f"{r.age_at_event} years"),
                ("Identification number (practice or clinic ref)", r.patient_identifier),
            ],
        ),
        ("Suspected drug(s)", drug),
        (
            "Suspected reaction(s)",
            [
                (
                    "Description and any treatment given",
                    f"{r.description} Severity: {r.severity}. Treatment given: {NOT_RECORDED}.",
                ),
                ("Outcome", r.outcome_yellow_card),
                ("Date reaction(s) started", r.onset.isoformat()),
                ("Date reaction(s) stopped", r.stopped),
                ("Do you consider the reactions to be serious?", "Yes" if r.serious else "No"),
                ("If yes, why", r.seriousness_criteria if r.serious else "—"),
            ],
        ),
        (
            "Other drug(s) in the last 3 months",
            [("Drugs, batch, route, dosage, dates", r.concomitant)],
        ),
        (
            "Additional relevant information",
            [
                ("Medical history, allergies", r.other_history.strip() or NOT_RECORDED),
                ("Test results, rechallenge", NOT_RECORDED),
            ],
        ),
        (
            "Reporter details",
            [
                ("Name and address", f"{r.reporter_name}; {r.reporter_address}"),
                ("Tel", r.reporter_phone),
                ("Recorded by", r.recorded_by),
                ("Date", r.report_date.isoformat()),
            ],
        ),
    ]
    return _page(
        "Yellow Card — suspected adverse drug reaction (worksheet)",
        INTRO.format(id=r.report_id),
        sections,
    )
