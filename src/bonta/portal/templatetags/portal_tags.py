"""`{% portal_panel patient %}`: the chart's portal panel (account, open invitation, invite)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import template

from bonta.domain.headache.days import DiaryDay
from bonta.portal.services import INVITATION_DAYS, INVITE, portal_status
from bonta.portal.wording import day_name, describe
from bonta.records.models import Patient

register = template.Library()


@register.inclusion_tag("portal/staff/_panel.html", takes_context=True)
def portal_panel(context: dict[str, Any], patient: Patient) -> dict[str, Any]:
    user = context["request"].user
    return {
        "patient": patient,
        "status": portal_status(patient),
        "can_invite": getattr(user, "role", None) in INVITE,
        "days": INVITATION_DAYS,
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def diary_day(day: DiaryDay) -> str:
    return describe(day)


@register.filter
def day_label(on: date, today: date) -> str:
    return day_name(on, today)
