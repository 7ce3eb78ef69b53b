"""Lot recall pages: open a recall, see who received the lot, record outreach, export CSV."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from bonta.domain.errors import InvalidInput
from bonta.lotrecall import services
from bonta.lotrecall.forms import CampaignForm, StatusForm
from bonta.ui.access import staff
from bonta.ui.forms import add_service_error


@staff(services.RECALL_READ, "view lot recalls")
def campaigns(request: HttpRequest) -> HttpResponse:
    can_manage = request.user.role in services.RECALL_MANAGE  # type: ignore[union-attr]
    form = CampaignForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            return render(
                request,
                "web/403.html",
                {"message": "Only a clinic manager may open a lot recall."},
                status=403,
            )
        if form.is_valid():
            data = form.cleaned_data
            try:
                search = services.criteria(
                    lot=data["lot"],
                    product=data["product"],
                    date_from=data["date_from"],
                    date_to=data["date_to"],
                )
                campaign = services.open_campaign(search, reason=data["reason"], by=request.user)
            except InvalidInput as error:
                add_service_error(form, error, {})
            else:
                return redirect("lotrecall:campaign", campaign.pk)
    context = {
        "campaigns": services.list_campaigns(by=request.user),
        "form": form,
        "can_manage": can_manage,
    }
    return render(request, "lotrecall/campaigns.html", context, status=422 if form.errors else 200)


@staff(services.RECALL_READ, "view lot recalls")
def campaign(request: HttpRequest, campaign_id: str) -> HttpResponse:
    found = services.get_campaign(campaign_id, by=request.user)
    exposures = services.campaign_exposures(found, by=request.user)
    context = {
        "campaign": found,
        "exposures": exposures,
        "sessions": sum(len(e.sessions) for e in exposures),
        "can_manage": request.user.role in services.RECALL_MANAGE,  # type: ignore[union-attr]
        "status_form": StatusForm(),
    }
    return render(request, "lotrecall/campaign.html", context)


@staff(services.RECALL_READ, "export lot recalls")
def campaign_csv(request: HttpRequest, campaign_id: str) -> HttpResponse:
    found = services.get_campaign(campaign_id, by=request.user)
    exposures = services.campaign_exposures(found, by=request.user, action="lot_recall.export")
    response = HttpResponse(services.exposures_csv(exposures), content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="lot-recall-{found.pk}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@staff(services.RECALL_MANAGE, "record lot recall outreach")
def outreach_status(request: HttpRequest, campaign_id: str, patient_id: str) -> HttpResponse:
    found = services.get_campaign(campaign_id, by=request.user)
    if request.method != "POST":
        return redirect("lotrecall:campaign", found.pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        messages.error(request, f"{field}: {' '.join(errors)}")
        return redirect("lotrecall:campaign", found.pk)
    try:
        services.set_outreach_status(
            found,
            patient_id,
            status=form.cleaned_data["status"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
    except InvalidInput as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Outreach status saved.")
    return redirect("lotrecall:campaign", found.pk)
