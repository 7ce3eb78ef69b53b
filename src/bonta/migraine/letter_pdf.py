"""The chronic-migraine summary letter as a one-page A4 PDF (reportlab).

Layout only: every figure and verdict comes from `bonta.migraine.letter.migraine_letter` (itself
`summarize`'s numbers). The page is deterministic — same content, same bytes (reportlab's
`invariant` mode: no creation date or random document id) — and always one page: the whole
body is one `KeepInFrame(mode="shrink")`, so a long history scales down a little rather than
spilling onto a second page. Long lists are cut to their latest rows with a line saying how
many earlier ones there are (`MAX_INJECTION_ROWS`, `MAX_CYCLE_ROWS`, `MAX_PREVENTIVE_ROWS`).

Text is set in Bitstream Vera (shipped inside reportlab) so "≥", "–" and "…" print as such.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, KeepInFrame, Paragraph, Spacer, Table, TableStyle

from bonta.domain.headache.questionnaires import INSTRUMENT_LABELS, ScoreEntry
from bonta.migraine.letter import InjectionRow, MigraineLetter, ScoreLine
from bonta.migraine.questionnaire_plot import band_range
from bonta.ui.pdf import BOLD, FONT, register_fonts

MARGIN = 14 * mm
MAX_INJECTION_ROWS = 12
MAX_CYCLE_ROWS = 6
MAX_PREVENTIVE_ROWS = 8
GRID = colors.HexColor("#9aa5b1")
HEAD_FILL = colors.HexColor("#e8edf2")

JUDGEMENT_TEXT = {
    "met": "yes (met)",
    "not_met": "no (not met)",
    "not_evaluable": "not yet evaluable",
    None: "—",
}
VERDICT_TEXT = {
    "continue": "continue treatment",
    "stop_inadequate_response": "stopping rule met: inadequate response",
    "stop_episodic": "stopping rule met: changed to episodic migraine",
    "review_not_evaluable": "review: a stopping rule is not evaluable from the diary",
    "not_yet_evaluable": "not yet evaluable",
}


@cache
def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=FONT, fontSize=7.6, leading=9.4)
    return {
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=6.6, leading=8),
        "cell": ParagraphStyle("cell", parent=base, fontSize=7, leading=8.4),
        "title": ParagraphStyle("title", parent=base, fontName=BOLD, fontSize=12.5, leading=15),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=BOLD, fontSize=8.8, leading=11, spaceBefore=5, spaceAfter=2
        ),
        "bullet": ParagraphStyle(
            "bullet", parent=base, fontSize=6.9, leading=8.3, leftIndent=8, bulletIndent=1
        ),
    }


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(text, _styles()[style])


def _e(value: object) -> str:
    return escape(str(value))


def _table(rows: Sequence[Sequence[object]], widths: Sequence[float], header: bool = True) -> Table:
    cells = [[c if isinstance(c, Flowable) else _p(_e(c), "cell") for c in row] for row in rows]
    table = Table(cells, colWidths=list(widths), hAlign="LEFT")
    style = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HEAD_FILL))
    table.setStyle(TableStyle(style))
    return table


def _percent_range(low: Decimal | None, high: Decimal | None) -> str:
    if high is None:
        return "not evaluable (no baseline headache day)"
    if low == high:
        return f"{high} %"
    return f"between {'−∞' if low is None else f'{low} %'} and {high} %"


# ---- sections ----------------------------------------------------------------------------------


def _identity(letter: MigraineLetter) -> list[Flowable]:
    kind = "initiation" if letter.kind == "initiation" else "continuation"
    rows = [
        ["Patient", "Date of birth", "Record number", "Figures as of"],
        [
            letter.patient_name,
            letter.birth_date.isoformat(),
            letter.record_number,
            letter.as_of.isoformat(),
        ],
    ]
    width = (A4[0] - 2 * MARGIN) / 4
    return [
        _p(f"Botulinum toxin type A for chronic migraine — {kind} summary", "title"),
        _p(
            "For the commissioner or insurer. Prepared by "
            f"{_e(letter.prepared_by)} from the clinic record and the patient's headache diary.",
            "small",
        ),
        Spacer(0, 3),
        _table(rows, [width] * 4),
    ]


def _period_column(p: Mapping[str, Any] | None, heading: str) -> list[str]:
    if p is None:
        return [heading, "—", "—", "—", "—", "—"]
    name = heading if p["label"] == "baseline" else f"{heading}: {p['label']}"
    return [
        f"{name} ({p['start']} to {p['end']})",
        f"{p['days_recorded']} of {p['days_in_window']} ({p['days_missing']} missing)",
        str(p["headache_days"]),
        str(p["migraine_days"]),
        str(p["headache_days_4h"]),
        str(p["acute_medication_days"]),
    ]


def _periods(letter: MigraineLetter, thresholds: Sequence[Mapping[str, Any]]) -> list[Flowable]:
    labels = [
        "",
        "Days recorded",
        "Headache days",
        "Migraine days (ICHD-3 1.3 C)",
        "Headache days ≥4 h",
        "Acute-medication days",
    ]
    first = "Baseline" if letter.kind == "continuation" else "Latest 28 days"
    base = _period_column(letter.baseline, first)
    latest = _period_column(letter.latest, "Latest complete period")
    if letter.latest is None and letter.latest_missing_reason:
        latest[0] = f"Latest complete period: {letter.latest_missing_reason}"
    rows = [list(r) for r in zip(labels, base, latest, strict=True)]
    p = letter.latest
    if p is not None and "reduction_percent_highest" in p:
        rows.append(
            [
                "Reduction in headache days vs baseline",
                "",
                _percent_range(p["reduction_percent_lowest"], p["reduction_percent_highest"]),
            ]
        )
        for t in thresholds:
            note = " (reporting convention)" if t["needs_verification"] else " (NICE TA260 1.2)"
            status = p["responder"].get(str(t["reduction_percent"]))
            rows.append(
                [f"Responder ≥{t['reduction_percent']} %{note}", "", JUDGEMENT_TEXT[status]]
            )
    width = A4[0] - 2 * MARGIN
    return [
        _p("Headache diary: baseline and latest 28-day period", "h2"),
        _table(rows, [width * 0.3, width * 0.35, width * 0.35]),
        _p(
            "Periods are 28 days anchored on the first injection; the baseline is the 28 days "
            "before it. Days with no diary entry are missing, never counted as headache-free; "
            "where they could decide a threshold the result is “not yet evaluable”.",
            "small",
        ),
    ]


def _cycles(
    cycles: Sequence[Mapping[str, Any]], thresholds: Sequence[Mapping[str, Any]]
) -> list[Flowable]:
    if not cycles:
        return []
    shown = cycles[-MAX_CYCLE_ROWS:]
    header = [
        "Cycle",
        "Dates",
        "Days recorded",
        "Headache days",
        "Weeks 1–4 / 5–8 / 9–12",
        "Reduction",
        *(f"≥{t['reduction_percent']} %" for t in thresholds),
    ]
    rows: list[list[object]] = [header]
    for c in shown:
        windows = " / ".join(str(w["headache_days"]) for w in c["windows"])
        state = "" if c["complete"] else " (in progress)"
        rows.append(
            [
                f"{c['number']}{state}",
                f"{c['injection']} to {c['end']}",
                f"{c['days_recorded']} of {c['days_in_window']}",
                str(c["headache_days"]),
                windows,
                _percent_range(c["reduction_percent_lowest"], c["reduction_percent_highest"]),
                *(
                    JUDGEMENT_TEXT[c["responder"].get(str(t["reduction_percent"]))]
                    for t in thresholds
                ),
            ]
        )
    width = A4[0] - 2 * MARGIN
    fixed = [0.09, 0.2, 0.1, 0.08, 0.13, 0.16]
    rest = (1 - sum(fixed)) / max(len(thresholds), 1)
    earlier = len(cycles) - len(shown)
    out: list[Flowable] = [
        _p("Treatment cycles (12 weeks from each injection)", "h2"),
        _table(rows, [width * f for f in fixed] + [width * rest] * len(thresholds)),
    ]
    if earlier:
        out.append(_p(f"… and {earlier} earlier cycle(s), not listed.", "small"))
    return out


def _reasons(reasons: Iterable[str]) -> list[Flowable]:
    return [Paragraph(_e(r), _styles()["bullet"], bulletText="•") for r in reasons]


def _nice(summary: Mapping[str, Any]) -> list[Flowable]:
    ini = summary["nice"]["initiation"]
    cont = summary["nice"]["continuation"]
    initiation = "eligible" if ini["eligible"] else JUDGEMENT_TEXT[ini["status"]]
    if ini["status"] == "not_met":
        initiation = "not eligible"
    return [
        _p("NICE TA260 verdicts, with their reasons and numbers", "h2"),
        _p(f"<b>Initiation (TA260 1.1): {_e(initiation)}</b>"),
        *_reasons(ini["reasons"]),
        _p(f"<b>Continuation (TA260 1.2): {_e(VERDICT_TEXT[cont['verdict']])}</b>"),
        *_reasons(cont["reasons"]),
        *_reasons(cont["review"]),
    ]


def _preventives(letter: MigraineLetter) -> list[Flowable]:
    heading = _p(f"Prior preventive medicines ({len(letter.preventives)} recorded)", "h2")
    if not letter.preventives:
        return [heading, _p("None recorded.")]
    shown = letter.preventives[:MAX_PREVENTIVE_ROWS]
    rows: list[list[object]] = [["Drug", "Dose", "Duration", "Reason stopped"]]
    for r in shown:
        duration = "never taken" if r.duration_weeks is None else f"{r.duration_weeks} weeks"
        rows.append([r.drug, r.dose or "—", duration, r.reason_stopped])
    width = A4[0] - 2 * MARGIN
    out: list[Flowable] = [
        heading,
        _table(rows, [width * 0.3, width * 0.3, width * 0.15, width * 0.25]),
    ]
    if len(letter.preventives) > len(shown):
        out.append(_p(f"… and {len(letter.preventives) - len(shown)} more.", "small"))
    return out


def _overuse(letter: MigraineLetter) -> list[Flowable]:
    mo = letter.summary["medication_overuse"]
    if mo["flag"]:
        diary = "overuse of " + ", ".join(mo["classes"])
    else:
        diary = "no class at its threshold in every judged period"
    if mo["not_evaluable"]:
        diary += "; not yet evaluable: " + ", ".join(mo["not_evaluable"])
    s = letter.overuse_statement
    if s is None:
        managed = "not recorded (the NICE criterion is not evaluable until a clinician states it)"
    else:
        said = "yes" if s.managed else "no"
        managed = f"{said}, stated on {s.recorded_on.isoformat()} by {s.by}"
    several = mo["multiple_classes"]
    readings = "; ".join(
        f"≥{r['days_per_month']} days: {JUDGEMENT_TEXT[r['status']]}" for r in several["readings"]
    )
    return [
        _p("Medication overuse", "h2"),
        _p(f"Diary (ICHD-3 8.2, four latest complete periods): {_e(diary)}."),
        _p(
            f"Several classes (ICHD-3 {several['code']}, threshold unverified, for the clinician "
            f"to judge): {'possible' if several['possible'] else 'not indicated'} ({_e(readings)})."
        ),
        _p(f"Appropriately managed (NICE TA260 1.1, clinician's statement): {_e(managed)}."),
    ]


def _score_text(entry: ScoreEntry | None) -> str:
    if entry is None:
        return "not recorded"
    band = entry.band
    name = f"grade {band.code}, {band.label}" if entry.instrument.value == "midas" else band.label
    return f"{entry.score} ({name}, {band_range(band)}) on {entry.completed_on.isoformat()}"


def _scores(scores: Sequence[ScoreLine]) -> list[Flowable]:
    rows: list[list[object]] = [
        ["Instrument", "Baseline (on or before the first injection)", "Latest"]
    ]
    rows += [
        [INSTRUMENT_LABELS[s.instrument], _score_text(s.baseline), _score_text(s.latest)]
        for s in scores
    ]
    width = A4[0] - 2 * MARGIN
    return [
        _p("HIT-6 and MIDAS", "h2"),
        _table(rows, [width * 0.14, width * 0.43, width * 0.43]),
    ]


def _units(row: InjectionRow) -> str:
    if not row.units:
        return "not recorded"
    return "; ".join(f"{total.normalize():f} U {name}" for name, total in row.units)


def _injections(rows: Sequence[InjectionRow]) -> list[Flowable]:
    heading = _p(
        f"Injection history: chronic-migraine pathway, signed sessions ({len(rows)})", "h2"
    )
    if not rows:
        return [heading, _p("No chronic-migraine session signed yet.")]
    shown = rows[-MAX_INJECTION_ROWS:]
    table: list[list[object]] = [["Date", "Product", "Lot(s)", "Total units"]]
    table += [
        [r.on.isoformat(), r.product, ", ".join(r.lots) or "not recorded", _units(r)] for r in shown
    ]
    width = A4[0] - 2 * MARGIN
    out: list[Flowable] = [heading]
    earlier = len(rows) - len(shown)
    if earlier:
        out.append(
            _p(
                f"The latest {len(shown)}; {earlier} earlier session(s) since {rows[0].on}.",
                "small",
            )
        )
    out.append(_table(table, [width * 0.14, width * 0.36, width * 0.22, width * 0.28]))
    return out


def story(letter: MigraineLetter) -> list[Flowable]:
    """The letter's body, top to bottom."""
    thresholds = letter.summary["responder_thresholds"]
    return [
        *_identity(letter),
        *_periods(letter, thresholds),
        *_cycles(letter.summary["cycles"], thresholds),
        *_nice(letter.summary),
        *_preventives(letter),
        *_overuse(letter),
        *_scores(letter.scores),
        *_injections(letter.injections),
    ]


