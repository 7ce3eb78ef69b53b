"""What every PDF Bonta prints shares: the typeface.

Text is set in Bitstream Vera, which ships inside reportlab, so "≥", "–" and "…" print as
such (the built-in Helvetica has no "≥"). The consent copy, the migraine letter, the
adverse-event reports and the toxin passport register it through `register_fonts`.
"""

from __future__ import annotations

from functools import cache

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT, BOLD = "BontaVera", "BontaVera-Bold"


@cache
def register_fonts() -> None:
    """Register the regular and bold faces and their family once per process."""
    pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
    pdfmetrics.registerFont(TTFont(BOLD, "VeraBd.ttf"))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)
