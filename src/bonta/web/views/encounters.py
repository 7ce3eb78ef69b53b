"""Encounters: start (pathway first), the draft workspace with live checks, sign-off, addenda."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from bonta.domain.errors import InvalidInput
from bonta.domain.pathways import Pathway
from bonta.records import services
from bonta.records.errors import Conflict, SignRefused
from bonta.records.models import Encounter, PlannedInjection
from bonta.records.snapshots import planned_rows
from bonta.ui.access import CLINICAL_READ, CLINICAL_WRITE, SIGN, staff
from bonta.ui.forms import add_service_error
from bonta.web import queries, workspace
from bonta.web.forms import AddendumForm, EncounterStartForm
from bonta.web.plan_form import PlanState, fingerprint, overrides
from bonta.web.views.patients import standing_flags


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


SECOND_DRAFT = (
    "This patient already has a draft on this pathway: continue it, or tick the box to open a "
    "second one."
)


@staff(CLINICAL_WRITE, "open encounters")
def encounter_start(request: HttpRequest, patient_id: str) -> HttpResponse:
    """Pathway first, then product and time. A draft already open on the chosen pathway is
    offered first: a second draft is opened only when the user ticks `another`."""
    patient = services.get_patient(patient_id, by=request.user)
    drafts = queries.open_drafts(patient, by=request.user)
    try:
        pathway = Pathway(request.GET.get("pathway", ""))
    except ValueError:
        context = {"patient": patient, "drafts": drafts}
        return render(request, "web/encounters/pathway.html", context)
    same = [d for d in drafts if d.pathway == pathway.value]
    form = EncounterStartForm(pathway, request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        if same and not form.cleaned_data["another"]:
            form.add_error("another", SECOND_DRAFT)
            status = 409
        else:
            data = {k: v for k, v in form.cleaned_data.items() if k != "another"}
            try:
                encounter = services.open_encounter(
                    patient, by=request.user, pathway=pathway.value, **data
                )
            except InvalidInput as error:
                add_service_error(form, error, {})
            else:
                return redirect("web:encounter", encounter_id=encounter.pk)
    if form.errors and status == 200:
        status = 422
    context = {"patient": patient, "pathway": pathway, "form": form, "drafts": same}
    return render(request, "web/encounters/start.html", context, status=status)


@staff(CLINICAL_READ, "view clinical notes")
def encounter_detail(request: HttpRequest, encounter_id: str) -> HttpResponse:
    encounter = services.get_encounter(encounter_id, by=request.user)
    if encounter.is_signed:
        return render_signed(request, encounter, AddendumForm())
    state = workspace.initial_state(encounter, request.GET.get("vial", ""))
    return render_draft(request, encounter, state, {})


def render_draft(
    request: HttpRequest,
    encounter: Encounter,
    state: PlanState,
    sign_values: dict[str, str],
    status: int = 200,
) -> HttpResponse:
    stock = queries.vials_in_stock(encounter.product)
    context = {
        **workspace.plan_context(encounter, state, stock=stock),
        **workspace.check_context(encounter, request.user, sign_values, not state.has_errors),
        **workspace.stock_context(encounter, stock),
        "patient": encounter.patient,
        "flags": standing_flags(encounter.patient),
        "can_edit": request.user.role in CLINICAL_WRITE,
    }
    return render(request, "web/encounters/draft.html", context, status=status)


def render_signed(
    request: HttpRequest, encounter: Encounter, form: AddendumForm, status: int = 200
) -> HttpResponse:
    context = {
        "encounter": encounter,
        "patient": encounter.patient,
        "flags": standing_flags(encounter.patient),
        "form": form,
        "can_amend": request.user.role in CLINICAL_WRITE,
        "total": given_total(encounter),
    }
    return render(request, "web/encounters/signed.html", context, status=status)


@staff(CLINICAL_WRITE, "plan treatments")
@require_POST
def encounter_plan(request: HttpRequest, encounter_id: str) -> HttpResponse:
    """Apply one change to the plan, save it whole, re-run the safety check (htmx partial)."""
    encounter = services.load(Encounter, encounter_id, "encounter")
    if encounter.is_signed:
        messages.error(request, "This encounter is signed and cannot be changed; add an addendum.")
        return _back(request, encounter, status=409)
    state = PlanState.from_post(request.POST)
    if request.POST.get("toggle"):
        state.toggle(request.POST["toggle"])
    if request.POST.get("remove"):
        state.remove(request.POST["remove"])
    # One transaction for the save and the check (each service's own block is a savepoint in
    # it): the request costs one durable commit, not two, and the check sees the plan it saved.
    with transaction.atomic():
        planned = _save_plan(request, encounter, state)
        if not is_htmx(request):
            if state.has_errors:
                return render_draft(request, encounter, state, overrides(request.POST), 422)
            return redirect("web:encounter", encounter_id=encounter.pk)
        plan_ok = not state.has_errors
        context = {
            **workspace.plan_context(encounter, state, planned),
            **workspace.check_context(encounter, request.user, request.POST, plan_ok, planned),
            "can_edit": True,
        }
    return render(request, "web/encounters/_live.html", context)


def _save_plan(
    request: HttpRequest, encounter: Encounter, state: PlanState
) -> list[PlannedInjection] | None:
    """Save the plan; return it as stored, with its vials and their usage (read once, for the
    form, the vial panel and the fingerprint)."""
    apply = request.POST.get("action") == "apply"
    try:
        if apply:
            services.plan_treatment(
                encounter, by=request.user, protocol=state.protocol or None, vial=state.vial or None
            )
        else:
            # Editing points keeps the record of the template the plan was started from.
            services.plan_treatment(
                encounter,
                by=request.user,
                injections=state.injections(),
                vial=state.vial or None,
                template=encounter.protocol or None,
            )
    except InvalidInput as error:
        state.refuse(error)
        return None
    planned = planned_rows(encounter.pk)
    state.rows = workspace.initial_state(encounter, state.vial, planned).rows
    return planned


@staff(SIGN, "sign encounters")
@require_POST
def encounter_sign(request: HttpRequest, encounter_id: str) -> HttpResponse:
    encounter = services.load(Encounter, encounter_id, "encounter")
    given = request.POST.get("fingerprint", "")
    if not encounter.is_signed and given != fingerprint(list(encounter.plan.all())):
        messages.error(
            request, "The plan changed after its findings were shown: check and sign again."
        )
        return redirect("web:encounter", encounter_id=encounter.pk)
    try:
        services.sign_encounter(encounter, request.user, overrides(request.POST))
    except Conflict as error:
        messages.info(request, error.message)
    except (SignRefused, InvalidInput) as error:
        messages.error(request, error.message)
        state = workspace.initial_state(encounter)
        return render_draft(request, encounter, state, overrides(request.POST), 422)
    else:
        messages.success(request, "Encounter signed. The record is now read-only.")
    return redirect("web:encounter", encounter_id=encounter.pk)


@staff(CLINICAL_WRITE, "amend encounters")
@require_POST
def encounter_addendum(request: HttpRequest, encounter_id: str) -> HttpResponse:
    encounter = services.get_encounter(encounter_id, by=request.user)
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            services.amend_encounter(encounter, by=request.user, **form.cleaned_data)
        except InvalidInput as error:
            add_service_error(form, error, {})
        except Conflict as error:
            messages.error(request, error.message)
            return redirect("web:encounter", encounter_id=encounter.pk)
        else:
            messages.success(request, "Addendum added.")
            return redirect("web:encounter", encounter_id=encounter.pk)
    return render_signed(request, services.get_encounter(encounter_id, by=request.user), form, 422)


@staff(CLINICAL_READ, "view clinical notes")
def encounter_print(request: HttpRequest, encounter_id: str) -> HttpResponse:
    encounter = services.get_encounter(encounter_id, by=request.user)
    context = {
        "encounter": encounter,
        "patient": encounter.patient,
        "flags": standing_flags(encounter.patient),
        "total": given_total(encounter),
    }
    return render(request, "web/encounters/print.html", context)


def given_total(encounter: Encounter) -> Decimal:
    return sum((a.units for a in encounter.administrations.all()), Decimal(0))


def _back(request: HttpRequest, encounter: Encounter, status: int) -> HttpResponse:
    if is_htmx(request):
        response = HttpResponse(status=status)
        response["HX-Redirect"] = f"/encounters/{encounter.pk}/"
        return response
    return redirect("web:encounter", encounter_id=encounter.pk)