def render_migraine_letter(letter: MigraineLetter, *, compress: bool = True) -> bytes:
    """The letter as a one-page A4 PDF (deterministic bytes for the same letter)."""
    register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=int(compress), invariant=1)
    canvas.setTitle(f"Chronic migraine {letter.kind} summary {letter.record_number}")
    canvas.setAuthor("Bonta")
    width, height = A4
    footer = 10 * mm
    box_width, box_height = width - 2 * MARGIN, height - 2 * MARGIN - footer
    frame = Frame(
        MARGIN, MARGIN + footer, box_width, box_height,
        leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, showBoundary=0,
    )  # fmt: skip
    body = KeepInFrame(box_width, box_height, story(letter), mode="shrink", vAlign="TOP")
    frame.addFromList([body], canvas)
    canvas.setFont(FONT, 6.5)
    canvas.setFillColor(colors.HexColor("#444444"))
    canvas.drawString(
        MARGIN,
        MARGIN + 3 * mm,
        "Sources: NICE TA260 1.1–1.2; ICHD-3 1.3 and 8.2; HIT-6 impact bands and MIDAS grades "
        "(clinical reference §4–6). Figures computed by Bonta from the headache diary.",
    )
    canvas.drawString(
        MARGIN, MARGIN, f"{letter.record_number} · figures as of {letter.as_of.isoformat()}"
    )
    canvas.drawRightString(width - MARGIN, MARGIN, "Page 1 of 1")
    canvas.showPage()
    canvas.save()
    return out.getvalue()
