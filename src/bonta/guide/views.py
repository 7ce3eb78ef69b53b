"""Patient guide pages: public, read-only, no patient data, no database."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from bonta.guide.clinic import load_clinic_instructions
from bonta.guide.content import STATUS_LABELS, load_guide

NAV = (
    ("index", "guide:index", "Guide home"),
    ("cosmetic", "guide:cosmetic", "Cosmetic"),
    ("chronic-migraine", "guide:chronic_migraine", "Chronic migraine"),
    ("urgent", "guide:urgent", "Urgent help"),
)


@require_safe
def guide_page(request: HttpRequest, slug: str) -> HttpResponse:
    """One guide page; no login, no session use, nothing about any patient."""
    guide = load_guide()
    page = guide.pages[slug]
    clinic = load_clinic_instructions().get(page.clinic_key, ()) if page.clinic_key else ()
    context = {
        "guide": guide,
        "page": page,
        "nav": NAV,
        "myths": guide.myths_for(slug),
        "urgent": guide.sections["urgent-signs"],
        "boxed": guide.boxed_warning if page.boxed_warning else None,
        "clinic": clinic,
        "sources": guide.sources_for(page),
        "status_labels": [
            ("derived" if k == "derived" else f"[{k}]", v) for k, v in STATUS_LABELS.items()
        ],
    }
    return render(request, "guide/page.html", context)
