"""Vial stock: register (from the stock page or an encounter), reconstitute."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from bonta.domain.errors import InvalidInput
from bonta.domain.products import all_products, get_product
from bonta.records import services
from bonta.records.errors import Conflict
from bonta.records.models import Vial
from bonta.ui.access import CLINICAL_READ, CLINICAL_WRITE, staff
from bonta.ui.forms import add_service_error
from bonta.web import queries
from bonta.web.forms import ReconstituteForm, VialForm
from bonta.web.workspace import vial_view

ALIASES = {"reconstituted_at": "reconstituted_at", "at": "at"}


@staff(CLINICAL_READ, "manage vial stock")
def stock(request: HttpRequest) -> HttpResponse:
    """The stock page; POST registers a vial (also used from the encounter screen)."""
    product = get_product(request.POST.get("product") or request.GET.get("product") or "botox")
    form = VialForm(product.vial_sizes_units, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vial = services.register_vial(
                by=request.user, product=product.code, **form.cleaned_data
            )
        except InvalidInput as error:
            add_service_error(form, error, ALIASES)
        else:
            messages.success(request, f"Vial lot {vial.lot} registered.")
            return _next(request, "web:vials", vial)
    context = {
        "form": form,
        "product": product,
        "products": all_products().values(),
        "stock": [vial_view(v) for v in queries.vials_in_stock()],
        "reconstitute_form": ReconstituteForm(),
    }
    return render(request, "web/vials/stock.html", context, status=422 if form.errors else 200)


@staff(CLINICAL_WRITE, "reconstitute vials")
@require_POST
def reconstitute(request: HttpRequest, vial_id: str) -> HttpResponse:
    vial = services.load(Vial, vial_id, "vial")
    form = ReconstituteForm(request.POST)
    if form.is_valid():
        try:
            services.reconstitute_vial(
                vial,
                by=request.user,
                diluent_ml=form.cleaned_data["diluent_ml"],
                at=form.cleaned_data["at"],
            )
        except (InvalidInput, Conflict) as error:
            messages.error(request, f"Vial lot {vial.lot} not reconstituted: {error.message}")
        else:
            messages.success(request, f"Vial lot {vial.lot} reconstituted.")
    else:
        problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())
        messages.error(request, f"Vial lot {vial.lot} not reconstituted: {problems}")
    return _next(request, "web:vials", vial)


def _next(request: HttpRequest, fallback: str, vial: Vial) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(f"{target}?vial={vial.pk}")
    return redirect(fallback)
